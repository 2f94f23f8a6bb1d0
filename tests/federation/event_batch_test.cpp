#include "event_batch.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {
std::string field_of(const std::string& text) {
  try {
    parse_event_batch(text);
  } catch (const Error& e) {
    return e.field();
  }
  return "no error";
}
const std::string kGood =
    R"({"origin":"a","epoch":"e1","seq":3,"type":"incident","ts":"2026-11-22T04:00:00.120Z","body":{"id":"x"}})";
}  // namespace

TEST_CASE("an event batch parses with its backlog", "[events]") {
  const auto b = parse_event_batch(R"({"events":[)" + kGood + R"(],"backlog":7})");
  REQUIRE(b.events.size() == 1);
  CHECK(b.events[0].origin == "a");
  CHECK(b.events[0].seq == 3);
  CHECK(b.events[0].ts == 1795320000120);  // 2026-11-22T04:00:00.120Z
  CHECK(b.events[0].body["id"] == "x");
  CHECK(b.backlog == 7);
  CHECK(parse_event_batch(R"({"events":[]})").events.empty());
}

TEST_CASE("malformed batches name the entry and field", "[events]") {
  CHECK(field_of("{") == "body");
  CHECK(field_of("[]") == "events");
  CHECK(field_of(R"({"events":[1]})") == "events[0]");
  CHECK(
      field_of(
          R"({"events":[)" + kGood +
          R"(,{"origin":"a","epoch":"e1","seq":0,"type":"t","ts":"2026-11-22T04:00:00Z","body":{}}]})") ==
      "events[1].seq");
  CHECK(
      field_of(
          R"({"events":[{"origin":"","epoch":"e","seq":1,"type":"t","ts":"2026-11-22T04:00:00Z","body":{}}]})") ==
      "events[0].origin");
  CHECK(
      field_of(
          R"({"events":[{"origin":"a","epoch":"e","seq":1,"type":"t","ts":"yesterday","body":{}}]})") ==
      "events[0].ts");
  CHECK(
      field_of(
          R"({"events":[{"origin":"a","epoch":"e","seq":1,"type":"t","ts":"2026-11-22T04:00:00Z","body":[]}]})") ==
      "events[0].body");
  CHECK(field_of(R"({"events":[],"backlog":-1})") == "backlog");
  std::string many = R"({"events":[)";
  for (int i = 0; i <= 1000; ++i) many += (i ? "," : "") + kGood;
  CHECK(field_of(many + "]}") == "events");
}

TEST_CASE("a batch's subtree view is read strictly", "[events]") {
  const auto with = [](const std::string& subtree) {
    return R"({"events":[],"subtree":)" + subtree + "}";
  };
  const auto b = parse_event_batch(
      with(R"([{"node":"city/north/ward-1","state":"stale","lastSync":null,"lagSeconds":2.5}])"));
  REQUIRE(b.subtree);
  REQUIRE(b.subtree->size() == 1);
  CHECK((*b.subtree)[0]["state"] == "stale");
  CHECK_FALSE(parse_event_batch(R"({"events":[]})").subtree);
  CHECK(field_of(with(R"({"node":"x"})")) == "subtree");
  CHECK(field_of(with(R"([{"node":"x","state":"down"}])")) == "subtree[0]");
  CHECK(field_of(with(R"([{"state":"fresh"}])")) == "subtree[0]");
  CHECK(field_of(with(R"([{"node":"x","state":"fresh","lagSeconds":"soon"}])")) == "subtree[0]");
  CHECK(field_of(with("[" + std::string(R"({"node":"x","state":"fresh"},)") +
                      R"({"node":"y","state":"fresh"}])")) == "no error");
}
