#include "api_router.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <stdexcept>

#include "ioc/error.hpp"
#include "test_context.hpp"

using namespace ioc;
using nlohmann::json;

namespace {

/// The node's router over a real store, answering on the calling thread or the writer's.
struct Router {
  Router() {
    router.add_route("GET", "/test/v1/things/{id}.json", {Role::kViewer},
                     [](ApiCall& call, Respond& respond) {
                       respond(HttpResponse{200, "text/plain", call.params["id"], {}});
                     });
    router.add_route("GET", "/test/v1/throws", {},
                     [](ApiCall&, Respond&) { throw std::runtime_error("boom"); });
    // A route for callers a gate admits (as the federation's signed calls are).
    router.add_route(
        "GET", "/test/v1/peer", {},
        [](ApiCall& call, Respond& respond) {
          respond(HttpResponse{200, "text/plain", "hello " + call.peer, {}});
        },
        [](ApiCall& call, Respond& respond) {
          respond = [inner = respond](HttpResponse res) {
            res.headers.emplace_back("X-Gate", "signed");
            inner(std::move(res));
          };
          if (call.request.header("x-peer").empty())
            throw Error(ErrorCode::kUnauthorized, "who are you", "signature");
          call.peer = call.request.header("x-peer");
        });
  }

  HttpResponse handle(const std::string& method, const std::string& target,
                      std::map<std::string, std::string> headers = {}, std::string body = "") {
    std::promise<HttpResponse> answered;
    auto answer = answered.get_future();
    router.handle(HttpRequest{method, target, std::move(headers), std::move(body)},
                  [&answered](HttpResponse res) { answered.set_value(std::move(res)); });
    return answer.get();
  }
  std::map<std::string, std::string> bearer(Role role) {
    return {{"authorization",
             "Bearer " + TokenService::issue(t.store, role, "t", std::nullopt, t.clock.now())}};
  }
  static json error_of(const HttpResponse& res) { return json::parse(res.body)["error"]; }

  test::TestContext t;
  IncidentService incidents{t.ctx};
  AlertService alerts{t.ctx};
  ServiceRequests requests{t.ctx};
  SummaryService summary{t.ctx};
  TokenService tokens{t.store, "city"};
  ObservationIngest ingest{t.ctx, incidents};
  ApiRouter router{t.ctx,
                   ApiRouter::Services{ingest, incidents, alerts, requests, summary, tokens,
                                       [](Completion<ReloadResult> done) {
                                         done(ReloadResult{"v2", true, {"moved: x"}}, nullptr);
                                       }},
                   IngestLimits{}};
};

}  // namespace

TEST_CASE("the router matches paths, parameters with a suffix and methods", "[router]") {
  Router r;
  const auto viewer = r.bearer(Role::kViewer);
  const auto got = r.handle("GET", "/test/v1/things/a%20b.json", viewer);
  CHECK(got.status == 200);
  CHECK(got.body == "a b");  // percent-decoded
  const auto unknown = r.handle("GET", "/test/v1/nothing", viewer);
  CHECK(unknown.status == 404);
  CHECK(Router::error_of(unknown)["field"] == "path");
  const auto wrong_method = r.handle("DELETE", "/api/v1/incidents", viewer);
  CHECK(wrong_method.status == 405);
  REQUIRE(wrong_method.headers.size() == 1);
  CHECK(wrong_method.headers[0].first == "Allow");
  CHECK(wrong_method.headers[0].second == "POST, GET");
  CHECK(r.handle("GET", "no-slash").status == 400);
}

TEST_CASE("the router asks for a token with a role that allows the route", "[router]") {
  Router r;
  const auto none = r.handle("GET", "/test/v1/things/x.json");
  CHECK(none.status == 401);
  CHECK(Router::error_of(none)["field"] == "authorization");
  REQUIRE(none.headers.size() == 1);
  CHECK(none.headers[0].first == "WWW-Authenticate");
  CHECK(r.handle("GET", "/test/v1/things/x.json", {{"authorization", "Bearer nope"}}).status ==
        401);
  // Every role includes viewer; reporting an incident needs operator.
  CHECK(r.handle("GET", "/test/v1/things/x.json", r.bearer(Role::kIngest)).status == 200);
  const auto viewer_reports = r.handle("POST", "/api/v1/incidents", r.bearer(Role::kViewer));
  CHECK(viewer_reports.status == 403);
  CHECK(Router::error_of(viewer_reports)["field"] == "role");
  CHECK(r.handle("GET", "/test/v1/things/x.json", r.bearer(Role::kAdmin)).status == 200);
  CHECK(r.t.metrics.auth_failures.load() == 3);
}

TEST_CASE("a gate admits a call instead of a token, and wraps its answer and its refusal",
          "[router]") {
  Router r;
  const auto admitted = r.handle("GET", "/test/v1/peer", {{"x-peer", "city/north"}});
  CHECK(admitted.status == 200);
  CHECK(admitted.body == "hello city/north");
  REQUIRE(admitted.headers.size() == 1);
  CHECK(admitted.headers[0].second == "signed");
  const auto refused = r.handle("GET", "/test/v1/peer");
  CHECK(refused.status == 401);
  CHECK(Router::error_of(refused)["field"] == "signature");
  REQUIRE(refused.headers.size() == 1);  // the refusal went through the gate's wrapper too
  CHECK(refused.headers[0].second == "signed");
}

TEST_CASE("the router refuses text that is not UTF-8 and turns a handler's failure into a 500",
          "[router]") {
  Router r;
  const auto bad_path = r.handle("GET", "/test/v1/things/%C3%28.json", r.bearer(Role::kViewer));
  CHECK(bad_path.status == 400);
  CHECK(Router::error_of(bad_path)["field"] == "path");
  const auto bad_header = r.handle("GET", "/healthz", {{"x-note", std::string("caf\xe9", 4)}});
  CHECK(bad_header.status == 400);
  CHECK(Router::error_of(bad_header)["field"] == "x-note");
  const auto thrown = r.handle("GET", "/test/v1/throws");
  CHECK(thrown.status == 500);
  CHECK(Router::error_of(thrown)["message"] == "internal error: boom");
}

TEST_CASE("write routes answer from their completion, a reload with its typed result", "[router]") {
  Router r;
  const auto reload = r.handle("POST", "/admin/v1/policies/reload", r.bearer(Role::kAdmin));
  CHECK(reload.status == 200);
  CHECK(json::parse(reload.body) ==
        json{{"policyVersion", "v2"}, {"changed", true}, {"reorganised", {"moved: x"}}});
  const auto reported = r.handle(
      "POST", "/api/v1/incidents",
      {{"content-type", "application/json"},
       {"authorization", r.bearer(Role::kOperator).begin()->second}},
      R"({"domain": "flood", "severity": "severe", "area": "city/north", "title": "Underpass"})");
  CHECK(reported.status == 201);
  CHECK(json::parse(reported.body)["owner"] == "city");
  const auto refused = r.handle(
      "POST", "/api/v1/incidents",
      {{"content-type", "application/json"},
       {"authorization", r.bearer(Role::kOperator).begin()->second}},
      R"({"domain": "flood", "severity": "severe", "area": "atlantis", "title": "Underpass"})");
  CHECK(refused.status == 400);
  CHECK(Router::error_of(refused)["field"] == "area");
}
