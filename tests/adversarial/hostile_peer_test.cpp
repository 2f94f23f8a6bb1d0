// Hostile nodes, each signing with its own valid key, try to write at the city what they may not:
// a sibling district (city/south) rewrites the city's and its sibling's incidents, cancels or
// forges the city's alerts, closes the city's service request, posts buckets for other areas and
// impossible values, and (as a leaf) revokes the root's grant. Each entry is counted as received
// and quarantined with its reason, nothing changes at the city, the legitimate owner's next change
// still applies, and the city answers /healthz throughout.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <regex>

#include "city_and_district.hpp"
#include "crypto_util.hpp"
#include "ioc/summary_sketch.hpp"
#include "policy_update.hpp"
#include "poll.hpp"
#include "sketch_bytes.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

const std::string kAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: north-flood
    to: [city/north]
    actions: [view, acknowledge, dispatch, resolve, close, escalate]
    domains: [flood]
    area: grantee
)";

const std::string kSharing = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - {id: records-up, from: '*', to: parent, data: [incidents, alerts, service-requests], granularity: raw}
)";

// The city and north district, and city/south as the hostile sibling: a real key, no process.
struct Federation : CityAndDistrict {
  Federation() : CityAndDistrict({{"authority.yaml", kAuthority}, {"sharing.yaml", kSharing}}) {}

  // Posts `entries` ((type, body) pairs) to the city as `node`'s own log entries, signed with
  // its key, in a fresh epoch; returns the city's answer.
  HttpResult send_as(const std::string& node,
                     const std::vector<std::pair<std::string, json>>& entries) {
    json events = json::array();
    std::int64_t seq = 0;
    const std::string epoch = ioc::crypto::random_hex(8);
    for (const auto& [type, body] : entries)
      events.push_back({{"origin", node},
                        {"epoch", epoch},
                        {"seq", ++seq},
                        {"type", type},
                        {"ts", ioc::format_rfc3339(ioc::SystemClock().now())},
                        {"body", body}});
    const std::string body = json{{"events", events}, {"backlog", 0}}.dump();
    const auto res = HttpClient(city->port())
                         .request("POST", "/federation/v1/events", body, "application/json",
                                  signed_headers(dir / "keys", node, "city", "POST",
                                                 "/federation/v1/events", body));
    // Received, so it never blocks the link: the answer holds every entry sent.
    INFO(res.body);
    CHECK(res.status == 200);
    if (res.status == 200) CHECK(res.json()["acked"][node][0]["seq"] == seq);
    CHECK(at_city().get("/healthz").status == 200);
    return res;
  }

  // The newest quarantined entry at the city, after checking the count went up by `more`.
  json quarantined(std::int64_t& seen, std::int64_t more = 1) {
    const auto q = at_city().get("/api/v1/federation").json()["quarantine"];
    CHECK(q["total"].get<std::int64_t>() == seen + more);
    seen = q["total"];
    return q["recent"][0];
  }

  json city_incident(const std::string& id) {
    return at_city().get("/api/v1/incidents/" + id).json();
  }

  // Waits (bounded) until the city holds incident `id` at `version`.
  json wait_at_city(const std::string& id, int version) {
    json held;
    poll_until([&] {
      const auto res = at_city().get("/api/v1/incidents/" + id);
      return res.status == 200 && (held = res.json())["version"] == version;
    });
    return held;
  }
};

// A version of `head` as a writer would send it: the head with `changes` applied, and its audit
// entry.
json version_of(json head, int version, const std::string& action, const json& changes) {
  head.erase("history");
  head["version"] = version;
  head.update(changes);
  head["change"] = {{"at", head["updated"]}, {"actor", "mallory@city/south"},
                    {"action", action},      {"note", ""},
                    {"grant", ""},           {"version", version}};
  return head;
}

json bucket(const std::string& area, const std::string& sketch_bytes) {
  const auto minute = ioc::SystemClock().now() / 60'000 * 60'000;
  return {{"buckets", json::array({{{"metric", "level"},
                                    {"area", area},
                                    {"start", minute},
                                    {"sketch", ioc::crypto::base64_encode(sketch_bytes)}}})}};
}

std::string sketch_of(double value) {
  ioc::SummarySketch s;
  s.add(value);
  return s.encode();
}

}  // namespace

TEST_CASE("a sibling cannot rewrite incidents it does not own, and the owners still can",
          "[adversarial]") {
  Federation f;
  std::int64_t quarantine = 0;
  // 1. The city's own incident, and one the north district owns, both at the city.
  auto res = f.at_city().post(
      "/api/v1/incidents",
      {{"domain", "flood"}, {"severity", "severe"}, {"area", "city"}, {"title", "Dyke"}});
  REQUIRE(res.status == 201);
  const json city_owned = res.json();
  REQUIRE(city_owned["owner"] == "city");
  res = f.at_north().post(
      "/api/v1/incidents",
      {{"domain", "flood"}, {"severity", "moderate"}, {"area", "city/north"}, {"title", "Street"}});
  REQUIRE(res.status == 201);
  const json north_owned = res.json();
  REQUIRE(north_owned["owner"] == "city/north");
  REQUIRE(f.wait_at_city(north_owned["id"], 1)["owner"] == "city/north");
  // 2. South takes the city's incident over and closes it, at a version far ahead.
  f.send_as("city/south",
            {{"incident", version_of(city_owned, 50, "close",
                                     {{"owner", "city/south"}, {"status", "closed"}})}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find("is owned by 'city'") !=
        std::string::npos);
  // 3. South inflates the version of north's incident (owner unchanged), and takes it over.
  f.send_as("city/south",
            {{"incident", version_of(north_owned, 1000, "resolve", {{"status", "resolved"}})},
             {"incident", version_of(north_owned, 2, "escalate", {{"owner", "city/south"}})}});
  CHECK(f.quarantined(quarantine, 2)["reason"].get<std::string>().find(
            "is owned by 'city/north'") != std::string::npos);
  // 4. Nothing changed at the city.
  auto held = f.city_incident(city_owned["id"]);
  CHECK(held["version"] == 1);
  CHECK(held["owner"] == "city");
  CHECK(held["status"] == "reported");
  CHECK(held["history"].size() == 1);
  held = f.city_incident(north_owned["id"]);
  CHECK(held["version"] == 1);
  CHECK(held["owner"] == "city/north");
  CHECK(held["status"] == "reported");
  // 5. The owners' next changes still apply: the city's own action, north's version 2.
  res = f.at_city().post("/api/v1/incidents/" + city_owned["id"].get<std::string>() + "/actions",
                         {{"action", "acknowledge"}});
  CHECK(res.status == 200);
  CHECK(res.json()["version"] == 2);
  REQUIRE(f.at_north()
              .post("/api/v1/incidents/" + north_owned["id"].get<std::string>() + "/actions",
                    {{"action", "dispatch"}})
              .status == 200);
  held = f.wait_at_city(north_owned["id"], 2);
  CHECK(held["version"] == 2);
  CHECK(held["status"] == "dispatched");
  // 6. /metrics counts what was set aside.
  CHECK(f.at_city()
            .get("/metrics")
            .body.find("ioc_federation_events_quarantined_total{node=\"city\"} 3") !=
        std::string::npos);
}

TEST_CASE("a sibling cannot cancel, update or forge the city's alerts", "[adversarial]") {
  Federation f;
  std::int64_t quarantine = 0;
  // 1. The city's own rule raises an alert at the city.
  const auto now = ioc::SystemClock().now();
  REQUIRE(f.at_city()
              .post("/api/v1/observations", observations("river_level", "city", {2.6}, now, 1))
              .status == 202);
  const auto active = f.at_city().get("/api/v1/alerts?active=true").json()["items"];
  REQUIRE(active.size() == 1);
  const json alert = active[0];
  REQUIRE(alert["sender"] == "city");
  const std::string ref =
      "city," + alert["identifier"].get<std::string>() + "," + alert["sent"].get<std::string>();
  // 2. South cancels it, as itself and posing as the city; and sends an alert "from" the city.
  json cancel = alert;
  cancel["identifier"] = "evil-1";
  cancel["msgType"] = "Cancel";
  cancel["references"] = {ref};
  cancel["sender"] = "city/south";
  cancel["area"] = "city/south";
  cancel["areas"] = {"city/south"};
  f.send_as("city/south", {{"alert", cancel}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find(
            "may only update or cancel alerts it issued") != std::string::npos);
  cancel["identifier"] = "evil-2";
  cancel["sender"] = "city";
  f.send_as("city/south", {{"alert", cancel}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find("names sender 'city'") !=
        std::string::npos);
  json forged = alert;
  forged["identifier"] = "evil-3";
  forged["headline"] = "Evacuate now";
  f.send_as("city/south", {{"alert", forged}});
  f.quarantined(quarantine);
  // 3. An alert for an area outside south's subtree, even under its own name.
  forged["identifier"] = "evil-4";
  forged["sender"] = "city/south";
  f.send_as("city/south", {{"alert", forged}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find(
            "is not in the subtree of 'city/south'") != std::string::npos);
  // ... or one whose first area is its own but whose further areas reach the north.
  forged["identifier"] = "evil-5";
  forged["area"] = "city/south";
  forged["areas"] = {"city/south", "city/north"};
  f.send_as("city/south", {{"alert", forged}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find(
            "area 'city/north' is not in the subtree of 'city/south'") != std::string::npos);
  // ... or areas that contradict its area.
  forged["identifier"] = "evil-6";
  forged["areas"] = {"city/north"};
  f.send_as("city/south", {{"alert", forged}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find(
            "an alert's area is the first of its areas") != std::string::npos);
  // 4. The city's alert is still the one active alert; none of the forgeries is held.
  const auto after = f.at_city().get("/api/v1/alerts").json()["items"];
  CHECK(after.size() == 1);
  CHECK(after[0]["identifier"] == alert["identifier"]);
  CHECK(after[0]["active"] == true);
  // 5. The city's own Cancel still applies when the river falls.
  REQUIRE(f.at_city()
              .post("/api/v1/observations", observations("river_level", "city", {1.0}, now + 1, 1))
              .status == 202);
  CHECK(f.at_city().get("/api/v1/alerts?active=true").json()["items"].empty());
}

TEST_CASE("a sibling cannot close the city's service request", "[adversarial]") {
  Federation f;
  std::int64_t quarantine = 0;
  auto res = f.at_city().request("POST", "/open311/v2/requests.json",
                                 "service_code=pothole&lat=16.05&long=108.2&description=hole",
                                 "application/x-www-form-urlencoded");
  REQUIRE(res.status == 201);
  const std::string id = res.json()[0]["service_request_id"];
  json request = f.at_city().get("/open311/v2/requests/" + id + ".json").json()[0];
  json closed = request;
  closed["status"] = "closed";
  closed["status_notes"] = "done (not really)";
  // As the city's request (agency_responsible: city), and claimed for itself.
  f.send_as("city/south", {{"service-request", closed}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find("is held by 'city'") !=
        std::string::npos);
  closed["agency_responsible"] = "city/south";
  f.send_as("city/south", {{"service-request", closed}});
  f.quarantined(quarantine);
  CHECK(f.at_city().get("/open311/v2/requests/" + id + ".json").json()[0]["status"] == "open");
  // The city closes it itself.
  res = f.at_city().request("POST", "/api/v1/service-requests/" + id + "/close", "", "");
  CHECK(res.status == 200);
  CHECK(res.json()["status"] == "closed");
}

TEST_CASE("buckets for other areas or with impossible values are refused and the summary holds",
          "[adversarial]") {
  Federation f;
  // A sibling's area, the city's area, a sum that is not a number, a trillion readings.
  std::string nan = sketch_of(3);
  const double not_a_number = std::nan("");
  std::memcpy(nan.data() + 10, &not_a_number, 8);  // format byte, alpha, count 1: then the sum
  const std::string trillion = zeros_sketch(1'000'000'000'000);
  f.send_as("city/south", {{"aggregates", bucket("city/north", sketch_of(5))},
                           {"aggregates", bucket("city", sketch_of(5))},
                           {"aggregates", bucket("city/south", nan)},
                           {"aggregates", bucket("city/south", trillion)}});
  const auto q = f.at_city().get("/api/v1/federation").json()["quarantine"];
  CHECK(q["total"] == 4);
  std::string reasons;
  for (const auto& r : q["recent"]) reasons += r["reason"].get<std::string>() + "\n";
  CHECK(reasons.find("area 'city/north' is not in the subtree of 'city/south'") !=
        std::string::npos);
  CHECK(reasons.find("area 'city' is not in the subtree of 'city/south'") != std::string::npos);
  CHECK(reasons.find("sum, min and max must be finite") != std::string::npos);
  CHECK(reasons.find("sketch count out of range") != std::string::npos);
  // The city's summary has none of it; north's own rows still count.
  CHECK(f.city_count("level") == 0);
  const auto minute = ioc::SystemClock().now() / 60'000 * 60'000;
  REQUIRE(f.at_north()
              .post("/api/v1/observations", observations("level", "city/north", {1, 2}, minute, 1))
              .status == 202);
  CHECK(f.wait_for_city_count("level", 2) == 2);
  // A district's own ingest refuses rows for an area above it: nothing it acknowledges could be
  // refused further up.
  const auto res =
      f.at_north().post("/api/v1/observations", observations("level", "city", {1}, minute, 1));
  CHECK(res.status == 400);
  CHECK(res.json()["error"]["field"] == "[0].area");
}

TEST_CASE("a leaf cannot revoke the root's grant nor grant what it does not hold",
          "[adversarial]") {
  Federation f;
  std::int64_t quarantine = 0;
  const auto south_key = ioc::federation::PrivateKey::load(f.dir / "keys/city_south.key");
  const auto now = ioc::format_rfc3339(ioc::SystemClock().now());
  // 1. A revocation of the city's grant to north, signed by south (a valid signature).
  const auto revocation = ioc::federation::sign_update(
      south_key, "revocation", "city/south",
      json{{"id", "rev-evil"}, {"grant", "north-flood"}, {"at", now}, {"reason", "mine now"}});
  f.send_as("city/south", {{"policy-update", revocation.to_json()}});
  CHECK(f.quarantined(quarantine)["reason"].get<std::string>().find(
            "'city/south' neither issued 'north-flood' nor any grant above it") !=
        std::string::npos);
  // 2. A grant to its sibling of what only the city holds.
  const auto grant = ioc::federation::sign_update(
      south_key, "grant", "city/south",
      json{{"id", "south-gives-all"},
           {"to", {"city/north"}},
           {"actions", {"dispatch"}},
           {"domains", {"flood"}},
           {"area", "city"},
           {"validFrom", now},
           {"validUntil", ioc::format_rfc3339(ioc::SystemClock().now() + 86'400'000)}});
  f.send_as("city/south", {{"policy-update", grant.to_json()}});
  const std::string why = f.quarantined(quarantine)["reason"];
  INFO(why);
  CHECK(why.find("holds no grant") != std::string::npos);
  // 3. The grant is in force at the city and below it: nothing was adopted or passed on.
  const std::string ask =
      "/admin/v1/authorize?as=city/north&action=dispatch&domain=flood&"
      "area=city/north&severity=severe";
  CHECK(f.at_city().get(ask).json()["decision"] == "allow");
  CHECK(f.at_north().get(ask).json()["decision"] == "allow");
  // 4. The city's own revocation still works, and reaches north.
  const auto res = f.at_city().post("/api/v1/revocations", {{"grant", "north-flood"}});
  CHECK(res.status == 201);
  CHECK(f.at_city().get(ask).json()["decision"] == "deny");
  CHECK(poll_until([&] { return f.at_north().get(ask).json()["decision"] == "deny"; }));
}

TEST_CASE("answers that are not the parent's own move no cursor and delete nothing",
          "[adversarial]") {
  Federation f;
  // 1. Rows the city takes.
  REQUIRE(f.ingest("level", 10, "s1") == 202);
  REQUIRE(f.wait_for_city_count("level", 10) == 10);
  // 2. An impostor takes the city's address: it accepts north's signed calls (north's key is
  //    public) and answers them, signed with a key that is not the city's.
  ioc::federation::generate_keys("city", f.dir / "impostor");
  const std::string impostor_fed = f.dir / "impostor.yaml";
  write_file(impostor_fed,
             std::regex_replace(read_file(f.federation), std::regex("keys/city\\.pub"),
                                f.dir / "impostor/city.pub"));
  REQUIRE(f.city->stop() == 0);
  NodeProcess impostor(impostor_fed, "city", f.dir / "impostor-data",
                       {"--listen", "127.0.0.1:" + std::to_string(f.city_port), "--key",
                        f.dir / "impostor/city.key"});
  impostor.start();
  // 3. New rows at north: the impostor acknowledges them, but north does not believe it.
  REQUIRE(f.ingest("level", 5, "s2") == 202);
  json link;
  poll_until([&] {
    link = f.at_north().get("/api/v1/federation").json()["nodes"][0]["link"];
    return link["error"].is_string() &&
           link["error"].get<std::string>().find("bad answer signature") != std::string::npos;
  });
  INFO(link.dump());
  CHECK(link["state"] == "down");
  CHECK(link["backlog"].get<std::int64_t>() > 0);  // nothing taken, nothing deleted
  // 4. The real city returns and takes exactly what it had not.
  impostor.stop();
  f.city->start();
  CHECK(f.wait_for_city_count("level", 15) == 15);
}
