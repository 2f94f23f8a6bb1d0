#pragma once

#include <nlohmann/json.hpp>

#include "ioc/model.hpp"

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

Alert alert_from_json(const json& j);
Incident incident_from_json(const json& j);
AuditEntry audit_entry_from_json(const json& j);
/// An incident version as the federation carries it: the head plus "change" (its audit entry).
std::pair<Incident, AuditEntry> incident_version_from_json(const json& j);
ServiceRequest service_request_from_json(const json& j);

/// `{"error": {"code", "message", "field"}}`.
std::string error_body(std::string_view code, const std::string& message, const std::string& field);

}  // namespace ioc::codec
