#include "ioc/federation/topology.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"
#include "ioc/federation/node_keys.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

// Three tiers: city -> north -> ward-1, ward-2; city -> south, health.
FederationConfig three_tiers(const test::TempDir& dir) {
  test::write_file(dir / "f.yaml", R"(apiVersion: ioc/v1
kind: Federation
name: t
nodes:
  - {id: city, kind: city, endpoint: "http://127.0.0.1:7100", publicKey: keys/city.pub}
  - {id: north, kind: district, parent: city, endpoint: "http://127.0.0.1:7101", publicKey: keys/north.pub}
  - {id: ward-1, kind: ward, parent: north, endpoint: "http://127.0.0.1:7102", publicKey: keys/ward-1.pub}
  - {id: ward-2, kind: ward, parent: north, endpoint: "https://ward2.example:443", publicKey: [keys/ward-2.pub, keys/city.pub]}
  - {id: south, kind: district, parent: city, endpoint: "http://127.0.0.1:7104", publicKey: keys/south.pub}
  - {id: health, kind: sector, parent: city, endpoint: "http://127.0.0.1:7105", publicKey: keys/health.pub}
)");
  return load_federation(dir / "f.yaml");
}

}  // namespace

TEST_CASE("the tree answers parents, children, ancestors and subtrees", "[topology]") {
  test::TempDir dir;
  const auto fed = three_tiers(dir);
  CHECK(fed.root() == "city");
  CHECK(fed.find("ward-1")->parent == "north");
  CHECK_FALSE(fed.find("city")->parent);
  CHECK(fed.children("city") == std::vector<std::string>{"north", "south", "health"});
  CHECK(fed.children("ward-1").empty());
  CHECK(fed.ancestors("ward-2") == std::vector<std::string>{"north", "city"});
  CHECK(fed.ancestors("city").empty());
  CHECK(fed.in_subtree("ward-2", "north"));
  CHECK(fed.in_subtree("north", "north"));
  CHECK_FALSE(fed.in_subtree("south", "north"));
  CHECK(fed.child_toward("city", "ward-2") == "north");
  CHECK_FALSE(fed.find("mars"));
  CHECK(fed.children("mars").empty());
}

TEST_CASE("the tree renders as Graphviz DOT", "[topology]") {
  test::TempDir dir;
  const std::string dot = to_dot(three_tiers(dir));
  CHECK(dot.rfind("digraph G {", 0) == 0);
  CHECK(dot.find("\"ward-1\"[label=\"ward-1 (ward)\"]") != std::string::npos);
  CHECK(dot.find("\"north\"->\"ward-1\"") != std::string::npos);
  CHECK(dot.find("\"city\"->\"health\"") != std::string::npos);
}

TEST_CASE("check_federation wants real key files and endpoint URLs, at file:line:col",
          "[topology]") {
  test::TempDir dir;
  const auto fed = three_tiers(dir);
  SECTION("missing key files") {
    try {
      check_federation(fed);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).rfind(
                dir / "f.yaml:5:74: error: nodes[0].publicKey: cannot open key file", 0) == 0);
    }
  }
  SECTION("all keys present") {
    for (const char* id : {"city", "north", "ward-1", "ward-2", "south", "health"})
      generate_keys(id, dir / "keys");
    CHECK_NOTHROW(check_federation(fed));
  }
  SECTION("a node of a federation without a key or an endpoint") {
    for (const char* id : {"city", "north", "ward-1", "ward-2", "south", "health"})
      generate_keys(id, dir / "keys");
    auto broken = fed;
    broken.nodes[4].public_keys.clear();
    try {
      check_federation(broken);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()) == dir /
                                         "f.yaml:9:5: error: nodes[4].publicKey: required in a "
                                         "federation (its peers verify its calls with it)");
      CHECK(e.field() == "nodes[4].publicKey");
    }
    broken.nodes[4].endpoint.clear();
    try {
      check_federation(broken);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.field() == "nodes[4].endpoint");
    }
  }
  SECTION("a bad endpoint") {
    for (const char* id : {"city", "north", "ward-1", "ward-2", "south", "health"})
      generate_keys(id, dir / "keys");
    auto broken = fed;
    broken.nodes[2].endpoint = "127.0.0.1:7102";
    try {
      check_federation(broken);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("nodes[2].endpoint: expected http://HOST:PORT") !=
            std::string::npos);
      CHECK(std::string(e.what()).rfind(dir / "f.yaml:7:", 0) == 0);
    }
  }
}
