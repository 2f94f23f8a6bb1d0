#include "api_router.hpp"

#include <algorithm>
#include <cmath>

#include "cap_xml.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "link_status.hpp"
#include "policy_distribution.hpp"
#include "replication.hpp"
#include "sharing.hpp"
#include "utf8.hpp"

namespace ioc {
namespace {

using codec::json;

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 10'000;

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

HttpResponse json_response(int status, const json& body) {
  return HttpResponse{status, "application/json", codec::dump(body), {}};
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

/// The media type without parameters, lower-cased.
std::string media_type(const HttpRequest& r) {
  std::string ct = r.header("content-type");
  ct = ct.substr(0, ct.find(';'));
  ct.erase(std::remove_if(ct.begin(), ct.end(), [](unsigned char c) { return std::isspace(c); }),
           ct.end());
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return std::tolower(c); });
  return ct;
}

void require_json(const HttpRequest& r) {
  if (media_type(r) != "application/json")
    throw Error(ErrorCode::kUnsupportedMedia,
                "expected Content-Type application/json, got '" + r.header("content-type") + "'",
                "content-type");
}

json parse_json_object(const std::string& body) {
  json j = codec::parse_external(body);
  if (!j.is_object()) throw Error(ErrorCode::kBadRequest, "body must be a JSON object", "body");
  return j;
}

void only_fields(const json& j, std::initializer_list<const char*> allowed,
                 const std::string& prefix = "") {
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
      throw Error(ErrorCode::kBadRequest, "unknown field '" + prefix + key + "'", prefix + key);
  }
}

std::string string_field(const json& j, const char* key, bool required, std::size_t max = 1000) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw Error(ErrorCode::kBadRequest, std::string(key) + " is required", key);
    return {};
  }
  if (!it->is_string())
    throw Error(ErrorCode::kBadRequest, std::string(key) + " must be a string", key);
  const auto& s = it->get_ref<const std::string&>();
  if (required && s.empty())
    throw Error(ErrorCode::kBadRequest, std::string(key) + " must not be empty", key);
  if (s.size() > max)
    throw Error(ErrorCode::kBadRequest, std::string(key) + " is longer than " + std::to_string(max),
                key);
  return s;
}

int query_limit(const std::map<std::string, std::string>& q) {
  const auto it = q.find("limit");
  if (it == q.end()) return kDefaultLimit;
  try {
    std::size_t used = 0;
    const int v = std::stoi(it->second, &used);
    if (used == it->second.size() && v >= 1 && v <= kMaxLimit) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kBadRequest, "limit must be a whole number from 1 to 10000", "limit");
}

std::int64_t query_cursor(const std::map<std::string, std::string>& q) {
  const auto it = q.find("cursor");
  if (it == q.end() || it->second.empty()) return 0;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kBadRequest, "cursor is not one this API returned", "cursor");
}

std::optional<TimeMs> query_time(const std::map<std::string, std::string>& q, const char* key) {
  const auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  if (const auto t = parse_rfc3339(it->second)) return t;
  throw Error(ErrorCode::kBadRequest, std::string(key) + " must be an RFC 3339 time", key);
}

template <typename T, typename F>
json page_json(const Page<std::pair<std::int64_t, T>>& page, F&& render) {
  json items = json::array();
  for (const auto& [_, item] : page.items) items.push_back(render(item));
  return json{{"items", items},
              {"next", page.next ? json(std::to_string(*page.next)) : json(nullptr)}};
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
  const auto r = [this](const char* method, const char* path, std::vector<Role> roles, Handler h) {
    routes_.push_back(Route{method, split_path(path), std::move(roles), h});
  };
  using R = Role;
  r("GET", "/healthz", {}, &ApiRouter::healthz);
  r("GET", "/readyz", {}, &ApiRouter::readyz);
  r("GET", "/metrics", {}, &ApiRouter::metrics);
  r("POST", "/api/v1/observations", {R::kIngest}, &ApiRouter::post_observations);
  r("GET", "/api/v1/observations", {R::kViewer}, &ApiRouter::get_observations);
  r("GET", "/api/v1/alerts", {R::kViewer}, &ApiRouter::get_alerts);
  r("GET", "/api/v1/alerts/{id}", {R::kViewer}, &ApiRouter::get_alert);
  r("POST", "/api/v1/incidents", {R::kOperator}, &ApiRouter::post_incident);
  r("GET", "/api/v1/incidents", {R::kViewer}, &ApiRouter::get_incidents);
  r("GET", "/api/v1/incidents/{id}", {R::kViewer}, &ApiRouter::get_incident);
  r("POST", "/api/v1/incidents/{id}/actions", {R::kOperator}, &ApiRouter::post_incident_action);
  r("POST", "/api/v1/service-requests/{id}/close", {R::kOperator},
    &ApiRouter::close_service_request);
  r("GET", "/api/v1/summary", {R::kViewer}, &ApiRouter::get_summary);
  r("GET", "/api/v1/federation", {R::kViewer}, &ApiRouter::get_federation);
  r("POST", "/api/v1/grants", {R::kAdmin}, &ApiRouter::post_grant);
  r("POST", "/api/v1/revocations", {R::kAdmin}, &ApiRouter::post_revocation);
  r("POST", "/admin/v1/policies/reload", {R::kAdmin}, &ApiRouter::reload_policies);
  r("GET", "/admin/v1/authorize", {R::kAdmin}, &ApiRouter::authorize);
  r("GET", "/federation/v1/hello", {}, &ApiRouter::federation_hello);
  routes_.back().signed_call = true;
  r("POST", "/federation/v1/events", {}, &ApiRouter::federation_events);
  routes_.back().signed_call = true;
  r("GET", "/federation/v1/events", {}, &ApiRouter::federation_poll);
  routes_.back().signed_call = true;
  r("GET", "/federation/v1/summary", {}, &ApiRouter::federation_summary);
  routes_.back().signed_call = true;
  r("POST", "/federation/v1/commands", {}, &ApiRouter::federation_command);
  routes_.back().signed_call = true;
  r("GET", "/open311/v2/services.json", {R::kViewer}, &ApiRouter::get_services);
  r("POST", "/open311/v2/requests.json", {R::kIngest, R::kOperator},
    &ApiRouter::post_service_request);
  r("GET", "/open311/v2/requests.json", {R::kViewer}, &ApiRouter::get_service_requests);
  r("GET", "/open311/v2/requests/{id}.json", {R::kViewer}, &ApiRouter::get_service_request);
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
    Call call{request, std::move(params), std::move(query), std::nullopt, {}};
    if (match->signed_call) {
      // Every answer to a federation call is signed, bound to the call's nonce, so the caller
      // can tell it came from this node and answers this call.
      if (services_.key)
        reply = [reply, this, nonce = request.header("ioc-nonce"),
                 caller = request.header("ioc-node")](HttpResponse res) {
          for (auto& [name, value] : federation::sign_answer(*services_.key, ctx_.node_id,
                                                             res.status, nonce, caller, res.body))
            res.headers.emplace_back(name, std::move(value));
          reply(std::move(res));
        };
      // A peer says which version it speaks; without the header, the signature decides.
      const std::string version = request.header("ioc-protocol");
      if (!version.empty() && version != federation::kProtocolVersion)
        throw Error(ErrorCode::kBadRequest,
                    "protocol version '" + version + "' is not spoken here; this node speaks " +
                        federation::kProtocolVersion,
                    "ioc-protocol");
      const auto v = services_.peers.verify(
          request.method, request.target,
          [&request](const std::string& h) { return request.header(h); }, request.body,
          ctx_.clock.now());
      if (!v.ok) throw Error(ErrorCode::kUnauthorized, v.reason, "signature");
      call.peer = v.node;
    }
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
    (this->*match->handler)(call, reply);
  } catch (const Error& e) {
    reply(error_response(e));
  } catch (const std::exception& e) {
    reply(error_response(Error(ErrorCode::kInternal, std::string("internal error: ") + e.what())));
  } catch (...) {
    reply(error_response(Error(ErrorCode::kInternal, "internal error")));
  }
}

void ApiRouter::healthz(Call&, Respond& respond) {
  respond(json_response(200, {{"status", "ok"}}));
}

void ApiRouter::readyz(Call&, Respond& respond) {
  if (draining_) throw Error(ErrorCode::kUnavailable, "node is shutting down", "");
  // A store that lost entries its parent had taken says so here until it is replaced.
  const std::string lost = ctx_.store.note("lost-end");
  respond(json_response(200, {{"status", "ready"},
                              {"node", ctx_.node_id},
                              {"epoch", ctx_.store.epoch()},
                              {"lostEnd", lost.empty() ? json(nullptr) : json::parse(lost)}}));
}

void ApiRouter::metrics(Call&, Respond& respond) {
  respond(HttpResponse{
      200, "text/plain; version=0.0.4; charset=utf-8", ctx_.metrics.render(ctx_.node_id), {}});
}

void ApiRouter::post_observations(Call& call, Respond& respond) {
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

void ApiRouter::get_observations(Call& call, Respond& respond) {
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

void ApiRouter::get_alerts(Call& call, Respond& respond) {
  bool active = false;
  if (const auto it = call.query.find("active"); it != call.query.end()) {
    if (it->second != "true" && it->second != "false")
      throw Error(ErrorCode::kBadRequest, "active must be true or false", "active");
    active = it->second == "true";
  }
  respond(json_response(
      200, page_json(ctx_.store.alerts(active, query_limit(call.query), query_cursor(call.query)),
                     [](const Alert& a) { return codec::to_json(a); })));
}

void ApiRouter::get_alert(Call& call, Respond& respond) {
  const auto alert = ctx_.store.alert(call.params["id"]);
  if (!alert) throw Error(ErrorCode::kNotFound, "no alert '" + call.params["id"] + "'", "id");
  if (call.request.header("accept").find("application/cap+xml") != std::string::npos)
    return respond(HttpResponse{200, "application/cap+xml", cap_xml(*alert), {}});
  respond(json_response(200, codec::to_json(*alert)));
}

void ApiRouter::post_incident(Call& call, Respond& respond) {
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
  respond(json_response(201, codec::to_json(services_.incidents.report(*call.actor, d))));
}

void ApiRouter::get_incidents(Call& call, Respond& respond) {
  IncidentQuery q;
  if (const auto it = call.query.find("status"); it != call.query.end()) {
    q.status = parse_incident_status(it->second);
    if (!q.status)
      throw Error(ErrorCode::kBadRequest, "unknown status '" + it->second + "'", "status");
  }
  if (const auto it = call.query.find("domain"); it != call.query.end()) {
    q.domain = parse_domain(it->second);
    if (!q.domain)
      throw Error(ErrorCode::kBadRequest, "unknown domain '" + it->second + "'", "domain");
  }
  q.limit = query_limit(call.query);
  q.after = query_cursor(call.query);
  respond(json_response(200, page_json(ctx_.store.incidents(q),
                                       [](const Incident& i) { return codec::incident_head(i); })));
}

void ApiRouter::get_incident(Call& call, Respond& respond) {
  const auto incident = ctx_.store.incident(call.params["id"]);
  if (!incident) throw Error(ErrorCode::kNotFound, "no incident '" + call.params["id"] + "'", "id");
  respond(json_response(200, codec::to_json(*incident)));
}

void ApiRouter::post_incident_action(Call& call, Respond& respond) {
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

void ApiRouter::get_services(Call&, Respond& respond) {
  json list = json::array();
  for (const auto& s : services_.requests.services()) list.push_back(codec::to_json(s));
  respond(json_response(200, list));
}

void ApiRouter::post_service_request(Call& call, Respond& respond) {
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
  const ServiceRequest r = services_.requests.create(fields);
  respond(json_response(
      201, json::array(
               {{{"service_request_id", r.id}, {"service_notice", ""}, {"account_id", nullptr}}})));
}

void ApiRouter::get_service_requests(Call& call, Respond& respond) {
  const auto page = ctx_.store.service_requests(query_limit(call.query), query_cursor(call.query));
  // GeoReport v2 answers a bare array; the cursor for the next page travels in a Link-like header.
  json list = json::array();
  for (const auto& [_, r] : page.items) list.push_back(codec::to_json(r));
  HttpResponse res = json_response(200, list);
  if (page.next) res.headers.emplace_back("X-Next-Cursor", std::to_string(*page.next));
  respond(std::move(res));
}

void ApiRouter::get_service_request(Call& call, Respond& respond) {
  const auto r = ctx_.store.service_request(call.params["id"]);
  if (!r) throw Error(ErrorCode::kNotFound, "no service request '" + call.params["id"] + "'", "id");
  respond(json_response(200, json::array({codec::to_json(*r)})));
}

void ApiRouter::close_service_request(Call& call, Respond& respond) {
  std::string note;
  if (!call.request.body.empty()) {
    require_json(call.request);
    const json j = parse_json_object(call.request.body);
    only_fields(j, {"status_notes"});
    note = string_field(j, "status_notes", false, 4000);
  }
  respond(json_response(200, codec::to_json(services_.requests.close(call.params["id"], note))));
}

void ApiRouter::get_summary(Call& call, Respond& respond) {
  respond(json_response(200, summary_for(call)));
}

void ApiRouter::federation_summary(Call& call, Respond& respond) {
  const auto fed = ctx_.federation();
  // Summaries are pulled: the Sharing rules for `summaries` say who may pull them (by default
  // the nodes above this one) and the smallest group they may show.
  const auto share = federation::share_for(ctx_.policies.engine()->policies(), *fed, ctx_.node_id,
                                           call.peer, policy::DataKind::kSummaries);
  if (share.granularity == policy::Granularity::kNone)
    throw Error(ErrorCode::kForbidden,
                "'" + call.peer + "' may not see the summary of '" + ctx_.node_id +
                    "' (no Sharing rule gives it summaries; by default only nodes above may)",
                "ioc-node");
  json body = summary_for(call);
  if (share.min_group_size > 1) {
    auto& metrics = body["metrics"];
    for (auto it = metrics.begin(); it != metrics.end();) {
      if ((*it)["count"].get<std::int64_t>() < share.min_group_size)
        it = metrics.erase(it);
      else
        ++it;
    }
  }
  respond(json_response(200, body));
}

void ApiRouter::federation_command(Call& call, Respond& respond) {
  const auto fed = ctx_.federation();
  require_json(call.request);
  const NodeConfig* caller = fed->find(call.peer);
  if (!caller->parent || *caller->parent != ctx_.node_id)
    throw Error(ErrorCode::kForbidden,
                "'" + call.peer + "' is not a child of '" + ctx_.node_id + "'", "ioc-node");
  const auto c = IncidentService::parse_command(parse_json_object(call.request.body));
  // A child speaks for its own subtree only.
  if (!fed->find(c.actor.node) || !fed->in_subtree(c.actor.node, call.peer))
    throw Error(ErrorCode::kForbidden,
                "actor node '" + c.actor.node + "' is not in the subtree of '" + call.peer + "'",
                "actor.node");
  services_.incidents.act(
      c.actor, c.incident, c.action, c.note,
      [respond, id = c.id](ActResult result, std::exception_ptr error) {
        if (error) return respond(failure_response(error, "command failed"));
        json body{{"command", id}, {"incident", codec::to_json(result.incident)}};
        if (!result.forwarded.empty())
          body["forwarded"] = {{"command", result.forwarded}, {"via", result.via}};
        respond(json_response(result.forwarded.empty() ? 200 : 202, body));
      });
}

void ApiRouter::post_grant(Call& call, Respond& respond) {
  require_json(call.request);
  const auto u =
      federation::issue_policy_update(ctx_, "grant", parse_json_object(call.request.body));
  respond(json_response(201, u.to_json()));
}

void ApiRouter::post_revocation(Call& call, Respond& respond) {
  require_json(call.request);
  const auto u =
      federation::issue_policy_update(ctx_, "revocation", parse_json_object(call.request.body));
  respond(json_response(201, u.to_json()));
}

void ApiRouter::reload_policies(Call&, Respond& respond) {
  respond(json_response(200, services_.reload()));  // throws kConfig (400): nothing changes
}

void ApiRouter::authorize(Call& call, Respond& respond) {
  const auto fed = ctx_.federation();
  const auto param = [&call](const char* name) {
    const auto it = call.query.find(name);
    if (it == call.query.end() || it->second.empty())
      throw Error(ErrorCode::kBadRequest, std::string(name) + " is required", name);
    return it->second;
  };
  policy::Question q;
  q.subject = param("as");
  if (!fed->find(q.subject))
    throw Error(ErrorCode::kBadRequest, "as: '" + q.subject + "' is not a node of the federation",
                "as");
  const auto action = policy::parse_action(param("action"));
  if (!action) throw Error(ErrorCode::kBadRequest, "action: unknown action", "action");
  q.action = *action;
  const auto domain = parse_domain(param("domain"));
  if (!domain) throw Error(ErrorCode::kBadRequest, "domain: unknown domain", "domain");
  q.domain = *domain;
  q.area = param("area");
  if (!fed->find(q.area))
    throw Error(ErrorCode::kBadRequest, "area: '" + q.area + "' is not a node of the federation",
                "area");
  const auto severity = parse_severity(param("severity"));
  if (!severity) throw Error(ErrorCode::kBadRequest, "severity: unknown severity", "severity");
  q.severity = *severity;
  q.at = query_time(call.query, "at").value_or(ctx_.clock.now());
  const auto engine = ctx_.policies.engine();
  const auto e = engine->explain(q);
  json body{{"decision", e.allowed ? "allow" : "deny"},
            {"reason", e.reason},
            {"policyVersion", engine->policies().version}};
  if (e.allowed)
    body["chain"] = e.chain;
  else
    body["nearestMiss"] = {{"grant", e.nearest.empty() ? json(nullptr) : json(e.nearest)},
                           {"where", e.nearest.empty() ? json(nullptr) : json(e.nearest_where)},
                           {"failed", e.failed}};
  respond(json_response(200, body));
}

json ApiRouter::summary_for(Call& call) const {
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
  return services_.summary.summary(SummaryService::align(from, to), metrics);
}

void ApiRouter::federation_hello(Call& call, Respond& respond) {
  // What this node holds of the caller's own log: a child whose store lost its end learns it.
  json holds = json::array();
  for (const auto& [epoch, seq] : ctx_.store.receipts(call.peer))
    holds.push_back({{"epoch", epoch}, {"seq", seq}});
  respond(json_response(
      200, {{"node", ctx_.node_id},
            {"caller", call.peer},
            {"protocolVersions", json::array({federation::kProtocolVersion})},
            {"software", "libioc/" IOC_VERSION},
            {"policyVersion", ctx_.policies.version()},
            {"capabilities", json::array({"hello", "events", "commands-down", "commands", "summary",
                                          "policy-updates", "sharing", "retention", "handover",
                                          "signed-answers", "receipt-checks", "epochs"})},
            {"holds", holds}}));
}

void ApiRouter::federation_poll(Call& call, Respond& respond) {
  const auto fed = ctx_.federation();
  const NodeConfig* caller = fed->find(call.peer);
  if (!caller->parent || *caller->parent != ctx_.node_id)
    throw Error(ErrorCode::kForbidden,
                "'" + call.peer + "' is not a child of '" + ctx_.node_id + "'", "ioc-node");
  std::int64_t after = 0;
  if (const auto it = call.query.find("after"); it != call.query.end()) {
    try {
      std::size_t used = 0;
      after = std::stoll(it->second, &used);
      if (used != it->second.size() || after < 0) after = -1;
    } catch (const std::exception&) {
      after = -1;
    }
    if (after < 0)
      throw Error(ErrorCode::kBadRequest, "after must be a sequence number this node returned",
                  "after");
  }
  if (after > 0) {
    // The child has taken everything up to `after`: it need not stay in the outbox.
    const std::string child = call.peer;
    ctx_.writes.submit([child, after](WriteContext& w) { w.writer.prune_outbox(child, after); },
                       [](std::exception_ptr) {});
  }
  const int limit = std::min(query_limit(call.query), 1000);
  int wait = 0;
  if (const auto it = call.query.find("wait"); it != call.query.end()) {
    try {
      wait = std::stoi(it->second);
    } catch (const std::exception&) {
      wait = -1;
    }
    if (wait < 0 || wait > 30)
      throw Error(ErrorCode::kBadRequest, "wait must be 0 to 30 seconds", "wait");
  }
  // Bodies are this node's own JSON as stored: spliced in, not parsed again.
  const auto answer = [respond, after](std::vector<LoggedEvent> entries) {
    std::string events;
    for (const auto& e : entries)
      events += (events.empty() ? "{\"seq\":" : ",{\"seq\":") + std::to_string(e.seq) +
                ",\"type\":" + codec::dump(e.type) + ",\"ts\":\"" + format_rfc3339(e.ts) +
                "\",\"body\":" + e.body + "}";
    respond(HttpResponse{200,
                         "application/json",
                         "{\"events\":[" + events + "],\"next\":" +
                             std::to_string(entries.empty() ? after : entries.back().seq) + "}",
                         {}});
  };
  auto entries = ctx_.store.outbox_after(call.peer, after, limit);
  if (!entries.empty() || wait == 0) return answer(std::move(entries));
  services_.waiters.park(call.peer, after, limit, std::chrono::seconds(wait), answer);
}

void ApiRouter::federation_events(Call& call, Respond& respond) {
  const auto fed = ctx_.federation();
  const NodeConfig* caller = fed->find(call.peer);
  if (!caller->parent || *caller->parent != ctx_.node_id)
    throw Error(ErrorCode::kForbidden,
                "'" + call.peer + "' is not a child of '" + ctx_.node_id + "'", "ioc-node");
  require_json(call.request);
  auto batch =
      std::make_shared<federation::EventBatch>(federation::parse_event_batch(call.request.body));
  auto acked = std::make_shared<federation::Acked>();
  const std::string peer = call.peer;
  const bool queued = ctx_.writes.submit(
      [this, batch, acked, peer](WriteContext& w) {
        *acked = federation::receive_events(ctx_, w, peer, *batch);
      },
      [respond, acked](std::exception_ptr error) {
        if (!error)
          return respond(
              HttpResponse{200, "application/json", federation::acked_to_json(*acked), {}});
        respond(failure_response(error, "receipt failed"));
      });
  if (!queued)
    throw Error(ErrorCode::kTooManyRequests, "the node's write queue is full; retry shortly", "");
}

void ApiRouter::get_federation(Call&, Respond& respond) {
  const auto fed = ctx_.federation();
  const NodeConfig* me = fed->find(ctx_.node_id);
  const auto links = ctx_.store.links();
  const TimeMs now = ctx_.clock.now();
  json nodes = json::array();
  for (const auto& n : fed->nodes) {
    json link = nullptr;
    json version = n.id == ctx_.node_id ? json(ctx_.policies.version()) : json(nullptr);
    if (me->parent && *me->parent == n.id) {
      link = services_.uplink_state();
      version = link.value("policyVersion", json(nullptr));
    } else if (n.parent && *n.parent == ctx_.node_id) {
      const auto record = federation::find_link(links, n.id);
      link = federation::child_status(n.id, record, now);
      link.erase("node");
      if (record && !record->policy_version.empty()) version = record->policy_version;
    }
    nodes.push_back({{"id", n.id},
                     {"kind", to_string(n.kind)},
                     {"parent", n.parent ? json(*n.parent) : json(nullptr)},
                     {"endpoint", n.endpoint},
                     {"self", n.id == ctx_.node_id},
                     {"policyVersion", version},
                     {"link", link}});
  }
  json recent = json::array();
  for (const auto& q : ctx_.store.recent_quarantine(20))
    recent.push_back({{"origin", q.origin},
                      {"epoch", q.epoch},
                      {"seq", q.seq},
                      {"type", q.type},
                      {"reason", q.reason},
                      {"via", q.via.empty() ? json(nullptr) : json(q.via)},
                      {"at", q.at ? json(format_rfc3339(q.at)) : json(nullptr)}});
  respond(json_response(
      200, {{"federation", fed->name},
            {"node", ctx_.node_id},
            {"policyVersion", ctx_.policies.version()},
            {"nodes", nodes},
            {"quarantine", {{"total", ctx_.store.quarantined()}, {"recent", recent}}}}));
}

}  // namespace ioc
