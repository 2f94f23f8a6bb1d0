#include "rule_engine.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace ioc;

namespace {

struct Fixture {
  ioc::test::TempDir dir;
  FederationConfig fed = load_federation(ioc::test::write_test_federation(dir.path()));
  RuleEngine engine{load_node_config(fed, "city").rules, fed, "city"};
  std::vector<RuleEffect> out;

  void feed(const std::string& metric, const std::string& area, double value, TimeMs ts) {
    engine.evaluate(Observation{"s", metric, ts, value, "u", area, {}}, 1000, out);
  }
};

}  // namespace

TEST_CASE("crossing raises one alert, staying above raises nothing more", "[rules]") {
  Fixture f;
  f.feed("river_level", "city/north", 2.0, 0);
  CHECK(f.out.empty());
  f.feed("river_level", "city/north", 2.3, 1);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].message.msg_type == CapMsgType::kAlert);
  CHECK(f.out[0].message.area == "city/north");
  CHECK(f.out[0].message.severity == Severity::kSevere);
  CHECK(f.out[0].message.sender == "city");
  CHECK(f.out[0].rule->id == "river-2");
  f.feed("river_level", "city/north", 2.5, 2);
  CHECK(f.out.size() == 1);
}

TEST_CASE("hysteresis: the value must fall past threshold minus hysteresis to cancel", "[rules]") {
  Fixture f;
  f.feed("river_level", "city/north", 2.3, 1);
  const std::string id = f.out.at(0).message.identifier;
  f.feed("river_level", "city/north", 2.15, 2);  // below 2.2 but within 0.1 hysteresis
  CHECK(f.out.size() == 1);
  f.feed("river_level", "city/north", 2.05, 3);
  REQUIRE(f.out.size() == 2);
  const auto& cancel = f.out[1];
  CHECK(cancel.message.msg_type == CapMsgType::kCancel);
  CHECK(cancel.cancels == id);
  REQUIRE(cancel.message.references.size() == 1);
  CHECK(cancel.message.references[0].find("city," + id + ",") == 0);
  f.feed("river_level", "city/north", 2.3, 4);
  CHECK(f.out.size() == 3);  // a new crossing raises a new alert
  CHECK(f.out[2].message.identifier != id);
}

TEST_CASE("one active alert per rule and area node", "[rules]") {
  Fixture f;
  f.feed("river_level", "city/north", 2.3, 1);
  f.feed("river_level", "city/south", 2.3, 1);
  f.feed("river_level", "city/north", 2.4, 2);
  CHECK(f.out.size() == 2);
}

TEST_CASE("a rule only sees observations inside its area subtree", "[rules]") {
  Fixture f;
  f.feed("pm25", "city/south", 80, 0);
  f.feed("pm25", "city/south", 80, 600'000);
  CHECK(f.out.empty());
  f.feed("pm25", "city", 80, 0);
  f.feed("pm25", "city", 80, 600'000);
  CHECK(f.out.empty());
  f.feed("other", "city/north", 80, 0);
  CHECK(f.out.empty());
}

TEST_CASE("'for' needs the condition to hold for the whole duration", "[rules]") {
  Fixture f;
  f.feed("pm25", "city/north", 60, 0);
  f.feed("pm25", "city/north", 60, 240'000);
  CHECK(f.out.empty());
  f.feed("pm25", "city/north", 40, 250'000);  // dips: the timer restarts
  f.feed("pm25", "city/north", 60, 260'000);
  f.feed("pm25", "city/north", 60, 500'000);
  CHECK(f.out.empty());
  f.feed("pm25", "city/north", 60, 560'000);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].message.onset == 560'000);
}

TEST_CASE("restore remembers active alerts so a restart cancels them", "[rules]") {
  Fixture f;
  Alert active;
  active.identifier = "ioc-old";
  active.sender = "city";
  active.rule_id = "river-2";
  active.area = "city/north";
  f.engine.restore({active});
  f.feed("river_level", "city/north", 2.4, 1);
  CHECK(f.out.empty());
  f.feed("river_level", "city/north", 1.0, 2);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].cancels == "ioc-old");
}

TEST_CASE("rewinding to a mark undoes the evaluations of a failed job", "[rules]") {
  Fixture f;
  const auto before = f.engine.mark();
  f.feed("river_level", "city/north", 2.3, 1);
  f.engine.rewind(*before);
  f.out.clear();
  f.feed("river_level", "city/north", 2.3, 2);
  CHECK(f.out.size() == 1);
}

TEST_CASE("a reset takes the active alerts from the store again", "[rules]") {
  Fixture f;
  f.feed("river_level", "city/north", 2.3, 1);  // raised in memory, never stored
  f.engine.reset({});
  f.out.clear();
  f.feed("river_level", "city/north", 2.3, 2);
  CHECK(f.out.size() == 1);  // raised again: nothing was active
}

TEST_CASE("a missingFor rule raises when its metric goes quiet and cancels when it arrives",
          "[rules]") {
  ioc::test::TempDir dir;
  const auto fed = load_federation(ioc::test::write_test_federation(dir.path()));
  Rule rule;
  rule.id = "report-late";
  rule.metric = "daily_report";
  rule.area = "city/north";
  rule.comparison = Comparison::kMissing;
  rule.missing_for = 3'600'000;
  rule.alert.event = "Daily report late";
  rule.alert.headline = "Daily report late";
  RuleEngine engine({rule}, fed, "city");
  std::vector<RuleEffect> out;
  const TimeMs start = 1'000'000'000;
  engine.check_missing(start, out);  // the timer starts with the node
  engine.check_missing(start + 3'599'999, out);
  CHECK(out.empty());
  engine.check_missing(start + 3'600'000, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.msg_type == CapMsgType::kAlert);
  CHECK(out[0].message.area == "city/north");
  CHECK(out[0].message.description.find("no daily_report for city/north since") !=
        std::string::npos);
  engine.check_missing(start + 7'200'000, out);
  CHECK(out.size() == 1);  // raised once while it stays quiet
  // A report anywhere in the area cancels it; the next one is due an hour after it arrived.
  const TimeMs arrived = start + 8'000'000;
  engine.evaluate(Observation{"dept", "daily_report", arrived, 1, "", "city/north", {}}, arrived,
                  out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].message.msg_type == CapMsgType::kCancel);
  CHECK(out[1].cancels == out[0].message.identifier);
  engine.check_missing(arrived + 3'599'999, out);
  CHECK(out.size() == 2);
  engine.check_missing(arrived + 3'600'000, out);
  CHECK(out.size() == 3);
  // Another metric or an area outside the rule's subtree does not count as the report.
  engine.evaluate(Observation{"dept", "other", arrived, 1, "", "city/north", {}}, arrived, out);
  engine.evaluate(Observation{"dept", "daily_report", arrived, 1, "", "city/south", {}}, arrived,
                  out);
  CHECK(out.size() == 3);
}

TEST_CASE("restore leaves alone another node's alert that names a rule of the same id", "[rules]") {
  Fixture f;
  Alert theirs;
  theirs.identifier = "ioc-theirs";
  theirs.sender = "city/north";  // replicated up, or sent down: its rule is not this node's
  theirs.rule_id = "river-2";
  theirs.area = "city/north";
  f.engine.restore({theirs});
  f.feed("river_level", "city/north", 2.4, 1);
  REQUIRE(f.out.size() == 1);  // this node's rule raises its own alert
  CHECK(f.out[0].cancels.empty());
}
