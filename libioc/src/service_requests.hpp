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
  /// description, media_url; `area` names the node it concerns, default this node).
  ServiceRequest create(const std::map<std::string, std::string>& fields);
  /// Closes an open request with a status note (409 if already closed).
  ServiceRequest close(const std::string& id, const std::string& note);

 private:
  void record(WriteContext& w, const ServiceRequest& r, bool created);
  NodeContext& ctx_;
};

}  // namespace ioc
