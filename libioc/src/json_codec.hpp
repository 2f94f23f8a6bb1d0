#pragma once

#include <nlohmann/json.hpp>

#include "ioc/model.hpp"
#include "ioc/summary.hpp"

namespace ioc::codec {

using nlohmann::json;

json to_json(const Observation& o);
json to_json(const Alert& a);
/// The incident with its audit `history`.
json to_json(const Incident& i);
/// The incident without its history: what lists, the store's row and the event log carry.
json incident_head(const Incident& i);
json to_json(const AuditEntry& e);
/// The Open311 GeoReport v2 representation of a request.
json to_json(const ServiceRequest& r);
json to_json(const Service& s);
/// GET /api/v1/summary's document.
json to_json(const Summary& s);
/// {"node", "state", "lastSync", "lagSeconds", "complete", "lostRanges"}.
json to_json(const ChildStatus& c);

Alert alert_from_json(const json& j);
Incident incident_from_json(const json& j);
AuditEntry audit_entry_from_json(const json& j);
/// An incident version as the federation carries it: the head plus "change" (its audit entry).
std::pair<Incident, AuditEntry> incident_version_from_json(const json& j);
ServiceRequest service_request_from_json(const json& j);

/// JSON from outside (a client, a peer, a parent's answer) nests at most this deep; deeper input is
/// refused before anything is built from it.
inline constexpr int kMaxJsonDepth = 64;

/// Parses JSON from outside. Throws Error(kBadRequest) naming `field` if it is not valid JSON
/// (UTF-8 included) or nests deeper than kMaxJsonDepth.
json parse_external(std::string_view text, const std::string& field = "body");
/// The nesting check of parse_external alone, in one pass over the bytes before a parser builds
/// anything: throws Error(kBadRequest) naming `field` beyond kMaxJsonDepth.
void check_depth(std::string_view text, const std::string& field);

/// Serialises for an answer: never throws on text that is not valid UTF-8 (such bytes become
/// U+FFFD), so a stored string can never stop a response.
std::string dump(const json& j);

/// `{"error": {"code", "message", "field"}}`.
std::string error_body(std::string_view code, const std::string& message, const std::string& field);

}  // namespace ioc::codec
