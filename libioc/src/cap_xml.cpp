#include "cap_xml.hpp"

#include "utf8.hpp"

namespace ioc {
namespace {

/// CAP 1.2 times: "2025-10-27T08:00:00+00:00" (no fractional seconds, explicit offset).
std::string cap_time(TimeMs t) {
  return format_rfc3339(t).substr(0, 19) + "+00:00";
}

}  // namespace

std::string cap_xml(const Alert& a) {
  std::string x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert "
      "xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n";
  const auto el = [&x](const char* name, const std::string& v, const char* indent = "  ") {
    x += std::string(indent) + "<" + name + ">" + utf8::xml_text(v) + "</" + name + ">\n";
  };
  el("identifier", a.identifier);
  el("sender", a.sender);
  el("sent", cap_time(a.sent));
  el("status", a.status);
  el("msgType", std::string(to_string(a.msg_type)));
  el("scope", a.scope);
  if (!a.references.empty()) {
    std::string refs;
    for (const auto& r : a.references) refs += (refs.empty() ? "" : " ") + r;
    el("references", refs);
  }
  x += "  <info>\n";
  el("language", "en-US", "    ");
  el("category", a.category, "    ");
  el("event", a.event, "    ");
  el("urgency", a.urgency, "    ");
  el("severity", std::string(cap_severity(a.severity)), "    ");
  el("certainty", a.certainty, "    ");
  el("onset", cap_time(a.onset), "    ");
  if (a.expires) el("expires", cap_time(*a.expires), "    ");
  el("senderName", a.sender, "    ");
  el("headline", a.headline, "    ");
  if (!a.description.empty()) el("description", a.description, "    ");
  x += "    <area>\n";
  el("areaDesc", a.area, "      ");
  x += "    </area>\n  </info>\n</alert>\n";
  return x;
}

}  // namespace ioc
