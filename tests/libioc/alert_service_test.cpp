#include "alert_service.hpp"

#include <catch2/catch.hpp>

#include "alert_request.hpp"
#include "cap_xml.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "test_context.hpp"

using namespace ioc;
using nlohmann::json;

namespace {

json typhoon() {
  return json{{"category", "Met"},
              {"urgency", "Immediate"},
              {"severity", "Severe"},
              {"certainty", "Likely"},
              {"domain", "flood"},
              {"language", "vi-VN"},
              {"event", "B\xc3\xa3o"},
              {"headline", "B\xc3\xa3o s\xe1\xbb\x91 9 \xc4\x91\xe1\xba\xbfn"},
              {"instruction", "Di d\xe1\xbb\x9di"},
              {"translations",
               {{{"language", "en-US"},
                 {"event", "Typhoon"},
                 {"headline", "Typhoon 9 approaching"},
                 {"instruction", "Move to higher ground"}}}},
              {"areas", {"city/north", "city/south"}},
              {"geometry",
               {{"polygons", {"16.0,108.1 16.1,108.1 16.1,108.3 16.0,108.1"}},
                {"circles", {"16.05,108.2 12.5"}},
                {"geocodes", {{{"valueName", "VN-DN"}, {"value", "48"}}}}}}};
}

// The field an alert request is refused for (empty if it is taken).
std::string refused_field(const json& body) {
  try {
    alert_from_request(body, 1761552000000);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kBadRequest);
    return e.field();
  }
  return "";
}

json with(json j, const std::string& key, const json& value) {
  j[key] = value;
  return j;
}

class DenyArea final : public Authorizer {
 public:
  Decision decide(const AuthzRequest& r) const override {
    if (r.action != OperatorAction::kPublishAlert)
      return {false, "", "only alerts in this test", "action"};
    if (r.area == "city/south") return {false, "", "area 'city/south' is not granted", "area"};
    return {true, "grant-1", "", ""};
  }
};

struct Fixture {
  explicit Fixture(const std::string& node = "city", std::unique_ptr<Authorizer> a = nullptr)
      : t(node, std::move(a)), op{"alice", Role::kOperator, node} {}
  test::TestContext t;
  AlertService service{t.ctx};
  Actor op;

  Alert publish(const json& body) {
    return wait_for<Alert>([&](Completion<Alert> done) { service.publish(op, body, done); });
  }
  std::pair<ErrorCode, std::string> refusal(const json& body) {
    try {
      publish(body);
    } catch (const Error& e) {
      return {e.code(), e.field()};
    }
    return {ErrorCode::kInternal, "taken"};
  }
};

}  // namespace

TEST_CASE("an operator's alert request is read field by field", "[alerts]") {
  const Alert a = alert_from_request(typhoon(), 1761552000000);
  CHECK(a.language == "vi-VN");
  REQUIRE(a.translations.size() == 1);
  CHECK(a.translations[0].headline == "Typhoon 9 approaching");
  CHECK(a.areas == std::vector<std::string>{"city/north", "city/south"});
  CHECK(a.geometry.geocodes[0] == std::pair<std::string, std::string>{"VN-DN", "48"});
  CHECK(a.domain == Domain::kFlood);
  CHECK(a.onset == 1761552000000);  // now, when neither onset nor effective is given
  CHECK(a.scope == "Public");
}

TEST_CASE("every bad field of an alert request is refused by name", "[alerts]") {
  const json ok = typhoon();
  CHECK(refused_field(with(ok, "colour", "red")) == "colour");
  CHECK(refused_field(with(ok, "severity", "severe")) == "severity");  // CAP words are capitalised
  CHECK(refused_field(with(ok, "urgency", nullptr)) == "urgency");
  CHECK(refused_field(with(ok, "scope", "Private")) == "scope");
  CHECK(refused_field(with(ok, "domain", "weather")) == "domain");
  CHECK(refused_field(with(ok, "headline", "")) == "headline");
  CHECK(refused_field(with(ok, "headline", std::string(201, 'x'))) == "headline");
  CHECK(refused_field(with(ok, "language", "vi_VN")) == "language");
  CHECK(refused_field(with(ok, "translations", {{{"event", "x"}, {"headline", "y"}}})) ==
        "translations[0].language");
  CHECK(refused_field(with(ok, "translations",
                           {{{"language", "vi-VN"}, {"event", "x"}, {"headline", "y"}}})) ==
        "translations[0].language");  // given twice
  CHECK(refused_field(with(ok, "translations", {{{"language", "en"}, {"event", "x"}}})) ==
        "translations[0].headline");
  CHECK(refused_field(with(ok, "areas", {"city/north", 7})) == "areas[1]");
  CHECK(refused_field(with(ok, "areas", {"city/north", "city/north"})) == "areas[1]");
  json no_place = ok;
  no_place.erase("geometry");
  CHECK(refused_field(with(no_place, "areas", json::array())) == "areas");
  CHECK(refused_field(with(ok, "geometry", {{"polygons", {"16,108 16.1,108 16,108.1"}}})) ==
        "geometry.polygons[0]");  // not closed, and too few points
  CHECK(refused_field(with(ok, "geometry", {{"polygons", {"16,108 16.1,108 91,108.1 16,108"}}})) ==
        "geometry.polygons[0]");
  CHECK(refused_field(with(ok, "geometry", {{"circles", {"16,108 0"}}})) == "geometry.circles[0]");
  CHECK(refused_field(with(ok, "geometry", {{"circles", {"16,108 nan"}}})) ==
        "geometry.circles[0]");
  CHECK(refused_field(with(ok, "geometry", {{"geocodes", {{{"valueName", "x"}}}}})) ==
        "geometry.geocodes[0].value");
  CHECK(refused_field(with(ok, "geometry", {{"squares", json::array()}})) == "geometry.squares");
  CHECK(refused_field(with(ok, "expires", "2025-10-27T07:00:00Z")) == "expires");  // past
  CHECK(refused_field(with(ok, "effective", "tomorrow")) == "effective");
  CHECK(refused_field(with(with(ok, "onset", "2025-10-27T12:00:00Z"), "expires",
                           "2025-10-27T10:00:00Z")) == "expires");
  CHECK(refused_field(with(ok, "msgType", "Ack")) == "msgType");
}

TEST_CASE("a published alert is stored, logged and streamed once committed", "[alerts]") {
  Fixture f;
  const Alert a = f.publish(typhoon());
  CHECK(a.sender == "city");
  CHECK(a.area == "city/north");
  CHECK(a.sent % 1000 == 0);
  CHECK(a.active);
  const auto held = f.t.store.alert(a.identifier);
  REQUIRE(held);
  CHECK(held->translations.size() == 1);
  CHECK(held->geometry.circles == std::vector<std::string>{"16.05,108.2 12.5"});
  const auto logged = f.t.store.events_after(0, 10);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].type == "alert");
  CHECK(json::parse(logged[0].body)["identifier"] == a.identifier);
  REQUIRE(f.t.sink.messages.size() == 1);
  CHECK(json::parse(f.t.sink.messages[0])["data"]["headline"] == a.headline);
  CHECK(f.t.metrics.alerts_raised == 1);
}

TEST_CASE("an update inherits what it does not change and replaces the alert in force",
          "[alerts]") {
  Fixture f;
  const Alert first = f.publish(typhoon());
  f.t.clock.t += 60000;
  const Alert update =
      f.publish(json{{"msgType", "Update"},
                     {"references", first.identifier},
                     {"severity", "Extreme"},
                     {"headline", "B\xc3\xa3o s\xe1\xbb\x91 9 m\xe1\xba\xa1nh h\xc6\xa1n"}});
  CHECK(update.msg_type == CapMsgType::kUpdate);
  CHECK(update.severity == Severity::kExtreme);
  CHECK(update.event == first.event);
  CHECK(update.translations.size() == 1);
  CHECK(update.areas == first.areas);
  CHECK(update.references == std::vector<std::string>{cap_reference(first)});
  CHECK_FALSE(f.t.store.alert(first.identifier)->active);
  CHECK(f.t.store.alert(update.identifier)->active);

  // The replaced one can be neither updated nor cancelled again; the update can be cancelled.
  CHECK(f.refusal({{"msgType", "Cancel"}, {"references", first.identifier}}) ==
        std::pair{ErrorCode::kConflict, std::string("references")});
  const Alert cancel = f.publish({{"msgType", "Cancel"}, {"references", update.identifier}});
  CHECK_FALSE(cancel.active);
  CHECK(f.t.store.active_alerts().empty());
  CHECK(f.refusal({{"msgType", "Cancel"}, {"references", "ioc-none"}}) ==
        std::pair{ErrorCode::kNotFound, std::string("references")});
  CHECK(f.refusal({{"msgType", "Update"}}) ==
        std::pair{ErrorCode::kBadRequest, std::string("references")});
  CHECK(f.refusal(with(typhoon(), "references", first.identifier)) ==
        std::pair{ErrorCode::kBadRequest, std::string("references")});
}

TEST_CASE("two cancels of one alert: the writer takes the first and refuses the second",
          "[alerts]") {
  Fixture f;
  const Alert a = f.publish(typhoon());
  std::promise<std::exception_ptr> first, second;
  const json cancel{{"msgType", "Cancel"}, {"references", a.identifier}};
  // The second is refused by the writer if both got past the first look, or at that look if the
  // first committed already: either way with 409.
  const auto publish = [&](std::promise<std::exception_ptr>& outcome) {
    try {
      f.service.publish(f.op, cancel, [&](Alert, std::exception_ptr e) { outcome.set_value(e); });
    } catch (...) {
      outcome.set_value(std::current_exception());
    }
  };
  publish(first);
  publish(second);
  CHECK_FALSE(first.get_future().get());
  const auto e = second.get_future().get();
  REQUIRE(e);
  try {
    std::rethrow_exception(e);
  } catch (const Error& err) {
    CHECK(err.code() == ErrorCode::kConflict);
  }
  CHECK(f.t.store.alerts(AlertQuery{}).items.size() == 2);  // the alert and one Cancel
}

TEST_CASE("a node warns only its own subtree, as far as its grants reach", "[alerts]") {
  Fixture north("city/north");
  CHECK(north.refusal(with(typhoon(), "areas", {"city/north", "city/south"})) ==
        std::pair{ErrorCode::kForbidden, std::string("areas[1]")});
  CHECK(north.refusal(with(typhoon(), "areas", {"atlantis"})) ==
        std::pair{ErrorCode::kBadRequest, std::string("areas[0]")});
  Fixture city("city", std::make_unique<DenyArea>());
  CHECK(city.refusal(typhoon()) == std::pair{ErrorCode::kForbidden, std::string("area")});
  CHECK(city.t.store.alerts(AlertQuery{}).items.empty());
  CHECK(city.publish(with(typhoon(), "areas", {"city/north"})).area == "city/north");
}

TEST_CASE("an alert of another node's cannot be changed here", "[alerts]") {
  Fixture f;
  Alert theirs = alert_from_request(typhoon(), f.t.clock.now());
  theirs.identifier = "ioc-theirs";
  theirs.sender = "city/north";
  theirs.area = "city/north";
  f.t.writes.run([&](WriteContext& w) { w.writer.insert_alert(theirs); });
  CHECK(f.refusal({{"msgType", "Cancel"}, {"references", "ioc-theirs"}}) ==
        std::pair{ErrorCode::kForbidden, std::string("references")});
  CHECK(f.t.store.alert("ioc-theirs")->active);
}
