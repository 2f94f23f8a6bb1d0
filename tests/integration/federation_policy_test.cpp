// Authority and Sharing enforced by real nodes: the city and its north district under policies.
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "city_and_district.hpp"
#include "poll.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

const std::string kAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: north-ops
    to: [city/north]
    actions: [view, acknowledge, dispatch, resolve, close, cancel]
    domains: [flood, traffic]
    area: grantee
    maxSeverity: moderate
  - id: north-ack
    to: [city/north]
    actions: [acknowledge]
    domains: [flood]
    area: grantee
)";

const std::string kSharing = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: records-up
    from: '*'
    to: parent
    data: [incidents, alerts]
    granularity: raw
  - id: north-readings-up
    from: city/north
    to: parent
    data: [observations]
    granularity: raw
    redact: [source]
)";

struct Policed : CityAndDistrict {
  Policed() : CityAndDistrict({{"authority.yaml", kAuthority}, {"sharing.yaml", kSharing}}) {}

  json report(const std::string& domain, const std::string& severity) const {
    const auto res = at_north().post(
        "/api/v1/incidents",
        {{"domain", domain}, {"severity", severity}, {"area", "city/north"}, {"title", "t"}});
    REQUIRE(res.status == 201);
    return res.json();
  }

  /// Waits (bounded) until `client` holds incident `id` at `version`; returns what it holds.
  static json wait_for_version(HttpClient client, const std::string& id, int version) {
    json held;
    ioc::test::poll_until([&] {
      const auto res = client.get("/api/v1/incidents/" + id);
      if (res.status == 200) held = res.json();
      return res.status == 200 && held["version"] == version;
    });
    return held;
  }
};

}  // namespace

TEST_CASE("a district acts inside its delegation and is refused outside it with the reason",
          "[integration][policy]") {
  Policed f;
  // Inside: a moderate flood in its own area; the district owns it and the audit names the grant.
  const json mine = f.report("flood", "moderate");
  CHECK(mine["owner"] == "city/north");
  auto res = f.at_north().post("/api/v1/incidents/" + mine["id"].get<std::string>() + "/actions",
                               {{"action", "dispatch"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["history"].back()["grant"] == "north-ops");
  // Outside: a minor health incident is not the district's; the city owns it and the district's
  // action is refused with the failing condition.
  const json health = f.report("health", "minor");
  CHECK(health["owner"] == "city");
  res = f.at_north().post("/api/v1/incidents/" + health["id"].get<std::string>() + "/actions",
                          {{"action", "acknowledge"}});
  CHECK(res.status == 403);
  CHECK(res.json()["error"]["field"] == "domain");
  CHECK_THAT(res.json()["error"]["message"].get<std::string>(),
             Catch::Contains("'health' is not granted"));
  // Each incident lists what the caller may do to it, and why not, before the caller tries.
  const auto choice = [&](const json& incident, const std::string& action) {
    const json detail =
        f.at_north().get("/api/v1/incidents/" + incident["id"].get<std::string>()).json();
    for (const auto& c : detail["actions"])
      if (c["action"] == action) return c;
    return json();
  };
  CHECK(choice(mine, "resolve")["allowed"] == true);
  CHECK(choice(mine, "resolve")["grant"] == "north-ops");
  CHECK(choice(mine, "dispatch")["allowed"] == false);  // dispatched already
  CHECK(choice(mine, "dispatch")["field"] == "status");
  CHECK(choice(health, "acknowledge")["allowed"] == false);
  CHECK(choice(health, "acknowledge")["field"] == "domain");
  CHECK_THAT(choice(health, "acknowledge")["reason"].get<std::string>(),
             Catch::Contains("'health' is not granted"));
  // The node explains any decision to its admin.
  res = f.at_north().get(
      "/admin/v1/authorize?as=city/north&action=dispatch&domain=flood&area=city/north&severity="
      "severe");
  REQUIRE(res.status == 200);
  CHECK(res.json()["decision"] == "deny");
  CHECK(res.json()["nearestMiss"]["grant"] == "north-ops");
  CHECK(res.json()["nearestMiss"]["failed"] == json::array({"severity"}));
  REQUIRE(res.json()["candidates"].size() >= 1);
  CHECK(res.json()["candidates"][0]["grant"] == "north-ops");
  CHECK_THAT(res.json()["candidates"][0]["why"].get<std::string>(),
             Catch::Contains("severity: 'severe' is above maxSeverity"));
  CHECK(f.at_north()
            .get("/admin/v1/authorize?as=city/west&action=view&domain=flood&area=city&"
                 "severity=minor")
            .json()["error"]["field"] == "as");
}

TEST_CASE("a severe incident opened at a district is owned by the city, which acts on it",
          "[integration][policy]") {
  Policed f;
  // 1. Dispatch authority for a severe flood is the city's: the city owns it from the start.
  const json severe = f.report("flood", "severe");
  const std::string id = severe["id"];
  CHECK(severe["owner"] == "city");
  CHECK(severe["origin"] == "city/north");
  // 2. It reaches the city whole, whatever Sharing says about incidents.
  CHECK(Policed::wait_for_version(f.at_city(), id, 1)["title"] == "t");
  // 3. The district may acknowledge it (grant north-ack) but not change it itself: the command
  //    goes up to the owner, which decides and answers with the new version.
  auto res = f.at_north().post("/api/v1/incidents/" + id + "/actions",
                               {{"action", "acknowledge"}, {"note", "crew on the way"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["owner"] == "city");
  CHECK(res.json()["status"] == "acknowledged");
  CHECK(res.json()["version"] == 2);
  const json at_city = f.at_city().get("/api/v1/incidents/" + id).json();
  CHECK(at_city["version"] == 2);
  CHECK(at_city["history"].back()["grant"] == "north-ack");
  CHECK(at_city["history"].back()["actor"] == "admin-test@city/north");
  // 4. A dispatch by the district is refused by its own authority before anything is sent.
  res = f.at_north().post("/api/v1/incidents/" + id + "/actions", {{"action", "dispatch"}});
  CHECK(res.status == 403);
  CHECK(res.json()["error"]["field"] == "severity");
  // 5. The city dispatches; the version travels down to the origin.
  res = f.at_city().post("/api/v1/incidents/" + id + "/actions", {{"action", "dispatch"}});
  REQUIRE(res.status == 200);
  const json at_north = Policed::wait_for_version(f.at_north(), id, 3);
  CHECK(at_north["status"] == "dispatched");
  CHECK(at_north["owner"] == "city");
}

TEST_CASE("a command up while the owner is unreachable is refused with 503",
          "[integration][policy]") {
  Policed f;
  const json severe = f.report("flood", "severe");
  f.city->stop();
  const auto res =
      f.at_north().post("/api/v1/incidents/" + severe["id"].get<std::string>() + "/actions",
                        {{"action", "acknowledge"}});
  CHECK(res.status == 503);
  CHECK_THAT(res.json()["error"]["message"].get<std::string>(),
             Catch::Contains("the owner 'city' could not be reached"));
}

TEST_CASE("a reload refuses a bad policy set and keeps the old one, a good one takes effect",
          "[integration][policy]") {
  Policed f;
  const std::string version = f.at_city().get("/api/v1/federation").json()["policyVersion"];
  // 1. A broken file at the root: refused with file:line:col; the old set stays in force.
  write_file(f.dir / "authority.yaml", kAuthority + "    colour: red\n");
  auto res = f.at_city().post("/admin/v1/policies/reload", json::object());
  CHECK(res.status == 400);
  CHECK_THAT(res.json()["error"]["message"].get<std::string>(),
             Catch::Contains("authority.yaml:16:5: error: grants[1].colour: unknown key"));
  CHECK(f.at_city().get("/api/v1/federation").json()["policyVersion"] == version);
  const json flood = f.report("flood", "minor");
  // 2. A set whose north-ops grant expired: it reaches the district, and the same action there
  //    is now refused.
  std::string expired = kAuthority;
  expired.replace(expired.find("    maxSeverity: moderate\n"), 26,
                  "    maxSeverity: moderate\n    validUntil: 2020-01-01T00:00:00Z\n");
  write_file(f.dir / "authority.yaml", expired);
  res = f.at_city().post("/admin/v1/policies/reload", json::object());
  REQUIRE(res.status == 200);
  CHECK(res.json()["changed"] == true);
  ioc::test::poll_until([&] {
    const auto d = f.at_north().get(
        "/admin/v1/authorize?as=city/north&action=dispatch&domain=flood&area=city/north&"
        "severity=minor");
    return d.json()["decision"] == "deny";
  });
  res = f.at_north().post("/api/v1/incidents/" + flood["id"].get<std::string>() + "/actions",
                          {{"action", "dispatch"}});
  CHECK(res.status == 403);
  CHECK_THAT(res.json()["error"]["message"].get<std::string>(), Catch::Contains("validUntil"));
  // 3. SIGHUP reloads too: below the root the root's set stays in force, and the log says so.
  f.north->signal(SIGHUP);
  std::string log;
  ioc::test::poll_until([&] {
    log = f.north->log();
    return log.find("SIGHUP: federation reloaded") != std::string::npos;
  });
  CHECK_THAT(log, Catch::Contains("(unchanged)"));
}

TEST_CASE("raw sharing sends a district's rows up, redacted, and counts them once",
          "[integration][policy]") {
  Policed f;
  REQUIRE(f.ingest("rain", 5, "gauge-12") == 202);
  CHECK(f.wait_for_city_count("rain", 5) == 5);
  const auto rows = f.at_city().get("/api/v1/observations?metric=rain&area=city/north").json();
  REQUIRE(rows["items"].size() == 5);
  CHECK(rows["items"][0]["source"] == "redacted");
  // The city's own rows and the district's are counted once in its summary.
  CHECK(f.city_count("rain") == 5);
}

TEST_CASE("escalation rules move an unacknowledged flood to the city and notify the health centre",
          "[integration][policy]") {
  const std::string rules = R"(apiVersion: ioc/v1
kind: Escalation
rules:
  - id: flood-late
    when: {domain: flood, severityAtLeast: severe, unacknowledgedFor: 1s}
    action: escalate
  - id: fire-to-health
    when: {domain: fire-rescue}
    action: notify
    targets: [city/health]
)";
  CityAndDistrict f({{"sharing.yaml", kSharing}, {"escalation.yaml", rules}});
  // The north district checks its rules often; the health centre runs too, linked to the city.
  f.north->stop();
  NodeProcess north(f.federation, "city/north", f.dir / "north",
                    {"--key", f.dir / "keys/city_north.key", "--escalation-interval", "100ms"});
  north.start();
  NodeProcess health(f.federation, "city/health", f.dir / "health",
                     {"--key", f.dir / "keys/city_health.key"});
  const std::string health_token = issue(f.dir / "health", "viewer");
  health.start();
  HttpClient at_north(north.port(), f.north_token);
  // 1. Without Authority policies the reporter owns it; a second later nobody has acknowledged
  //    it, so it goes up to the parent, the city, which becomes its single writer.
  auto res = at_north.post("/api/v1/incidents", {{"domain", "flood"},
                                                 {"severity", "severe"},
                                                 {"area", "city/north"},
                                                 {"title", "Cam Le dyke overtopping"}});
  REQUIRE(res.status == 201);
  const std::string flood = res.json()["id"];
  CHECK(res.json()["owner"] == "city/north");
  const json at_city = Policed::wait_for_version(f.at_city(), flood, 2);
  CHECK(at_city["owner"] == "city");
  CHECK(at_city["history"].back()["action"] == "escalate");
  CHECK(at_city["history"].back()["grant"] == "rule:flood-late");
  // 2. The district, no longer the writer, asks the city, which decides: without Authority
  //    policies only its own operators act on what it owns. Its operators can.
  res = at_north.post("/api/v1/incidents/" + flood + "/actions", {{"action", "acknowledge"}});
  CHECK(res.status == 403);
  CHECK_THAT(res.json()["error"]["message"].get<std::string>(),
             Catch::Contains("the owner 'city' answered: not allowed to acknowledge"));
  res = f.at_city().post("/api/v1/incidents/" + flood + "/actions", {{"action", "acknowledge"}});
  REQUIRE(res.status == 200);
  CHECK(res.json()["version"] == 3);
  CHECK(Policed::wait_for_version(HttpClient(north.port(), f.north_token), flood, 3)["status"] ==
        "acknowledged");
  // 3. A fire at the district notifies the health centre, a sibling: up to the city, down to it.
  res = at_north.post("/api/v1/incidents", {{"domain", "fire-rescue"},
                                            {"severity", "minor"},
                                            {"area", "city/north"},
                                            {"title", "Market fire"}});
  REQUIRE(res.status == 201);
  const std::string fire = res.json()["id"];
  const json seen = Policed::wait_for_version(HttpClient(health.port(), health_token), fire, 2);
  CHECK(seen["title"] == "Market fire");
  CHECK(seen["history"].back()["action"] == "notify");
}

TEST_CASE("runtime grants and revocations reach the grantee, are checked, and survive a restart",
          "[integration][policy]") {
  Policed f;
  const auto authorize = [&f] {
    return f.at_north()
        .get(
            "/admin/v1/authorize?as=city/north&action=dispatch&domain=flood&area=city/north&"
            "severity=extreme")
        .json();
  };
  const auto wait_for = [&](const std::string& decision) {
    json seen;
    ioc::test::poll_until([&] {
      seen = authorize();
      return seen["decision"] == decision;
    });
    return seen;
  };
  CHECK(authorize()["decision"] == "deny");
  const auto now = ioc::SystemClock().now();
  const json surge{{"id", "storm-surge"},
                   {"to", {"city/north"}},
                   {"actions", {"dispatch", "acknowledge"}},
                   {"domains", {"flood"}},
                   {"area", "grantee"},
                   {"validUntil", ioc::format_rfc3339(now + 2 * 86'400'000LL)}};
  // 1. Too long, and too wide for a district: refused, naming the key; nothing changes.
  json too_long = surge;
  too_long["validUntil"] = ioc::format_rfc3339(now + 60 * 86'400'000LL);
  auto res = f.at_city().post("/api/v1/grants", too_long);
  CHECK(res.status == 403);
  CHECK(res.json()["error"]["field"] == "validUntil");
  json widening = surge;
  widening["to"] = {"city/south"};
  widening["area"] = "city/north";
  widening["maxSeverity"] = "moderate";
  res = f.at_north().post("/api/v1/grants", widening);
  CHECK(res.status == 403);
  CHECK_THAT(res.json()["error"]["message"].get<std::string>(),
             Catch::Contains("may not be redelegated"));
  // 2. The city grants; the grant is signed, travels down, and the district is now allowed.
  res = f.at_city().post("/api/v1/grants", surge);
  REQUIRE(res.status == 201);
  CHECK(res.json()["issuer"] == "city");
  CHECK_FALSE(res.json()["signature"].get<std::string>().empty());
  json seen = wait_for("allow");
  CHECK(seen["chain"] == json::array({"storm-surge"}));
  const json flood = f.report("flood", "extreme");
  CHECK(flood["owner"] == "city/north");  // ownership follows the new authority
  // 3. It survives a restart of the district (kept in its store).
  f.north->stop();
  f.north->start();
  CHECK(authorize()["decision"] == "allow");
  // 4. The district may not revoke the city's grant; the city may, and the revocation reaches it.
  res = f.at_north().post("/api/v1/revocations", {{"grant", "storm-surge"}});
  CHECK(res.status == 403);
  res = f.at_city().post("/api/v1/revocations", {{"grant", "storm-surge"}, {"reason", "over"}});
  REQUIRE(res.status == 201);
  seen = wait_for("deny");
  CHECK(seen["decision"] == "deny");
  res = f.at_north().post("/api/v1/incidents/" + flood["id"].get<std::string>() + "/actions",
                          {{"action", "dispatch"}});
  CHECK(res.status == 403);
}

TEST_CASE("the root's reloaded policy set travels down and is enforced and reported below",
          "[integration][policy]") {
  Policed f;
  const auto version_at = [](HttpClient client, const std::string& node) {
    const json federation = client.get("/api/v1/federation").json();
    for (const auto& n : federation["nodes"])
      if (n["id"] == node) return n["policyVersion"];
    return json();
  };
  const json before = version_at(f.at_city(), "city");
  CHECK(version_at(f.at_north(), "city/north") == before);
  // The city's admin narrows north-ops to minor and reloads; nobody touches the district.
  std::string narrower = kAuthority;
  narrower.replace(narrower.find("maxSeverity: moderate"), 21, "maxSeverity: minor");
  write_file(f.dir / "authority.yaml", narrower);
  REQUIRE(f.at_city().post("/admin/v1/policies/reload", json::object()).status == 200);
  const json after = version_at(f.at_city(), "city");
  CHECK(after != before);
  json seen;
  ioc::test::poll_until([&] { return (seen = version_at(f.at_north(), "city/north")) == after; });
  CHECK(seen == after);
  const auto decision = f.at_north()
                            .get(
                                "/admin/v1/authorize?as=city/north&action=dispatch&domain=flood&"
                                "area=city/north&severity=moderate")
                            .json();
  CHECK(decision["decision"] == "deny");
  // The district's own reload keeps the root's set; the city sees which version it enforces.
  CHECK(f.at_north().post("/admin/v1/policies/reload", json::object()).json()["policyVersion"] ==
        after);
  CHECK(ioc::test::poll_until([&] { return version_at(f.at_city(), "city/north") == after; }));

  // The admin puts the wider grant back and restarts the city: its files are the set in force
  // there, not the set it sent before, and the district adopts them.
  write_file(f.dir / "authority.yaml", kAuthority);
  f.city->stop();
  f.city->start();
  const json restarted = version_at(f.at_city(), "city");
  CHECK(restarted == before);
  CHECK(ioc::test::poll_until([&] { return version_at(f.at_north(), "city/north") == before; }));
}

TEST_CASE("a summaries rule lets a sibling pull a district's summary, small groups left out",
          "[integration][policy]") {
  const std::string rules = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: north-summary-to-health
    from: city/north
    to: city/health
    data: [summaries]
    granularity: aggregate
    minGroupSize: 5
)";
  CityAndDistrict f({{"sharing.yaml", rules}});
  REQUIRE(f.ingest("noise", 10, "meter") == 202);
  REQUIRE(f.ingest("rare", 2, "meter") == 202);
  auto res = f.signed_get_at_north("city/health", "/federation/v1/summary?window=1h");
  REQUIRE(res.status == 200);
  CHECK(res.json()["metrics"]["noise"]["count"] == 10);
  CHECK_FALSE(res.json()["metrics"].contains("rare"));  // fewer than five readings
  CHECK(res.json()["suppressed"] ==
        json{{"groups", 1}, {"minGroupSize", 5}, {"note", "suppressed: 1 group under 5"}});
  // No rule names the south district: refused. The city above still reads everything.
  CHECK(f.signed_get_at_north("city/south", "/federation/v1/summary?window=1h").status == 403);
  res = f.signed_get_at_north("city", "/federation/v1/summary?window=1h");
  CHECK(res.json()["metrics"]["rare"]["count"] == 2);
  CHECK(res.json()["suppressed"].is_null());
}

TEST_CASE("a group a district holds back under minGroupSize is marked at the city, not lost",
          "[integration][policy]") {
  const std::string rules = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: readings-up
    from: "*"
    to: parent
    data: [observations]
    granularity: aggregate
    minGroupSize: 5
)";
  CityAndDistrict f({{"sharing.yaml", rules}});
  REQUIRE(f.ingest("rare", 2, "meter") == 202);
  REQUIRE(f.ingest("noise", 10, "meter") == 202);
  // The noise comes after the rare readings, so once it is at the city so is their marker.
  REQUIRE(f.wait_for_city_count("noise", 10) == 10);
  const json s = f.at_city().get("/api/v1/summary?window=1h").json();
  CHECK_FALSE(s["metrics"].contains("rare"));
  REQUIRE(s["suppressed"].is_object());
  CHECK(s["suppressed"]["groups"].get<int>() >= 1);  // the rare minute bucket(s)
  CHECK(s["suppressed"]["minGroupSize"] == 5);
  // The district itself still reads everything.
  CHECK(f.at_north().get("/api/v1/summary?window=1h").json()["metrics"]["rare"]["count"] == 2);
}

TEST_CASE("a command sent up is taken from a direct child only", "[integration][policy]") {
  CityAndDistrict f;
  const json command{{"id", "cmd-1"},
                     {"incident", "inc-1"},
                     {"action", "acknowledge"},
                     {"actor", {{"name", "duty"}, {"role", "operator"}, {"node", "city/health"}}}};
  // The health centre is the district's sibling: it may not send the district commands.
  const auto res =
      f.signed_call_at_north("POST", "city/health", "/federation/v1/commands", command.dump());
  CHECK(res.status == 403);
  CHECK(res.json()["error"]["field"] == "ioc-node");
}

TEST_CASE("a summaries rule scoped to air quality shows a sibling that and nothing else",
          "[integration][policy]") {
  const std::string rules = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: north-air-to-health
    from: city/north
    to: city/health
    data: [summaries]
    granularity: aggregate
    metrics: [pm25, pm10]
)";
  CityAndDistrict f({{"sharing.yaml", rules}});
  REQUIRE(f.ingest("pm25", 6, "gauge") == 202);
  REQUIRE(f.ingest("noise", 6, "meter") == 202);
  const auto res = f.signed_get_at_north("city/health", "/federation/v1/summary?window=1h");
  REQUIRE(res.status == 200);
  const json metrics = res.json()["metrics"];
  CHECK(metrics["pm25"]["count"] == 6);
  CHECK_FALSE(metrics.contains("noise"));
  CHECK(res.json()["suppressed"].is_null());  // not shown at all, not held back by size
  CHECK(f.signed_get_at_north("city", "/federation/v1/summary?window=1h")
            .json()["metrics"]
            .contains("noise"));
}
