#include "service_requests.hpp"

#include <cmath>
#include <cstdlib>

#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc {
namespace {

std::optional<double> coordinate(const std::map<std::string, std::string>& f, const char* key,
                                 double limit) {
  const auto it = f.find(key);
  if (it == f.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || !std::isfinite(v) || std::fabs(v) > limit)
    throw Error(
        ErrorCode::kBadRequest,
        std::string(key) + " must be a number within +-" + std::to_string(static_cast<int>(limit)),
        key);
  return v;
}

std::string field(const std::map<std::string, std::string>& f, const char* key) {
  const auto it = f.find(key);
  if (it == f.end()) return {};
  if (it->second.size() > 4000)
    throw Error(ErrorCode::kBadRequest, std::string(key) + " is too long", key);
  return it->second;
}

}  // namespace

void ServiceRequests::record(WriteContext& w, const ServiceRequest& r, bool created) {
  if (created)
    w.writer.insert_service_request(r);
  else
    w.writer.update_service_request(r);
  const codec::json body = codec::to_json(r);
  const auto seq = w.writer.append_event("service-request", r.updated, body.dump());
  if (ctx_.record_logged)
    ctx_.record_logged(w, {"service-request", r.updated, [&] { return body; }});
  const std::string live = codec::json{{"type", "service-request"}, {"data", body}}.dump();
  w.after_commit.push_back([this, live, seq, created] {
    ctx_.metrics.event_log_seq = seq;
    if (created) ctx_.metrics.service_requests++;
    ctx_.events.publish(live);
  });
}

void ServiceRequests::create(const std::map<std::string, std::string>& fields,
                             Completion<ServiceRequest> done) {
  ServiceRequest r;
  try {
    r = from_fields(fields);
  } catch (...) {
    return done({}, std::current_exception());
  }
  ctx_.writes.submit_for<ServiceRequest>(
      [this, r](WriteContext& w) {
        record(w, r, true);
        return r;
      },
      std::move(done));
}

ServiceRequest ServiceRequests::create(const std::map<std::string, std::string>& fields) {
  return wait_for<ServiceRequest>(
      [&](Completion<ServiceRequest> done) { create(fields, std::move(done)); });
}

ServiceRequest ServiceRequests::from_fields(const std::map<std::string, std::string>& f) const {
  const auto fed = ctx_.federation();
  const std::string code = field(f, "service_code");
  if (code.empty()) throw Error(ErrorCode::kBadRequest, "service_code is required", "service_code");
  const Service* service = nullptr;
  for (const auto& s : ctx_.local.services)
    if (s.code == code) service = &s;
  if (!service)
    throw Error(ErrorCode::kBadRequest, "unknown service_code '" + code + "'", "service_code");
  ServiceRequest r;
  r.lat = coordinate(f, "lat", 90);
  r.lon = coordinate(f, "long", 180);
  if (r.lat.has_value() != r.lon.has_value())
    throw Error(ErrorCode::kBadRequest, "lat and long go together", r.lat ? "long" : "lat");
  r.address = field(f, "address_string");
  if (!r.lat && r.address.empty())
    throw Error(ErrorCode::kBadRequest, "a location is required: lat and long, or address_string",
                "lat");
  r.area = field(f, "area");
  if (r.area.empty()) r.area = ctx_.node_id;
  if (!fed->find(r.area))
    throw Error(ErrorCode::kBadRequest, "area '" + r.area + "' is not a node of the federation",
                "area");
  r.id = "sr-" + crypto::random_hex(8);
  r.service_code = service->code;
  r.service_name = service->name;
  r.description = field(f, "description");
  r.media_url = field(f, "media_url");
  r.agency_responsible = ctx_.node_id;
  r.requested = r.updated = ctx_.clock.now();
  r.expected = r.requested + service->sla;
  return r;
}

void ServiceRequests::close(const std::string& id, const std::string& note,
                            Completion<ServiceRequest> done) {
  ctx_.writes.submit_for<ServiceRequest>(
      [this, id, note](WriteContext& w) {
        auto r = w.writer.service_request(id);
        if (!r) throw Error(ErrorCode::kNotFound, "no service request '" + id + "'", "id");
        if (r->status == "closed")
          throw Error(ErrorCode::kConflict, "service request is already closed", "status");
        r->status = "closed";
        r->status_notes = note;
        r->updated = ctx_.clock.now();
        r->closed = r->updated;
        record(w, *r, false);
        return *r;
      },
      std::move(done));
}

ServiceRequest ServiceRequests::close(const std::string& id, const std::string& note) {
  return wait_for<ServiceRequest>(
      [&](Completion<ServiceRequest> done) { close(id, note, std::move(done)); });
}

}  // namespace ioc
