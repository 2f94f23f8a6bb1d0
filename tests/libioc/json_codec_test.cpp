#include "json_codec.hpp"

#include <catch2/catch.hpp>

using namespace ioc;

TEST_CASE("alerts round-trip through JSON", "[codec]") {
  Alert a;
  a.identifier = "ioc-1";
  a.sender = "city";
  a.sent = 1761552000123;
  a.msg_type = CapMsgType::kCancel;
  a.category = "Met";
  a.event = "Flood";
  a.urgency = "Past";
  a.severity = Severity::kExtreme;
  a.certainty = "Observed";
  a.headline = "h";
  a.area = "city/north";
  a.onset = 5;
  a.expires = 1761555600000;
  a.references = {"city,ioc-0,2025-10-27T07:00:00.000Z"};
  a.rule_id = "r1";
  a.active = false;
  const auto j = codec::to_json(a);
  CHECK(j["msgType"] == "Cancel");
  CHECK(j["severity"] == "Extreme");
  CHECK(j["sent"] == "2025-10-27T08:00:00.123Z");
  const Alert b = codec::alert_from_json(j);
  CHECK(codec::to_json(b) == j);
}

TEST_CASE("incidents and service requests round-trip through JSON", "[codec]") {
  Incident i;
  i.id = "inc-1";
  i.domain = Domain::kFireRescue;
  i.severity = Severity::kSevere;
  i.area = "city";
  i.title = "Fire";
  i.location.lon = 108.2;
  i.origin = "city/north";
  i.owner = "city";
  i.version = 4;
  i.status = IncidentStatus::kDispatched;
  i.alert_id = "ioc-9";
  auto j = codec::to_json(i);
  CHECK(j["location"]["lat"].is_null());
  CHECK(j["domain"] == "fire-rescue");
  j.erase("history");
  auto back = codec::to_json(codec::incident_from_json(j));
  back.erase("history");
  CHECK(back == j);

  ServiceRequest r;
  r.id = "sr-1";
  r.service_code = "pothole";
  r.lat = 16.0;
  r.lon = 108.0;
  r.closed = 42;
  const auto rj = codec::to_json(r);
  CHECK(rj["long"] == 108.0);
  CHECK(codec::to_json(codec::service_request_from_json(rj)) == rj);
}

TEST_CASE("the error body has code, message and field", "[codec]") {
  const auto j =
      nlohmann::json::parse(codec::error_body("bad_request", "value must be finite", "[2].value"));
  CHECK(j["error"]["code"] == "bad_request");
  CHECK(j["error"]["message"] == "value must be finite");
  CHECK(j["error"]["field"] == "[2].value");
  CHECK(nlohmann::json::parse(codec::error_body("internal", "x", ""))["error"]["field"].is_null());
}
