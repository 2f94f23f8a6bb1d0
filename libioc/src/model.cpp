#include "ioc/model.hpp"

#include "ioc/summary.hpp"

#include <array>
#include <utility>

namespace ioc {
namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
std::string_view name_of(const Names<E, N>& names, E v) {
  for (const auto& [e, n] : names)
    if (e == v) return n;
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> parse_name(const Names<E, N>& names, std::string_view s) {
  for (const auto& [e, n] : names)
    if (n == s) return e;
  return std::nullopt;
}

constexpr Names<Severity, 4> kSeverities{{{Severity::kMinor, "minor"},
                                          {Severity::kModerate, "moderate"},
                                          {Severity::kSevere, "severe"},
                                          {Severity::kExtreme, "extreme"}}};
constexpr Names<Severity, 4> kCapSeverities{{{Severity::kMinor, "Minor"},
                                             {Severity::kModerate, "Moderate"},
                                             {Severity::kSevere, "Severe"},
                                             {Severity::kExtreme, "Extreme"}}};
constexpr Names<Domain, 14> kDomains{{
    {Domain::kTraffic, "traffic"},
    {Domain::kFlood, "flood"},
    {Domain::kEnvironment, "environment"},
    {Domain::kPublicOrder, "public-order"},
    {Domain::kFireRescue, "fire-rescue"},
    {Domain::kHealth, "health"},
    {Domain::kEducation, "education"},
    {Domain::kTrade, "trade"},
    {Domain::kTourism, "tourism"},
    {Domain::kCitizenFeedback, "citizen-feedback"},
    {Domain::kCybersecurity, "cybersecurity"},
    {Domain::kOnlineInformation, "online-information"},
    {Domain::kSocioEconomic, "socio-economic"},
    {Domain::kGovernmentPerformance, "government-performance"},
}};
constexpr Names<NodeKind, 5> kNodeKinds{{{NodeKind::kCity, "city"},
                                         {NodeKind::kDistrict, "district"},
                                         {NodeKind::kWard, "ward"},
                                         {NodeKind::kSector, "sector"},
                                         {NodeKind::kAgency, "agency"}}};
constexpr Names<IncidentStatus, 6> kStatuses{{{IncidentStatus::kReported, "reported"},
                                              {IncidentStatus::kAcknowledged, "acknowledged"},
                                              {IncidentStatus::kDispatched, "dispatched"},
                                              {IncidentStatus::kResolved, "resolved"},
                                              {IncidentStatus::kClosed, "closed"},
                                              {IncidentStatus::kCancelled, "cancelled"}}};
constexpr Names<IncidentAction, 6> kActions{{{IncidentAction::kAcknowledge, "acknowledge"},
                                             {IncidentAction::kDispatch, "dispatch"},
                                             {IncidentAction::kResolve, "resolve"},
                                             {IncidentAction::kClose, "close"},
                                             {IncidentAction::kEscalate, "escalate"},
                                             {IncidentAction::kCancel, "cancel"}}};
constexpr Names<Role, 4> kRoles{{{Role::kViewer, "viewer"},
                                 {Role::kOperator, "operator"},
                                 {Role::kIngest, "ingest"},
                                 {Role::kAdmin, "admin"}}};
constexpr Names<Freshness, 3> kFreshness{{{Freshness::kFresh, "fresh"},
                                          {Freshness::kStale, "stale"},
                                          {Freshness::kUnreachable, "unreachable"}}};
constexpr Names<CapMsgType, 3> kMsgTypes{{{CapMsgType::kAlert, "Alert"},
                                          {CapMsgType::kUpdate, "Update"},
                                          {CapMsgType::kCancel, "Cancel"}}};

}  // namespace

std::string_view to_string(Severity v) {
  return name_of(kSeverities, v);
}
std::string_view to_string(Domain v) {
  return name_of(kDomains, v);
}
std::string_view to_string(NodeKind v) {
  return name_of(kNodeKinds, v);
}
std::string_view to_string(IncidentStatus v) {
  return name_of(kStatuses, v);
}
std::string_view to_string(IncidentAction v) {
  return name_of(kActions, v);
}
std::string_view to_string(Role v) {
  return name_of(kRoles, v);
}
std::string_view to_string(Freshness v) {
  return name_of(kFreshness, v);
}
std::optional<Freshness> parse_freshness(std::string_view s) {
  return parse_name(kFreshness, s);
}
std::string_view to_string(CapMsgType v) {
  return name_of(kMsgTypes, v);
}
std::optional<Severity> parse_severity(std::string_view s) {
  return parse_name(kSeverities, s);
}
int lifecycle_step(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kReported:
      return 0;
    case IncidentStatus::kAcknowledged:
      return 1;
    case IncidentStatus::kDispatched:
      return 2;
    case IncidentStatus::kResolved:
      return 3;
    case IncidentStatus::kClosed:
      return 4;
    case IncidentStatus::kCancelled:
      return -1;
  }
  return -1;
}

bool is_open(IncidentStatus s) {
  const int step = lifecycle_step(s);
  return step >= 0 && step <= lifecycle_step(IncidentStatus::kDispatched);
}

std::optional<Domain> parse_domain(std::string_view s) {
  return parse_name(kDomains, s);
}
std::optional<NodeKind> parse_node_kind(std::string_view s) {
  return parse_name(kNodeKinds, s);
}
std::optional<IncidentStatus> parse_incident_status(std::string_view s) {
  return parse_name(kStatuses, s);
}
std::optional<IncidentAction> parse_incident_action(std::string_view s) {
  return parse_name(kActions, s);
}
std::optional<Role> parse_role(std::string_view s) {
  return parse_name(kRoles, s);
}
std::string_view cap_severity(Severity v) {
  return name_of(kCapSeverities, v);
}
std::optional<Severity> parse_cap_severity(std::string_view s) {
  return parse_name(kCapSeverities, s);
}

bool role_allows(Role held, Role needed) {
  return held == Role::kAdmin || needed == Role::kViewer || held == needed;
}

}  // namespace ioc
