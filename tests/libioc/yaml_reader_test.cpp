#include "yaml_reader.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"

using namespace ioc;

TEST_CASE("relative paths resolve against the naming file's folder", "[yaml]") {
  CHECK(yaml::resolve_path("/etc/ioc/federation.yaml", "keys/a.pub") == "/etc/ioc/keys/a.pub");
  CHECK(yaml::resolve_path("/etc/ioc/federation.yaml", "../x/r.yaml") == "/etc/x/r.yaml");
  CHECK(yaml::resolve_path("/etc/ioc/federation.yaml", "/abs/k.pub") == "/abs/k.pub");
}

TEST_CASE("the map reader takes a string or a list and reports unread keys", "[yaml]") {
  const YAML::Node doc = YAML::Load("one: a\nmany: [b, c]\nextra: 1\n");
  yaml::MapReader r("f.yaml", doc, "node");
  CHECK(r.str_or_list("one") == std::vector<std::string>{"a"});
  CHECK(r.str_or_list("many") == std::vector<std::string>{"b", "c"});
  CHECK_FALSE(r.opt_str("missing"));
  try {
    r.finish();
    FAIL("expected an unknown key error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "f.yaml:3:1: error: node.extra: unknown key");
    CHECK(e.field() == "node.extra");
  }
}

TEST_CASE("a key that is not a plain string is an error, not a crash", "[yaml]") {
  // Found by the policy loader fuzzer: a complex key ("? - ...") threw from inside yaml-cpp.
  const YAML::Node doc = YAML::Load("? - id: x\n: 1\n");
  CHECK_THROWS_WITH(yaml::MapReader("f.yaml", doc, "grants"),
                    Catch::Contains("f.yaml:1:3: error: grants: a key must be a plain string"));
}
