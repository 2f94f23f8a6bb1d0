#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alert_service.hpp"
#include "http_message.hpp"
#include "incident_service.hpp"
#include "ingest_parser.hpp"
#include "ioc/node.hpp"
#include "node_context.hpp"
#include "observation_ingest.hpp"
#include "service_requests.hpp"
#include "summary_service.hpp"
#include "token_service.hpp"

namespace ioc {

/// A call as the router hands it to a route's handler.
struct ApiCall {
  const HttpRequest& request;
  std::map<std::string, std::string> params;  ///< path parameters ({id})
  std::map<std::string, std::string> query;
  std::optional<Actor> actor;  ///< the operator, on routes that take a bearer token
  std::string peer;  ///< the calling node, set by a route's gate (signed federation calls)
};

/// Serves one route: answers through `respond` (now or later, once), or throws Error.
using RouteHandler = std::function<void(ApiCall&, Respond&)>;
/// Admits a call to a route that takes no bearer token but proves its caller another way (the
/// federation's signed calls): throws Error to refuse, sets `call.peer`, and may wrap `respond`
/// (to sign the answer).
using CallGate = std::function<void(ApiCall&, Respond&)>;

/// The node API as a route table: each route names its method, path pattern, who may call it and
/// its handler. Authentication, role checks and the JSON error shape are handled here once. The
/// core's routes are built in; a plug-in adds its own (the federation's) before the node serves.
/// Thread-safe once serving.
class ApiRouter {
 public:
  struct Services {
    ObservationIngest& ingest;
    IncidentService& incidents;
    AlertService& alerts;
    ServiceRequests& requests;
    SummaryService& summary;
    TokenService& tokens;
    /// Reloads the federation file (the node's reload), off the calling thread.
    std::function<void(Completion<ReloadResult>)> reload;
  };

  ApiRouter(NodeContext& ctx, Services services, IngestLimits limits);

  /// Adds a route: for callers with a bearer token whose role allows any of `roles`, for anyone
  /// when `roles` is empty, or for the callers `gate` admits. Not while serving.
  void add_route(std::string method, const std::string& path, std::vector<Role> roles,
                 RouteHandler handler, CallGate gate = {});

  /// Adds lines to /metrics (Prometheus text, each series with its HELP and TYPE), rendered at
  /// each scrape on the calling I/O thread. Not while serving.
  void add_metrics(std::function<std::string()> render) {
    metric_sections_.push_back(std::move(render));
  }

  void handle(const HttpRequest& request, Respond respond);
  /// The subprotocol prefix a browser's WebSocket carries its token in ("ioc.bearer.TOKEN").
  static constexpr const char* kBearerProtocol = "ioc.bearer.";
  /// The actor behind an "Authorization: Bearer" header; with `allow_query_token` (the WebSocket
  /// upgrade, where browsers cannot set headers) also a token offered as a subprotocol or an
  /// `access_token` query parameter.
  std::optional<Actor> authenticate(const HttpRequest& request, bool allow_query_token = false);
  /// The bearer token a request carries (as authenticate reads it), or empty.
  static std::string bearer_token(const HttpRequest& request, bool allow_query_token);
  /// Marks the node as shutting down: /readyz answers 503 from now on.
  void set_draining() { draining_ = true; }
  /// The subtree summary for the window and metrics a call's query names.
  /// The summary a call's query asks for: `window` or `from`/`to`, `metrics`, `area`.
  Summary summary_for(const ApiCall& call) const;
  struct SummaryQuery {
    SummaryWindow window;
    std::vector<std::string> metrics;
    std::string area;  ///< empty: this node's subtree
  };
  SummaryQuery summary_query(const ApiCall& call) const;
  /// The nodes of the subtree a call's `area` parameter names (at or below this node), if any.
  std::optional<std::vector<std::string>> query_subtree(const ApiCall& call) const;

  /// Renders an error as the JSON error shape with its status.
  static HttpResponse error_response(const class Error& e);
  /// The response for a write job's failure: its Error, or a 500 naming `context` otherwise.
  static HttpResponse failure_response(std::exception_ptr error, const std::string& context);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  ///< "{id}" matches one segment
    std::vector<Role> roles;            ///< any of; empty means no token needed
    RouteHandler handler;
    CallGate gate;
  };

  void healthz(ApiCall&, Respond&);
  void readyz(ApiCall&, Respond&);
  void metrics(ApiCall&, Respond&);
  void post_observations(ApiCall&, Respond&);
  void get_observations(ApiCall&, Respond&);
  void get_alerts(ApiCall&, Respond&);
  void get_alert(ApiCall&, Respond&);
  void post_alert(ApiCall&, Respond&);
  void post_incident(ApiCall&, Respond&);
  void get_incidents(ApiCall&, Respond&);
  void get_incident(ApiCall&, Respond&);
  void post_incident_action(ApiCall&, Respond&);
  void get_services(ApiCall&, Respond&);
  void post_service_request(ApiCall&, Respond&);
  void get_service_requests(ApiCall&, Respond&);
  void get_service_request(ApiCall&, Respond&);
  void close_service_request(ApiCall&, Respond&);
  void get_summary(ApiCall&, Respond&);
  void reload_policies(ApiCall&, Respond&);

  NodeContext& ctx_;
  Services services_;
  IngestLimits limits_;
  std::vector<Route> routes_;
  std::vector<std::function<std::string()>> metric_sections_;
  std::atomic<bool> draining_{false};
};

}  // namespace ioc
