// The embedding API that integrators use (include/ioc/node.hpp).
#include "ioc/node.hpp"

#include <catch2/catch.hpp>

#include <cmath>

#include "ioc/error.hpp"
#include "temp_dir.hpp"

using namespace ioc;

TEST_CASE("an embedded node ingests, raises alerts and handles incidents without HTTP", "[node]") {
  test::TempDir dir;
  NodeOptions o;
  o.federation_file = test::write_test_federation(dir.path());
  o.node_id = "city";
  o.data_dir = dir / "data";
  o.listen = "127.0.0.1:0";
  Node node(std::move(o));
  CHECK(node.id() == "city");
  CHECK(node.federation()->nodes.size() == 4);
  node.ingest({{"g", "river_level", 1, 2.5, "m", "city/north", {}}});
  REQUIRE(node.active_alerts().size() == 1);
  const Actor duty{"duty", Role::kOperator, "city"};
  auto i = node.report_incident(duty, Domain::kFlood, Severity::kSevere, "city/north",
                                "Underpass flooded");
  i = node.act_on_incident(duty, i.id, IncidentAction::kResolve, "drained");
  CHECK(i.status == IncidentStatus::kResolved);
  CHECK_THROWS_AS(node.ingest({{"g", "river_level", 1, 2.5, "m", "atlantis", {}}}), Error);
  CHECK_THROWS_WITH(node.ingest({{"g", "rain", 1, std::nan(""), "mm", "city", {}}}),
                    Catch::Contains("value must be finite"));
  CHECK_THROWS_AS(node.ingest({{"", "rain", 1, 1, "mm", "city", {}}}), Error);
}

TEST_CASE("a node refuses an unknown node id or a bad listen address", "[node]") {
  test::TempDir dir;
  NodeOptions o;
  o.federation_file = test::write_test_federation(dir.path());
  o.node_id = "atlantis";
  o.data_dir = dir / "data";
  CHECK_THROWS_WITH(Node(std::move(o)), Catch::Contains("no node 'atlantis'"));
  NodeOptions bad;
  bad.federation_file = test::write_test_federation(dir.path());
  bad.node_id = "city";
  bad.data_dir = dir / "data";
  bad.listen = "127.0.0.1:99999";
  CHECK_THROWS_WITH(Node(std::move(bad)), Catch::Contains("listen port"));
}

TEST_CASE("token helpers issue, list and revoke in a data directory", "[node]") {
  test::TempDir dir;
  const auto token = issue_token(dir.path(), Role::kOperator, "duty", std::nullopt);
  auto listed = list_tokens(dir.path());
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "duty");
  CHECK(listed[0].role == Role::kOperator);
  CHECK(revoke_token(dir.path(), listed[0].id));
  CHECK_FALSE(revoke_token(dir.path(), listed[0].id));
  CHECK(list_tokens(dir.path())[0].revoked);
  CHECK(token.size() > 40);
}
