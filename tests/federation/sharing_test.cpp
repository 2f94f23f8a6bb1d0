#include "sharing.hpp"

#include <catch2/catch.hpp>

#include "federated_context.hpp"
#include "policy_fixture.hpp"
#include "sharing_rule.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;
using policy::DataKind;
using policy::Granularity;

TEST_CASE("the most specific Sharing rule decides", "[sharing]") {
  test::FederatedContext t("city");
  policy::PolicySet set;
  const auto alerts = policy::bit(DataKind::kAlerts);
  set.sharing.push_back(test::sharing_rule("any", "*", "parent", alerts, Granularity::kAggregate));
  set.sharing.push_back(
      test::sharing_rule("north", "city/north", "parent", alerts, Granularity::kRaw));
  set.sharing.push_back(
      test::sharing_rule("north-city", "city/north", "city", alerts, Granularity::kNone));
  CHECK(share_for(set, t.fed, "city/north", "city", DataKind::kAlerts).rule == "north-city");
  CHECK(share_for(set, t.fed, "city/south", "city", DataKind::kAlerts).rule == "any");
  set.sharing.pop_back();
  CHECK(share_for(set, t.fed, "city/north", "city", DataKind::kAlerts).granularity ==
        Granularity::kRaw);
  // Defaults: aggregate to the parent, nothing sideways or down; summaries for any node above.
  const policy::PolicySet none;
  CHECK(share_for(none, t.fed, "city/north", "city", DataKind::kIncidents).granularity ==
        Granularity::kAggregate);
  CHECK(share_for(none, t.fed, "city/north", "city/south", DataKind::kSummaries).granularity ==
        Granularity::kNone);
  CHECK(share_for(none, t.fed, "city", "city/north", DataKind::kAlerts).granularity ==
        Granularity::kNone);
  CHECK(share_for(none, t.fed, "city/north", "city", DataKind::kSummaries).granularity ==
        Granularity::kAggregate);
}

TEST_CASE("a rule for the subtree reaches every node below its sender, and only those",
          "[sharing]") {
  test::TempDir dir;
  const FederationConfig fed = load_federation(test::write_policy_federation(dir, {}));
  policy::PolicySet set;
  const auto incidents = policy::bit(DataKind::kIncidents);
  set.sharing.push_back(
      test::sharing_rule("city-down", "city", "subtree", incidents, Granularity::kRaw));
  set.sharing.push_back(
      test::sharing_rule("north-down", "city/north", "subtree", incidents, Granularity::kRaw));
  set.sharing.push_back(
      test::sharing_rule("not-ward-1", "city", "city/north/ward-1", incidents, Granularity::kNone));
  CHECK(share_for(set, fed, "city", "city/north", DataKind::kIncidents).rule == "city-down");
  CHECK(share_for(set, fed, "city", "city/health", DataKind::kIncidents).rule == "city-down");
  // A rule naming the node is more specific than the one for the whole subtree.
  CHECK(share_for(set, fed, "city", "city/north/ward-1", DataKind::kIncidents).rule ==
        "not-ward-1");
  CHECK(share_for(set, fed, "city/north", "city/north/ward-1", DataKind::kIncidents).rule ==
        "north-down");
  // Never sideways, up, or to the sender itself.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"city/north", "city/south"}, {"city/north", "city"}, {"city/north", "city/north"}}) {
    INFO(from << " to " << to);
    CHECK(share_for(set, fed, from, to, DataKind::kIncidents).rule.empty());
  }
}

TEST_CASE("redaction clears exactly the fields a rule names, in each kind's wire form",
          "[sharing]") {
  json row{{"source", "sensor-7"}, {"tags", {{"street", "Le Duan"}}}, {"value", 30}};
  redact(row, DataKind::kObservations, {"source"});
  CHECK(row["source"] == "redacted");  // a row must still name a source
  CHECK(row["tags"]["street"] == "Le Duan");
  redact(row, DataKind::kObservations, {"tags"});
  CHECK(row["tags"].empty());
  CHECK(row["value"] == 30);

  json incident{{"title", "Flooded underpass"},
                {"location", {{"lat", 16.05}, {"lon", 108.2}, {"address", "Dien Bien Phu"}}},
                {"change", {{"note", "pump truck 3"}}},
                {"severity", "severe"}};
  redact(incident, DataKind::kIncidents, {"location", "notes"});
  CHECK(incident["title"] == "Flooded underpass");
  CHECK(incident["location"]["lat"].is_null());
  CHECK(incident["location"]["address"] == "");
  CHECK(incident["change"]["note"] == "");
  CHECK(incident["severity"] == "severe");

  json request{{"description", "water to the knees"},
               {"lat", 16.0},
               {"long", 108.0},
               {"media_url", "http://x/y.jpg"},
               {"service_code", "flooding"}};
  redact(request, DataKind::kServiceRequests, {"location", "media"});
  CHECK(request["lat"].is_null());
  CHECK(request["long"].is_null());
  CHECK(request["media_url"] == "");
  CHECK(request["description"] == "water to the knees");
  CHECK(request["service_code"] == "flooding");

  // Nothing named, or not an object: nothing changes.
  json alert{{"headline", "River above 2.2 m"}};
  redact(alert, DataKind::kAlerts, {});
  CHECK(alert["headline"] == "River above 2.2 m");
  json not_an_object = json::array({1, 2});
  redact(not_an_object, DataKind::kAlerts, {"headline"});
  CHECK(not_an_object == json::array({1, 2}));
}

TEST_CASE("every field a policy may name is one redaction clears", "[sharing]") {
  for (const auto kind : {DataKind::kObservations, DataKind::kAlerts, DataKind::kIncidents,
                          DataKind::kServiceRequests}) {
    for (const auto& field : policy::redactable_fields(kind)) {
      json before{{"source", "s"},
                  {"tags", {{"k", "v"}}},
                  {"headline", "h"},
                  {"description", "d"},
                  {"title", "t"},
                  {"address", "a"},
                  {"location", {{"lat", 1}}},
                  {"lat", 1},
                  {"long", 2},
                  {"media_url", "m"},
                  {"status_notes", "n"},
                  {"change", {{"note", "x"}}}};
      json after = before;
      redact(after, kind, {field});
      INFO("kind " << static_cast<int>(kind) << ", field " << field);
      CHECK(after != before);
    }
  }
}

TEST_CASE("a rule scoped by metrics, domains or severity decides only what lies in its scope",
          "[sharing]") {
  test::FederatedContext t("city");
  policy::PolicySet set;
  auto air = test::sharing_rule("air-to-health", "city/north", "city/health",
                                policy::bit(DataKind::kSummaries), Granularity::kAggregate);
  air.metrics = {"pm25", "pm10"};
  set.sharing.push_back(air);
  auto health = test::sharing_rule("health-raw", "city/north", "parent",
                                   policy::bit(DataKind::kIncidents), Granularity::kRaw);
  health.domains = policy::bit(Domain::kHealth);
  health.severity_at_least = Severity::kSevere;
  set.sharing.push_back(health);
  auto flood_alerts = test::sharing_rule("flood-alerts", "city/north", "parent",
                                         policy::bit(DataKind::kAlerts), Granularity::kNone);
  flood_alerts.domains = policy::bit(Domain::kFlood);
  set.sharing.push_back(flood_alerts);

  const auto summary = [&](const std::string& metric) {
    return share_for(set, t.fed, "city/north", "city/health", DataKind::kSummaries,
                     SharedItem{metric, std::nullopt, std::nullopt, false});
  };
  CHECK(summary("pm25").rule == "air-to-health");
  CHECK(summary("pm25").granularity == Granularity::kAggregate);
  CHECK(summary("noise").granularity == Granularity::kNone);  // a sibling by default sees none
  CHECK(summary("").rule == "air-to-health");                 // the pull as a whole

  const auto incident = [&](Domain d, Severity s) {
    return share_for(set, t.fed, "city/north", "city", DataKind::kIncidents,
                     SharedItem{"", d, s, true});
  };
  CHECK(incident(Domain::kHealth, Severity::kSevere).granularity == Granularity::kRaw);
  CHECK(incident(Domain::kHealth, Severity::kModerate).granularity == Granularity::kAggregate);
  CHECK(incident(Domain::kFlood, Severity::kExtreme).granularity == Granularity::kAggregate);

  const auto alert = [&](std::optional<Domain> d) {
    return share_for(set, t.fed, "city/north", "city", DataKind::kAlerts,
                     SharedItem{"", d, Severity::kSevere, true});
  };
  CHECK(alert(Domain::kFlood).granularity == Granularity::kNone);
  CHECK(alert(Domain::kTraffic).granularity == Granularity::kAggregate);
  CHECK(alert(std::nullopt).granularity == Granularity::kAggregate);  // a rule's alert: no domain
}
