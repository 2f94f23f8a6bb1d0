#pragma once

#include <map>
#include <string>

#include "node_context.hpp"

namespace ioc {

/// Open311 GeoReport v2 service requests on this node, with SLAs from the node's Services files.
/// Thread-safe: changes go through the single writer.
class ServiceRequests {
 public:
  explicit ServiceRequests(NodeContext& ctx) : ctx_(ctx) {}

  const std::vector<Service>& services() const { return ctx_.local.services; }
  /// Creates a request from GeoReport v2 fields (service_code; lat+long or address_string;
  /// description, media_url; `area` names the node it concerns, default this node); `done` gets
  /// it once committed, or the error naming the field.
  void create(const std::map<std::string, std::string>& fields, Completion<ServiceRequest> done);
  /// Closes an open request with a status note (409 if already closed).
  void close(const std::string& id, const std::string& note, Completion<ServiceRequest> done);
  /// The same two, waiting (for threads that may wait: not the HTTP I/O threads); they throw
  /// the error.
  ServiceRequest create(const std::map<std::string, std::string>& fields);
  ServiceRequest close(const std::string& id, const std::string& note);

 private:
  ServiceRequest from_fields(const std::map<std::string, std::string>& fields) const;
  void record(WriteContext& w, const ServiceRequest& r, bool created);
  NodeContext& ctx_;
};

}  // namespace ioc
