#include "cap_xml.hpp"

#include "utf8.hpp"

namespace ioc {

std::string cap_time(TimeMs t) {
  return format_rfc3339(t).substr(0, 19) + "+00:00";
}

std::string cap_reference(const Alert& earlier) {
  return earlier.sender + "," + earlier.identifier + "," + cap_time(earlier.sent);
}

std::optional<CapReference> parse_cap_reference(const std::string& text) {
  const auto a = text.find(','), b = a == std::string::npos ? a : text.find(',', a + 1);
  if (b == std::string::npos || text.find(',', b + 1) != std::string::npos) return std::nullopt;
  CapReference r{text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
  if (r.sender.empty() || r.identifier.empty() || r.sent.empty()) return std::nullopt;
  return r;
}

std::string replaced_alert(const Alert& m) {
  const bool replaces =
      m.msg_type == CapMsgType::kCancel || (m.msg_type == CapMsgType::kUpdate && m.active);
  if (!replaces || m.references.empty()) return {};
  const auto ref = parse_cap_reference(m.references.front());
  return ref ? ref->identifier : std::string();
}

std::string cap_element(const Alert& a) {
  std::string x = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n";
  const auto el = [&x](const char* name, const std::string& v, const char* indent) {
    x += std::string(indent) + "<" + name + ">" + utf8::xml_text(v) + "</" + name + ">\n";
  };
  const auto top = [&el](const char* name, const std::string& v) { el(name, v, "  "); };
  const auto info = [&el](const char* name, const std::string& v) { el(name, v, "    "); };
  const auto area = [&el](const char* name, const std::string& v) { el(name, v, "      "); };
  top("identifier", a.identifier);
  top("sender", a.sender);
  top("sent", cap_time(a.sent));
  top("status", a.status);
  top("msgType", std::string(to_string(a.msg_type)));
  top("scope", a.scope);
  if (!a.references.empty()) {
    std::string refs;
    for (const auto& r : a.references) refs += (refs.empty() ? "" : " ") + r;
    top("references", refs);
  }
  std::string area_desc;
  for (const auto& n : a.areas.empty() ? std::vector<std::string>{a.area} : a.areas)
    area_desc += (area_desc.empty() ? "" : ", ") + n;
  std::vector<AlertText> texts{
      AlertText{a.language, a.event, a.headline, a.description, a.instruction}};
  texts.insert(texts.end(), a.translations.begin(), a.translations.end());
  for (const auto& t : texts) {
    x += "  <info>\n";
    info("language", t.language);
    info("category", a.category);
    info("event", t.event);
    info("urgency", a.urgency);
    info("severity", std::string(cap_severity(a.severity)));
    info("certainty", a.certainty);
    if (a.effective) info("effective", cap_time(*a.effective));
    info("onset", cap_time(a.onset));
    if (a.expires) info("expires", cap_time(*a.expires));
    info("senderName", a.sender);
    info("headline", t.headline);
    if (!t.description.empty()) info("description", t.description);
    if (!t.instruction.empty()) info("instruction", t.instruction);
    x += "    <area>\n";
    area("areaDesc", area_desc);
    for (const auto& p : a.geometry.polygons) area("polygon", p);
    for (const auto& c : a.geometry.circles) area("circle", c);
    for (const auto& [name, value] : a.geometry.geocodes) {
      x += "      <geocode>\n";
      el("valueName", name, "        ");
      el("value", value, "        ");
      x += "      </geocode>\n";
    }
    x += "    </area>\n  </info>\n";
  }
  x += "</alert>\n";
  return x;
}

std::string cap_xml(const Alert& a) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + cap_element(a);
}

}  // namespace ioc
