#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ioc/time.hpp"

namespace ioc {

/// Severity order: minor < moderate < severe < extreme.
enum class Severity { kMinor = 0, kModerate = 1, kSevere = 2, kExtreme = 3 };

enum class Domain {
  kTraffic,
  kFlood,
  kEnvironment,
  kPublicOrder,
  kFireRescue,
  kHealth,
  kEducation,
  kTrade,
  kTourism,
  kCitizenFeedback,
  kCybersecurity,
  kOnlineInformation,
  kSocioEconomic,
  kGovernmentPerformance,
};

enum class NodeKind { kCity, kDistrict, kWard, kSector, kAgency };

enum class IncidentStatus { kReported, kAcknowledged, kDispatched, kResolved, kClosed, kCancelled };

/// The lifecycle's order: reported 0, acknowledged 1, dispatched 2, resolved 3, closed 4 (a step
/// forward may skip states); cancelled stands outside it (-1).
int lifecycle_step(IncidentStatus s);
/// Still to be handled: reported, acknowledged or dispatched.
bool is_open(IncidentStatus s);

enum class IncidentAction { kAcknowledge, kDispatch, kResolve, kClose, kEscalate, kCancel };

/// Operator roles; each includes viewer, admin includes all.
enum class Role { kViewer, kOperator, kIngest, kAdmin };

// Lower-case wire names ("severe", "public-order", ...) and their parsers (nullopt if unknown).
std::string_view to_string(Severity v);
std::string_view to_string(Domain v);
std::string_view to_string(NodeKind v);
std::string_view to_string(IncidentStatus v);
std::string_view to_string(IncidentAction v);
std::string_view to_string(Role v);
std::optional<Severity> parse_severity(std::string_view s);
std::optional<Domain> parse_domain(std::string_view s);
std::optional<NodeKind> parse_node_kind(std::string_view s);
std::optional<IncidentStatus> parse_incident_status(std::string_view s);
std::optional<IncidentAction> parse_incident_action(std::string_view s);
std::optional<Role> parse_role(std::string_view s);
/// CAP 1.2 severity words: Extreme, Severe, Moderate, Minor.
std::string_view cap_severity(Severity v);
std::optional<Severity> parse_cap_severity(std::string_view s);
/// True if `held` includes the rights of `needed` (admin has all, every role has viewer).
bool role_allows(Role held, Role needed);

using Tags = std::map<std::string, std::string>;

/// One measured fact. Posting the same row twice stores it twice.
struct Observation {
  std::string source;
  std::string metric;
  TimeMs ts = 0;
  double value = 0;
  std::string unit;
  std::string area;  ///< a node id known to the federation
  Tags tags;
};

/// CAP 1.2 message types.
enum class CapMsgType { kAlert, kUpdate, kCancel };
std::string_view to_string(CapMsgType v);

/// The texts of one CAP <info> in a further language.
struct AlertText {
  std::string language;  ///< RFC 3066, e.g. "en-US"
  std::string event;
  std::string headline;
  std::string description;
  std::string instruction;
};

/// Where an alert applies as CAP describes places, beside the node ids it names.
struct AlertGeometry {
  std::vector<std::string> polygons;  ///< "lat,lon lat,lon ..." with the first point last again
  std::vector<std::string> circles;   ///< "lat,lon radius" (radius in km)
  std::vector<std::pair<std::string, std::string>> geocodes;  ///< (valueName, value)
  bool empty() const { return polygons.empty() && circles.empty() && geocodes.empty(); }
};

/// An alert shaped as a CAP 1.2 message: one <info> per language (its own texts first, then
/// `translations`) and one <area>.
struct Alert {
  std::string identifier;
  std::string sender;  ///< the node id that raised it
  TimeMs sent = 0;
  std::string status = "Actual";  ///< Actual, Exercise, System, Test, Draft
  CapMsgType msg_type = CapMsgType::kAlert;
  std::string scope = "Public";  ///< Public, Restricted, Private
  std::string category;          ///< Geo, Met, Safety, Security, Rescue, Fire, Health, Env, ...
  std::string event;
  std::string urgency;  ///< Immediate, Expected, Future, Past, Unknown
  Severity severity = Severity::kModerate;
  std::string certainty;  ///< Observed, Likely, Possible, Unlikely, Unknown
  std::string headline;
  std::string description;
  std::string instruction;
  std::string language = "en-US";  ///< of the texts above
  std::vector<AlertText> translations;
  std::string area;                ///< node id; areaDesc in CAP
  std::vector<std::string> areas;  ///< every node id it covers when more than `area`
  AlertGeometry geometry;
  std::optional<Domain> domain;  ///< what it is about, for policies; set on operators' alerts
  std::optional<TimeMs> effective;
  TimeMs onset = 0;
  std::optional<TimeMs> expires;
  std::vector<std::string> references;  ///< identifiers of earlier messages this one updates
  std::string rule_id;
  bool active = true;
};

/// A point or free-text place where an incident happens.
/// The camera nearest an incident, from the reporting node's Cameras file.
struct CameraRef {
  std::string id;
  std::string stream;  ///< where to watch it (e.g. an RTSP or HLS address)
  double distance_m = 0;
};

struct Location {
  std::optional<double> lat;
  std::optional<double> lon;
  std::string address;
  std::optional<CameraRef> camera;  ///< set by the node that reports it, if it knows cameras
};

/// One line of an incident's audit history.
struct AuditEntry {
  TimeMs at = 0;
  std::string actor;  ///< "token-name@node" for operators, a node id for federation commands
  std::string action;
  std::string note;
  std::string grant;  ///< the grant that allowed it ("local-operator" until policies exist)
  int version = 0;    ///< the incident version this entry produced
};

struct Incident {
  std::string id;
  Domain domain = Domain::kPublicOrder;
  Severity severity = Severity::kModerate;
  std::string area;
  std::string title;
  Location location;
  std::string origin;  ///< node where it was reported
  std::string owner;   ///< node responsible now, the single writer
  int version = 1;
  IncidentStatus status = IncidentStatus::kReported;
  TimeMs created = 0;
  TimeMs updated = 0;
  std::string alert_id;  ///< the alert that opened it, if a rule did
  std::vector<AuditEntry> history;
};

/// A camera a node knows (node-local Cameras file): incidents reported there with a position get
/// the nearest one as their camera reference.
struct Camera {
  std::string id;
  double lat = 0, lon = 0;
  std::string stream;
};

/// An Open311 GeoReport v2 service definition from a node-local Services file.
struct Service {
  std::string code;
  std::string name;
  std::string group;
  Domain domain = Domain::kCitizenFeedback;
  TimeMs sla = 0;
  std::string description;
};

/// An Open311 GeoReport v2 service request.
struct ServiceRequest {
  std::string id;
  std::string service_code;
  std::string service_name;
  std::string description;
  std::string status = "open";  ///< open or closed
  std::string status_notes;
  std::string agency_responsible;  ///< the node the request is routed to
  std::string area;
  std::string address;
  std::optional<double> lat;
  std::optional<double> lon;
  std::string media_url;
  TimeMs requested = 0;
  TimeMs updated = 0;
  TimeMs expected = 0;  ///< requested + SLA
  std::optional<TimeMs> closed;
};

/// kMissing: the rule fires when no observation of its metric has arrived for its area within
/// `missing_for` (a report or a sensor that went quiet), and clears when one arrives.
enum class Comparison { kAbove, kBelow, kMissing };

/// A node-local threshold rule (a Rules file, docs/configuration.md).
struct Rule {
  std::string id;
  std::string metric;
  std::string area;  ///< node id: matches observations in that subtree
  Comparison comparison = Comparison::kAbove;
  double threshold = 0;
  TimeMs hold_for = 0;     ///< how long the condition must hold before raising
  double hysteresis = 0;   ///< how far back past the threshold the value must go to clear
  TimeMs missing_for = 0;  ///< kMissing: how long without an observation before raising
  struct AlertSpec {
    std::string event;
    std::string category = "Other";
    Severity severity = Severity::kModerate;
    std::string urgency = "Expected";
    std::string certainty = "Observed";
    std::string headline;
  } alert;
  struct IncidentSpec {
    Domain domain = Domain::kPublicOrder;
    Severity severity = Severity::kModerate;
  };
  std::optional<IncidentSpec> incident;
};

}  // namespace ioc
