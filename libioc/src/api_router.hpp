#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_message.hpp"
#include "incident_service.hpp"
#include "ingest_parser.hpp"
#include "ioc/federation/request_signing.hpp"
#include "node_context.hpp"
#include "observation_ingest.hpp"
#include "outbox_waiters.hpp"
#include "service_requests.hpp"
#include "summary_service.hpp"
#include "token_service.hpp"

namespace ioc {

/// The node API of SPEC section 6 as a route table: each route names its method, path pattern,
/// the roles that may call it and its handler. Authentication, role checks and the JSON error
/// shape are handled here once. Thread-safe.
class ApiRouter {
 public:
  struct Services {
    ObservationIngest& ingest;
    IncidentService& incidents;
    ServiceRequests& requests;
    SummaryService& summary;
    TokenService& tokens;
    const federation::RequestVerifier& peers;
    /// The link to this node's parent, for /api/v1/federation; null on the root or without a key.
    std::function<nlohmann::json()> uplink_state;
    federation::OutboxWaiters& waiters;
    /// Reloads the federation file and its policies (the node's reload); returns the answer body.
    std::function<nlohmann::json()> reload;
    /// This node's key, which signs its answers to federation calls; null without one.
    const federation::PrivateKey* key = nullptr;
  };

  ApiRouter(NodeContext& ctx, Services services, IngestLimits limits);

  void handle(const HttpRequest& request, Respond respond);
  /// The actor behind an "Authorization: Bearer" header; with `allow_query_token` (the WebSocket
  /// upgrade, where browsers cannot set headers) also an `access_token` query parameter.
  std::optional<Actor> authenticate(const HttpRequest& request, bool allow_query_token = false);
  /// The bearer token a request carries (as authenticate reads it), or empty.
  static std::string bearer_token(const HttpRequest& request, bool allow_query_token);
  /// Marks the node as shutting down: /readyz answers 503 from now on.
  void set_draining() { draining_ = true; }

  /// Renders an error as the JSON error shape with its status.
  static HttpResponse error_response(const class Error& e);
  /// The response for a write job's failure: its Error, or a 500 naming `context` otherwise.
  static HttpResponse failure_response(std::exception_ptr error, const std::string& context);

 private:
  struct Call {
    const HttpRequest& request;
    std::map<std::string, std::string> params;  ///< path parameters ({id})
    std::map<std::string, std::string> query;
    std::optional<Actor> actor;
    std::string peer;  ///< the verified calling node, on signed federation routes
  };
  using Handler = void (ApiRouter::*)(Call&, Respond&);
  struct Route {
    std::string method;
    std::vector<std::string> segments;  ///< "{id}" matches one segment
    std::vector<Role> roles;            ///< any of; empty means no token needed
    Handler handler;
    bool signed_call = false;  ///< a federation route: an IOC-Signature instead of a token
  };

  void healthz(Call&, Respond&);
  void readyz(Call&, Respond&);
  void metrics(Call&, Respond&);
  void post_observations(Call&, Respond&);
  void get_observations(Call&, Respond&);
  void get_alerts(Call&, Respond&);
  void get_alert(Call&, Respond&);
  void post_incident(Call&, Respond&);
  void get_incidents(Call&, Respond&);
  void get_incident(Call&, Respond&);
  void post_incident_action(Call&, Respond&);
  void get_services(Call&, Respond&);
  void post_service_request(Call&, Respond&);
  void get_service_requests(Call&, Respond&);
  void get_service_request(Call&, Respond&);
  void close_service_request(Call&, Respond&);
  void get_summary(Call&, Respond&);
  void get_federation(Call&, Respond&);
  void federation_command(Call&, Respond&);
  void post_grant(Call&, Respond&);
  void post_revocation(Call&, Respond&);
  void reload_policies(Call&, Respond&);
  void authorize(Call&, Respond&);
  void federation_hello(Call&, Respond&);
  void federation_events(Call&, Respond&);
  void federation_poll(Call&, Respond&);
  void federation_summary(Call&, Respond&);
  /// The subtree summary for the window and metrics a request's query names.
  nlohmann::json summary_for(Call& call) const;

  NodeContext& ctx_;
  Services services_;
  IngestLimits limits_;
  std::vector<Route> routes_;
  std::atomic<bool> draining_{false};
};

}  // namespace ioc
