#include "cap_xml.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "public_feed.hpp"
#include "xml_check.hpp"

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
  Alert earlier = sample();
  earlier.identifier = "ioc-old";
  earlier.sent = 1761548400123;
  a.references = {cap_reference(earlier)};
  const std::string xml = cap_xml(a);
  CHECK(element(xml, "msgType") == "Cancel");
  // As the referenced message's own XML names them.
  const std::string old = cap_xml(earlier);
  CHECK(element(xml, "references") ==
        element(old, "sender") + "," + element(old, "identifier") + "," + element(old, "sent"));
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

TEST_CASE("CAP XML has one info per language and the area's geometry", "[cap]") {
  Alert a = sample();
  a.language = "vi-VN";
  a.headline =
      "N\xc6\xb0\xe1\xbb\x9b"
      "c s\xc3\xb4ng l\xc3\xaan";
  a.instruction = "Tr\xc3\xa1nh xa b\xe1\xbb\x9d s\xc3\xb4ng";
  a.translations = {{"en-US", "River flood", "River rising", "", "Keep away from the bank"}};
  a.areas = {"danang/hai-chau", "danang/son-tra"};
  a.geometry.polygons = {"16.0,108.1 16.1,108.1 16.1,108.3 16.0,108.1"};
  a.geometry.circles = {"16.05,108.2 12.5"};
  a.geometry.geocodes = {{"VN-DN", "48"}};
  a.effective = 1761552000000;
  const std::string xml = cap_xml(a);
  CHECK(test::xml_problem(xml).empty());
  const std::regex info("<info>[\\s\\S]*?</info>");
  std::vector<std::string> infos;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), info); it != std::sregex_iterator();
       ++it)
    infos.push_back(it->str());
  REQUIRE(infos.size() == 2);
  CHECK(element(infos[0], "language") == "vi-VN");
  CHECK(element(infos[0], "instruction") == a.instruction);
  CHECK(element(infos[1], "language") == "en-US");
  CHECK(element(infos[1], "headline") == "River rising");
  for (const auto& i : infos) {
    CHECK(element(i, "severity") == "Severe");
    CHECK(element(i, "effective") == "2025-10-27T08:00:00+00:00");
    CHECK(element(i, "areaDesc") == "danang/hai-chau, danang/son-tra");
    CHECK(element(i, "polygon") == a.geometry.polygons[0]);
    CHECK(element(i, "circle") == "16.05,108.2 12.5");
    CHECK(element(i, "valueName") == "VN-DN");
    CHECK(i.find("<effective>") < i.find("<onset>"));
    CHECK(i.find("<headline>") < i.find("<instruction>"));
    CHECK(i.find("<areaDesc>") < i.find("<polygon>"));
    CHECK(i.find("<circle>") < i.find("<geocode>"));
  }
}

TEST_CASE("the Atom feed is well-formed for any text an alert holds", "[cap]") {
  Alert a = sample();
  a.headline = std::string("</title><script>alert(1)</script>\x01\xff") + "]]>&amp;";
  a.description = "\"quoted\" 'single' <b>bold</b>";
  a.identifier = "id with spaces/and&amp";
  a.sender = "city/<north>";
  a.category = "\"><x";
  Alert b = sample();
  b.sent += 60000;
  const std::string feed = atom_feed("city/north", {b, a});
  CHECK(test::xml_problem(feed).empty());
  CHECK(feed.find("<script>") == std::string::npos);
  CHECK(feed.find("href=\"/public/v1/alerts/id%20with%20spaces%2Fand%26amp.xml\"") !=
        std::string::npos);
  CHECK(element(feed, "updated") == "2025-10-27T08:01:00.000Z");  // the newest entry's
  CHECK(test::xml_problem(atom_feed("empty", {})).empty());
}

TEST_CASE("the Atom feed stops before its size bound", "[cap]") {
  Alert a = sample();
  a.description = std::string(7000, 'x');
  const std::vector<Alert> many(400, a);  // about 3.6 MB of entries
  const std::string feed = atom_feed("city", many);
  CHECK(feed.size() <= kPublicFeedMaxBytes);
  CHECK(test::xml_problem(feed).empty());
}
