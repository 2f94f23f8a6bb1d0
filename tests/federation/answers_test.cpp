#include "answers.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

std::string field_of(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kBadRequest);
    return e.field();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("a parent's answers are read strictly", "[answers]") {
  SECTION("acknowledgements, several epochs per origin") {
    const Acked acked{{"city/north", {{"e1", 7}, {"e2", 1}}}};
    CHECK(parse_acked(acked_to_json(acked)) == acked);
    CHECK(field_of([] { parse_acked(R"({"acked": {"n": {"epoch": "e", "seq": 1}}})"); }) ==
          "acked.n");
    CHECK(field_of([] { parse_acked(R"({"acked": {"n": [{"epoch": "e", "seq": -1}]}})"); }) ==
          "acked.n.seq");
    CHECK(field_of([] { parse_acked("[]"); }) == "body");
    CHECK(field_of([] { parse_acked(std::string(100, '[')); }) == "body");
  }
  SECTION("hello") {
    const auto h = parse_hello(
        R"({"protocolVersions": ["2"], "policyVersion": "v", "holds": [{"epoch": "e", "seq": 4}]})");
    CHECK(h.protocol_versions == std::vector<std::string>{"2"});
    CHECK(h.holds.at("e") == 4);
    CHECK(field_of([] { parse_hello(R"({"protocolVersions": "2"})"); }) == "protocolVersions");
    CHECK(field_of([] { parse_hello(R"({"protocolVersions": [], "holds": [{"seq": 1}]})"); }) ==
          "holds.epoch");
  }
  SECTION("a long-poll page: entries in order, after the one asked after") {
    const auto page = parse_down_page(
        R"({"events": [{"seq": 3, "type": "command", "body": {}}, {"seq": 5, "type": "x", "body": {}}]})",
        2);
    REQUIRE(page.entries.size() == 2);
    CHECK(page.entries[1].seq == 5);
    CHECK(field_of([] {
            parse_down_page(R"({"events": [{"seq": 2, "type": "command", "body": {}}]})", 2);
          }) == "events[0].seq");
    CHECK(field_of([] {
            parse_down_page(R"({"events": [{"seq": 3, "type": "command", "body": []}]})", 2);
          }) == "events[0].body");
    CHECK(field_of([] { parse_down_page(R"({"events": {}})", 0); }) == "events");
  }
}
