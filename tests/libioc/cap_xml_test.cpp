#include "cap_xml.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace ioc;

namespace {

std::string element(const std::string& xml, const std::string& name) {
  const std::regex re("<" + name + ">([^<]*)</" + name + ">");
  std::smatch m;
  return std::regex_search(xml, m, re) ? m[1].str() : "<missing>";
}

Alert sample() {
  Alert a;
  a.identifier = "ioc-abc";
  a.sender = "danang/hai-chau";
  a.sent = 1761552000000;
  a.category = "Met";
  a.event = "River flood alarm level 2";
  a.urgency = "Immediate";
  a.severity = Severity::kSevere;
  a.certainty = "Observed";
  a.headline = "River at 2.20 m";
  a.description = "level <2.3> & rising";
  a.area = "danang/hai-chau";
  a.onset = 1761552000000;
  return a;
}

}  // namespace

TEST_CASE("CAP 1.2 XML has the required alert and info elements", "[cap]") {
  const std::string xml = cap_xml(sample());
  CHECK(xml.find("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">") != std::string::npos);
  CHECK(element(xml, "identifier") == "ioc-abc");
  CHECK(element(xml, "sender") == "danang/hai-chau");
  CHECK(element(xml, "sent") == "2025-10-27T08:00:00+00:00");
  CHECK(std::set<std::string>{"Actual", "Exercise", "System", "Test", "Draft"}.count(
      element(xml, "status")));
  CHECK(std::set<std::string>{"Alert", "Update", "Cancel", "Ack", "Error"}.count(
      element(xml, "msgType")));
  CHECK(std::set<std::string>{"Public", "Restricted", "Private"}.count(element(xml, "scope")));
  CHECK(std::set<std::string>{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                              "Transport", "Infra", "CBRNE", "Other"}
            .count(element(xml, "category")));
  CHECK(std::set<std::string>{"Immediate", "Expected", "Future", "Past", "Unknown"}.count(
      element(xml, "urgency")));
  CHECK(element(xml, "severity") == "Severe");
  CHECK(std::set<std::string>{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}.count(
      element(xml, "certainty")));
  CHECK(element(xml, "event") == "River flood alarm level 2");
  CHECK(element(xml, "areaDesc") == "danang/hai-chau");
  // CAP element order inside <alert>: identifier, sender, sent, status, msgType, scope,
  // references?, info
  CHECK(xml.find("<identifier>") < xml.find("<sender>"));
  CHECK(xml.find("<sent>") < xml.find("<status>"));
  CHECK(xml.find("<msgType>") < xml.find("<scope>"));
  CHECK(xml.find("<scope>") < xml.find("<info>"));
  CHECK(xml.find("<certainty>") < xml.find("<headline>"));
  CHECK(xml.find("<headline>") < xml.find("<area>"));
}

TEST_CASE("CAP XML escapes text and carries references on a Cancel", "[cap]") {
  Alert a = sample();
  a.msg_type = CapMsgType::kCancel;
  a.references = {"danang/hai-chau,ioc-old,2025-10-27T07:00:00.000Z"};
  const std::string xml = cap_xml(a);
  CHECK(element(xml, "msgType") == "Cancel");
  CHECK(element(xml, "references") == "danang/hai-chau,ioc-old,2025-10-27T07:00:00.000Z");
  CHECK(xml.find("<references>") < xml.find("<info>"));
  CHECK(element(xml, "description") == "level &lt;2.3&gt; &amp; rising");
  a.expires = 1761555600000;
  CHECK(element(cap_xml(a), "expires") == "2025-10-27T09:00:00+00:00");
}

TEST_CASE("CAP XML drops characters XML forbids and replaces bytes that are not UTF-8", "[cap]") {
  Alert a = sample();
  a.headline = std::string("Flood\x01 at \x1b[31mHai Chau\x0b") + "\xff\xfe" + "\xef\xbf\xbf!";
  a.event = "L\xc5\xa9 qu\xc3\xa9t\ttab\nline";  // Vietnamese, a tab and a newline stay
  const std::string xml = cap_xml(a);
  CHECK(element(xml, "headline") == "Flood at [31mHai Chau\xef\xbf\xbd\xef\xbf\xbd!");
  CHECK(element(xml, "event") == "L\xc5\xa9 qu\xc3\xa9t\ttab\nline");
  for (const char c : xml)
    CHECK_FALSE((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r'));
}
