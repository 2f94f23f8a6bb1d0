#include "api_router.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "api_support.hpp"
#include "cap_xml.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "link_status.hpp"
#include "public_feed.hpp"
#include "utf8.hpp"

namespace ioc {
namespace {

using codec::json;
using namespace api;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    out.push_back(
        url_decode(path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos)));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return out;
}

// Text that is not UTF-8 is refused before anything reads it, and never echoed: an error message
// that carried its bytes could not be shown, logged or serialised.
void require_utf8(const std::string& text, const std::string& field, const char* what) {
  if (!utf8::valid(text))
    throw Error(ErrorCode::kBadRequest, std::string(what) + " is not valid UTF-8", field);
}

void require_utf8_request(const HttpRequest& r, const std::vector<std::string>& segments,
                          const std::map<std::string, std::string>& query) {
  require_utf8(r.target, "target", "the request target");
  for (const auto& s : segments) require_utf8(s, "path", "the path (percent-decoded)");
  for (const auto& [key, value] : query) {
    require_utf8(key, "query", "a query parameter name (percent-decoded)");
    require_utf8(value, key, "a query parameter (percent-decoded)");
  }
  for (const auto& [name, value] : r.headers) {
    require_utf8(name, "headers", "a header name");
    require_utf8(value, name, ("the " + name + " header").c_str());
  }
}

}  // namespace

HttpResponse ApiRouter::failure_response(std::exception_ptr error, const std::string& context) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return error_response(e);
  } catch (const std::exception& e) {
    return error_response(Error(ErrorCode::kInternal, context + ": " + e.what()));
  } catch (...) {
    return error_response(Error(ErrorCode::kInternal, context));
  }
}

HttpResponse ApiRouter::error_response(const Error& e) {
  return HttpResponse{http_status(e.code()),
                      "application/json",
                      codec::error_body(code_name(e.code()), e.what(), e.field()),
                      {}};
}

ApiRouter::ApiRouter(NodeContext& ctx, Services services, IngestLimits limits)
    : ctx_(ctx), services_(services), limits_(limits) {
  using Handler = void (ApiRouter::*)(ApiCall&, Respond&);
  const auto r = [this](const char* method, const char* path, std::vector<Role> roles, Handler h) {
    add_route(method, path, std::move(roles),
              [this, h](ApiCall& call, Respond& respond) { (this->*h)(call, respond); });
  };
  using R = Role;
  r("GET", "/healthz", {}, &ApiRouter::healthz);
  r("GET", "/readyz", {}, &ApiRouter::readyz);
  r("GET", "/metrics", {}, &ApiRouter::metrics);
  r("POST", "/api/v1/observations", {R::kIngest}, &ApiRouter::post_observations);
  r("GET", "/api/v1/observations", {R::kViewer}, &ApiRouter::get_observations);
  r("GET", "/api/v1/alerts", {R::kViewer}, &ApiRouter::get_alerts);
  r("GET", "/api/v1/alerts/{id}", {R::kViewer}, &ApiRouter::get_alert);
  r("POST", "/api/v1/alerts", {R::kOperator}, &ApiRouter::post_alert);
  r("POST", "/api/v1/incidents", {R::kOperator}, &ApiRouter::post_incident);
  r("GET", "/api/v1/incidents", {R::kViewer}, &ApiRouter::get_incidents);
  r("GET", "/api/v1/incidents/{id}", {R::kViewer}, &ApiRouter::get_incident);
  r("POST", "/api/v1/incidents/{id}/actions", {R::kOperator}, &ApiRouter::post_incident_action);
  r("POST", "/api/v1/service-requests/{id}/close", {R::kOperator},
    &ApiRouter::close_service_request);
  r("GET", "/api/v1/summary", {R::kViewer}, &ApiRouter::get_summary);
  r("POST", "/admin/v1/policies/reload", {R::kAdmin}, &ApiRouter::reload_policies);
  r("GET", "/open311/v2/services.json", {R::kViewer}, &ApiRouter::get_services);
  r("POST", "/open311/v2/requests.json", {R::kIngest, R::kOperator},
    &ApiRouter::post_service_request);
  r("GET", "/open311/v2/requests.json", {R::kViewer}, &ApiRouter::get_service_requests);
  r("GET", "/open311/v2/requests/{id}.json", {R::kViewer}, &ApiRouter::get_service_request);
  add_public_routes(*this, ctx_);
}

void ApiRouter::add_route(std::string method, const std::string& path, std::vector<Role> roles,
                          RouteHandler handler, CallGate gate) {
  routes_.push_back(Route{std::move(method), split_path(path), std::move(roles), std::move(handler),
                          std::move(gate)});
}

std::optional<Actor> ApiRouter::authenticate(const HttpRequest& request, bool allow_query_token) {
  const std::string token = bearer_token(request, allow_query_token);
  if (token.empty()) return std::nullopt;
  return services_.tokens.authenticate(token, ctx_.clock.now());
}

std::string ApiRouter::bearer_token(const HttpRequest& request, bool allow_query_token) {
  std::string token;
  const std::string auth = request.header("authorization");
  if (auth.size() > 7 &&
      (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    token = auth.substr(7);
  } else if (allow_query_token) {
    // A browser cannot set headers on a WebSocket: it offers the token as a subprotocol
    // ("ioc.bearer.TOKEN", beside "ioc.v1", which the server selects), kept out of URLs and logs.
    for (const auto& p : header_list(request.header("sec-websocket-protocol")))
      if (p.rfind(kBearerProtocol, 0) == 0) return p.substr(std::strlen(kBearerProtocol));
    const auto q = request.target.find('?');
    if (q != std::string::npos) {
      const auto params = parse_query(request.target.substr(q + 1));
      if (const auto it = params.find("access_token"); it != params.end()) token = it->second;
    }
  }
  return token;
}

void ApiRouter::handle(const HttpRequest& request, Respond respond) {
  Respond reply = [this, respond](HttpResponse res) {
    ctx_.metrics.count_response(res.status);
    if (res.status == 401 || res.status == 403) ctx_.metrics.auth_failures++;
    respond(std::move(res));
  };
  try {
    const auto qpos = request.target.find('?');
    const std::string path = request.target.substr(0, qpos);
    if (path.empty() || path[0] != '/')
      throw Error(ErrorCode::kBadRequest, "request target must be a path", "target");
    const auto segments = split_path(path);
    auto query = qpos == std::string::npos ? std::map<std::string, std::string>{}
                                           : parse_query(request.target.substr(qpos + 1));
    require_utf8_request(request, segments, query);
    const Route* match = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;
    for (const auto& route : routes_) {
      if (route.segments.size() != segments.size()) continue;
      std::map<std::string, std::string> p;
      bool ok = true;
      for (std::size_t i = 0; i < segments.size() && ok; ++i) {
        const auto& want = route.segments[i];
        if (want.size() > 2 && want.front() == '{') {
          // "{id}" or "{id}.json": a parameter with an optional fixed suffix.
          const auto close = want.find('}');
          const std::string suffix = want.substr(close + 1);
          const auto& got = segments[i];
          ok = got.size() > suffix.size() &&
               got.compare(got.size() - suffix.size(), suffix.size(), suffix) == 0;
          if (ok) p[want.substr(1, close - 1)] = got.substr(0, got.size() - suffix.size());
        } else {
          ok = want == segments[i];
        }
      }
      if (!ok) continue;
      if (route.method != request.method) {
        allowed_methods.push_back(route.method);
        continue;
      }
      match = &route;
      params = std::move(p);
      break;
    }
    if (!match) {
      if (!allowed_methods.empty()) {
        std::string allow;
        for (const auto& m : allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
        auto res = error_response(Error(ErrorCode::kNotFound,
                                        "method " + request.method + " is not allowed on " + path,
                                        "method"));
        res.status = 405;
        res.headers.emplace_back("Allow", allow);
        return reply(std::move(res));
      }
      throw Error(ErrorCode::kNotFound, "no route " + request.method + " " + path, "path");
    }
    ApiCall call{request, std::move(params), std::move(query), std::nullopt, {}};
    if (match->gate) match->gate(call, reply);
    if (!match->roles.empty()) {
      call.actor = authenticate(request);
      if (!call.actor) {
        auto res = error_response(Error(ErrorCode::kUnauthorized,
                                        request.header("authorization").empty()
                                            ? "a bearer token is required"
                                            : "the bearer token is unknown, revoked or expired",
                                        "authorization"));
        res.headers.emplace_back("WWW-Authenticate", "Bearer");
        return reply(std::move(res));
      }
      const bool allowed = std::any_of(match->roles.begin(), match->roles.end(), [&](Role need) {
        return role_allows(call.actor->role, need);
      });
      if (!allowed) {
        std::string need;
        for (Role role : match->roles)
          need += (need.empty() ? "" : " or ") + std::string(to_string(role));
        throw Error(ErrorCode::kForbidden,
                    "role '" + std::string(to_string(call.actor->role)) +
                        "' may not do this; it needs " + need,
                    "role");
      }
    }
    match->handler(call, reply);
  } catch (const Error& e) {
    reply(error_response(e));
  } catch (const std::exception& e) {
    reply(error_response(Error(ErrorCode::kInternal, std::string("internal error: ") + e.what())));
  } catch (...) {
    reply(error_response(Error(ErrorCode::kInternal, "internal error")));
  }
}

void ApiRouter::healthz(ApiCall&, Respond& respond) {
  respond(json_response(200, {{"status", "ok"}}));
}

void ApiRouter::readyz(ApiCall&, Respond& respond) {
  if (draining_) throw Error(ErrorCode::kUnavailable, "node is shutting down", "");
  // A store that lost entries its parent had taken says so here until it is replaced.
  const std::string lost = ctx_.store.note("lost-end");
  respond(json_response(200, {{"status", "ready"},
                              {"node", ctx_.node_id},
                              {"epoch", ctx_.store.epoch()},
                              {"lostEnd", lost.empty() ? json(nullptr) : json::parse(lost)}}));
}

void ApiRouter::metrics(ApiCall&, Respond& respond) {
  const auto fed = ctx_.federation();
  std::string text =
      ctx_.metrics.render(ctx_.node_id) + child_metrics(ctx_.node_id, fed->children(ctx_.node_id),
                                                        ctx_.store.links(), ctx_.clock.now());
  for (const auto& section : metric_sections_) text += section();
  respond(HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}});
}

void ApiRouter::post_observations(ApiCall& call, Respond& respond) {
  const auto fed = ctx_.federation();
  const std::string type = media_type(call.request);
  BodyFormat format;
  if (type == "application/json")
    format = BodyFormat::kJsonArray;
  else if (type == "application/x-ndjson")
    format = BodyFormat::kNdjson;
  else
    throw Error(ErrorCode::kUnsupportedMedia,
                "expected Content-Type application/json or application/x-ndjson, got '" +
                    call.request.header("content-type") + "'",
                "content-type");
  std::vector<Observation> rows;
  try {
    rows = parse_observations(
        call.request.body, format,
        [&](const std::string& area) { return fed->in_subtree(area, ctx_.node_id); }, limits_);
  } catch (const Error&) {
    ctx_.metrics.ingest_rejected++;
    throw;
  }
  const std::size_t n = rows.size();
  const bool queued =
      services_.ingest.submit(std::move(rows), [respond, n](std::exception_ptr error) {
        if (!error) return respond(json_response(202, {{"accepted", n}}));
        respond(failure_response(error, "ingest failed"));
      });
  if (!queued) {
    auto res = error_response(
        Error(ErrorCode::kTooManyRequests, "the node's write queue is full; retry shortly", ""));
    res.headers.emplace_back("Retry-After", "1");
    respond(std::move(res));
  }
}

void ApiRouter::get_observations(ApiCall& call, Respond& respond) {
  only_params(call.query, {"metric", "area", "from", "to", "limit", "cursor"});
  const auto fed = ctx_.federation();
  ObservationQuery q;
  if (const auto it = call.query.find("metric"); it != call.query.end()) q.metric = it->second;
  if (const auto it = call.query.find("area"); it != call.query.end()) {
    if (!fed->find(it->second))
      throw Error(ErrorCode::kBadRequest,
                  "area '" + it->second + "' is not a node of the federation", "area");
    q.area = it->second;
  }
  q.from = query_time(call.query, "from");
  q.to = query_time(call.query, "to");
  q.limit = query_limit(call.query);
  q.after = query_cursor(call.query);
  respond(json_response(200, page_json(ctx_.store.observations(q),
                                       [](const Observation& o) { return codec::to_json(o); })));
}

std::optional<std::vector<std::string>> ApiRouter::query_subtree(const ApiCall& call) const {
  const auto it = call.query.find("area");
  if (it == call.query.end()) return std::nullopt;
  const auto fed = ctx_.federation();
  if (!fed->find(it->second) || !fed->in_subtree(it->second, ctx_.node_id))
    throw Error(ErrorCode::kBadRequest,
                "area '" + it->second + "' is not '" + ctx_.node_id + "' or a node below it",
                "area");
  std::vector<std::string> nodes;
  for (const auto& n : fed->nodes)
    if (fed->in_subtree(n.id, it->second)) nodes.push_back(n.id);
  return nodes;
}

namespace {

std::optional<std::string> query_node(const api::Query& q, const char* key) {
  const auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  if (it->second.empty() || it->second.size() > 256)
    throw Error(ErrorCode::kBadRequest, std::string(key) + ": a node id", key);
  return it->second;
}

}  // namespace

void ApiRouter::get_alerts(ApiCall& call, Respond& respond) {
  only_params(call.query,
              {"active", "area", "origin", "severity", "from", "to", "limit", "cursor"});
  AlertQuery q;
  if (const auto it = call.query.find("active"); it != call.query.end()) {
    if (it->second != "true" && it->second != "false")
      throw Error(ErrorCode::kBadRequest, "active must be true or false", "active");
    q.active_only = it->second == "true";
  }
  q.areas = query_subtree(call);
  q.sender = query_node(call.query, "origin");
  q.severity =
      query_parsed(call.query, "severity", parse_cap_severity, "Extreme, Severe, Moderate, Minor");
  q.from = query_time(call.query, "from");
  q.to = query_time(call.query, "to");
  q.limit = query_limit(call.query);
  q.after = query_cursor(call.query);
  respond(json_response(
      200, page_json(ctx_.store.alerts(q), [](const Alert& a) { return codec::to_json(a); })));
}

void ApiRouter::get_alert(ApiCall& call, Respond& respond) {
  const auto alert = ctx_.store.alert(call.params["id"]);
  if (!alert) throw Error(ErrorCode::kNotFound, "no alert '" + call.params["id"] + "'", "id");
  if (call.request.header("accept").find("application/cap+xml") != std::string::npos)
    return respond(HttpResponse{200, "application/cap+xml", cap_xml(*alert), {}});
  respond(json_response(200, codec::to_json(*alert)));
}

void ApiRouter::post_alert(ApiCall& call, Respond& respond) {
  require_json(call.request);
  services_.alerts.publish(*call.actor, parse_json_object(call.request.body),
                           [respond](Alert a, std::exception_ptr error) {
                             if (error) return respond(failure_response(error, "publish failed"));
                             HttpResponse res = json_response(201, codec::to_json(a));
                             res.headers.emplace_back("Location", "/api/v1/alerts/" + a.identifier);
                             respond(std::move(res));
                           });
}

void ApiRouter::post_incident(ApiCall& call, Respond& respond) {
  require_json(call.request);
  const json j = parse_json_object(call.request.body);
  only_fields(j, {"domain", "severity", "area", "title", "location", "note"});
  IncidentDraft d;
  const auto domain = string_field(j, "domain", true);
  const auto parsed_domain = parse_domain(domain);
  if (!parsed_domain)
    throw Error(ErrorCode::kBadRequest, "unknown domain '" + domain + "'", "domain");
  d.domain = *parsed_domain;
  const auto severity = string_field(j, "severity", true);
  const auto parsed_severity = parse_severity(severity);
  if (!parsed_severity)
    throw Error(ErrorCode::kBadRequest,
                "severity must be minor, moderate, severe or extreme, got '" + severity + "'",
                "severity");
  d.severity = *parsed_severity;
  d.area = string_field(j, "area", true);
  d.title = string_field(j, "title", true, 500);
  d.note = string_field(j, "note", false, 4000);
  if (const auto loc = j.find("location"); loc != j.end() && !loc->is_null()) {
    if (!loc->is_object())
      throw Error(ErrorCode::kBadRequest, "location must be an object", "location");
    only_fields(*loc, {"lat", "lon", "address"}, "location.");
    const auto coord = [&](const char* key, double limit) -> std::optional<double> {
      const auto it = loc->find(key);
      if (it == loc->end() || it->is_null()) return std::nullopt;
      if (!it->is_number() || !std::isfinite(it->get<double>()) ||
          std::fabs(it->get<double>()) > limit)
        throw Error(ErrorCode::kBadRequest,
                    std::string("location.") + key + " must be a number within +-" +
                        std::to_string(static_cast<int>(limit)),
                    std::string("location.") + key);
      return it->get<double>();
    };
    d.location.lat = coord("lat", 90);
    d.location.lon = coord("lon", 180);
    d.location.address = string_field(*loc, "address", false);
  }
  services_.incidents.report(*call.actor, d, [respond](Incident i, std::exception_ptr error) {
    if (error) return respond(failure_response(error, "report failed"));
    respond(json_response(201, codec::to_json(i)));
  });
}

void ApiRouter::get_incidents(ApiCall& call, Respond& respond) {
  only_params(call.query, {"status", "domain", "severity", "area", "origin", "owner", "from", "to",
                           "limit", "cursor"});
  IncidentQuery q;
  q.status = query_parsed(call.query, "status", parse_incident_status);
  q.domain = query_parsed(call.query, "domain", parse_domain);
  q.severity =
      query_parsed(call.query, "severity", parse_severity, "minor, moderate, severe, extreme");
  q.areas = query_subtree(call);
  q.origin = query_node(call.query, "origin");
  q.owner = query_node(call.query, "owner");
  q.from = query_time(call.query, "from");
  q.to = query_time(call.query, "to");
  q.limit = query_limit(call.query);
  q.after = query_cursor(call.query);
  respond(json_response(200, page_json(ctx_.store.incidents(q),
                                       [](const Incident& i) { return codec::incident_head(i); })));
}

void ApiRouter::get_incident(ApiCall& call, Respond& respond) {
  const auto incident = ctx_.store.incident(call.params["id"]);
  if (!incident) throw Error(ErrorCode::kNotFound, "no incident '" + call.params["id"] + "'", "id");
  json body = codec::to_json(*incident);
  json actions = json::array();
  for (const auto& c : services_.incidents.choices(*call.actor, *incident))
    actions.push_back({{"action", to_string(c.action)},
                       {"allowed", c.allowed},
                       {"grant", c.grant.empty() ? json(nullptr) : json(c.grant)},
                       {"decidedBy", c.decided_by.empty() ? json(nullptr) : json(c.decided_by)},
                       {"reason", c.reason.empty() ? json(nullptr) : json(c.reason)},
                       {"field", c.field.empty() ? json(nullptr) : json(c.field)}});
  body["actions"] = std::move(actions);
  respond(json_response(200, body));
}

void ApiRouter::post_incident_action(ApiCall& call, Respond& respond) {
  require_json(call.request);
  const json j = parse_json_object(call.request.body);
  only_fields(j, {"action", "note"});
  const auto name = string_field(j, "action", true);
  const auto action = parse_incident_action(name);
  if (!action)
    throw Error(
        ErrorCode::kBadRequest,
        "unknown action '" + name + "' (acknowledge, dispatch, resolve, close, escalate, cancel)",
        "action");
  const auto note = string_field(j, "note", false, 4000);
  // Answered when the action is done: at once here, or when the owner above answers.
  services_.incidents.act(
      *call.actor, call.params["id"], *action, note,
      [respond, action = *action](ActResult result, std::exception_ptr error) {
        if (error) return respond(failure_response(error, "action failed"));
        if (result.pending)
          return respond(json_response(
              202,
              {{"pending", {{"incident", result.incident.id}, {"action", to_string(action)}}}}));
        if (result.forwarded.empty())
          return respond(json_response(200, codec::to_json(result.incident)));
        respond(json_response(202, {{"forwarded",
                                     {{"command", result.forwarded},
                                      {"owner", result.incident.owner},
                                      {"via", result.via}}},
                                    {"incident", codec::incident_head(result.incident)}}));
      });
}

void ApiRouter::get_services(ApiCall&, Respond& respond) {
  json list = json::array();
  for (const auto& s : services_.requests.services()) list.push_back(codec::to_json(s));
  respond(json_response(200, list));
}

void ApiRouter::post_service_request(ApiCall& call, Respond& respond) {
  std::map<std::string, std::string> fields;
  const std::string type = media_type(call.request);
  if (type == "application/x-www-form-urlencoded") {
    fields = parse_form(call.request.body);
  } else if (type == "application/json") {
    const json j = parse_json_object(call.request.body);
    for (const auto& [k, v] : j.items()) {
      if (v.is_string())
        fields[k] = v.get<std::string>();
      else if (v.is_number())
        fields[k] = v.dump();
      else if (!v.is_null())
        throw Error(ErrorCode::kBadRequest, k + " must be a string or number", k);
    }
  } else {
    throw Error(ErrorCode::kUnsupportedMedia,
                "expected Content-Type application/x-www-form-urlencoded or application/json",
                "content-type");
  }
  services_.requests.create(fields, [respond](ServiceRequest r, std::exception_ptr error) {
    if (error) return respond(failure_response(error, "request failed"));
    respond(json_response(201, json::array({{{"service_request_id", r.id},
                                             {"service_notice", ""},
                                             {"account_id", nullptr}}})));
  });
}

void ApiRouter::get_service_requests(ApiCall& call, Respond& respond) {
  const auto page = ctx_.store.service_requests(query_limit(call.query), query_cursor(call.query));
  // GeoReport v2 answers a bare array; the cursor for the next page travels in a Link-like header.
  json list = json::array();
  for (const auto& [_, r] : page.items) list.push_back(codec::to_json(r));
  HttpResponse res = json_response(200, list);
  if (page.next) res.headers.emplace_back("X-Next-Cursor", std::to_string(*page.next));
  respond(std::move(res));
}

void ApiRouter::get_service_request(ApiCall& call, Respond& respond) {
  const auto r = ctx_.store.service_request(call.params["id"]);
  if (!r) throw Error(ErrorCode::kNotFound, "no service request '" + call.params["id"] + "'", "id");
  respond(json_response(200, json::array({codec::to_json(*r)})));
}

void ApiRouter::close_service_request(ApiCall& call, Respond& respond) {
  std::string note;
  if (!call.request.body.empty()) {
    require_json(call.request);
    const json j = parse_json_object(call.request.body);
    only_fields(j, {"status_notes"});
    note = string_field(j, "status_notes", false, 4000);
  }
  services_.requests.close(call.params["id"], note,
                           [respond](ServiceRequest r, std::exception_ptr error) {
                             if (error) return respond(failure_response(error, "close failed"));
                             respond(json_response(200, codec::to_json(r)));
                           });
}

void ApiRouter::get_summary(ApiCall& call, Respond& respond) {
  only_params(call.query, {"window", "from", "to", "metrics", "area", "by"});
  const auto by = call.query.find("by");
  if (by != call.query.end() && by->second != "child")
    throw Error(ErrorCode::kBadRequest, "by must be child, got '" + by->second + "'", "by");
  const SummaryQuery q = summary_query(call);
  const Summary s = services_.summary.summary(q.window, q.metrics, q.area);
  json body = codec::to_json(s);
  if (by != call.query.end()) {
    // One block per child: its freshness and what its subtree holds, over the same window.
    std::vector<std::string> children;
    for (const auto& child : s.children) children.push_back(child.node);
    const auto parts = services_.summary.by_child(q.window, q.metrics, children);
    json blocks = json::array();
    for (std::size_t i = 0; i < children.size(); ++i) {
      const json part = codec::to_json(parts[i]);
      json block = codec::to_json(s.children[i]);
      for (const char* key : {"metrics", "incidents", "serviceRequests"}) block[key] = part[key];
      blocks.push_back(std::move(block));
    }
    body["byChild"] = std::move(blocks);
  }
  respond(json_response(200, body));
}

void ApiRouter::reload_policies(ApiCall&, Respond& respond) {
  // Off the I/O thread: a reload reads files and may reorganise. A refusal (kConfig, 400) changes
  // nothing.
  services_.reload([respond](ReloadResult r, std::exception_ptr error) {
    if (error) return respond(failure_response(error, "reload failed"));
    respond(json_response(200, {{"policyVersion", r.policy_version},
                                {"changed", r.changed},
                                {"reorganised", r.reorganised}}));
  });
}

Summary ApiRouter::summary_for(const ApiCall& call) const {
  const SummaryQuery q = summary_query(call);
  return services_.summary.summary(q.window, q.metrics, q.area);
}

ApiRouter::SummaryQuery ApiRouter::summary_query(const ApiCall& call) const {
  const TimeMs now = ctx_.clock.now();
  TimeMs from, to = now;
  const bool has_from = call.query.count("from"), has_window = call.query.count("window");
  if (has_from && has_window)
    throw Error(ErrorCode::kBadRequest, "give either window or from/to, not both", "window");
  if (has_from) {
    from = *query_time(call.query, "from");
    to = query_time(call.query, "to").value_or(now);
    if (to <= from) throw Error(ErrorCode::kBadRequest, "to must be after from", "to");
  } else {
    const std::string w = has_window ? call.query.at("window") : "1h";
    const auto d = parse_duration(w);
    if (!d || *d <= 0 || *d > 366LL * 86'400'000)
      throw Error(ErrorCode::kBadRequest,
                  "window must be a duration such as 15m, 1h, 24h or 7d, got '" + w + "'",
                  "window");
    from = now - *d;
  }
  std::vector<std::string> metrics;
  if (const auto it = call.query.find("metrics"); it != call.query.end()) {
    std::size_t pos = 0;
    while (pos <= it->second.size()) {
      const auto comma = it->second.find(',', pos);
      const auto name =
          it->second.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!name.empty()) metrics.push_back(name);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  const auto area = call.query.find("area");
  return SummaryQuery{SummaryService::align(from, to), std::move(metrics),
                      area == call.query.end() ? "" : area->second};
}

}  // namespace ioc
