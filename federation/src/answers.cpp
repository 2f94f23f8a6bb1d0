#include "answers.hpp"

#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw Error(ErrorCode::kBadRequest, field + ": " + what, field);
}

const json& member(const json& o, const char* key, const std::string& where) {
  const auto it = o.find(key);
  if (it == o.end()) bad(where + key, "missing");
  return *it;
}

std::string text(const json& o, const char* key, const std::string& where) {
  const json& v = member(o, key, where);
  if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
      v.get_ref<const std::string&>().size() > 256)
    bad(where + key, "expected a non-empty string of at most 256 bytes");
  return v;
}

std::int64_t seq_of(const json& o, const char* key, const std::string& where) {
  const json& v = member(o, key, where);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    bad(where + key, "expected a whole number");
  return v;
}

json object_body(std::string_view body) {
  json j = codec::parse_external(body);
  if (!j.is_object()) bad("body", "expected an object");
  return j;
}

}  // namespace

std::string acked_to_json(const Acked& acked) {
  json out = json::object();
  for (const auto& [origin, epochs] : acked) {
    json list = json::array();
    for (const auto& [epoch, seq] : epochs) list.push_back({{"epoch", epoch}, {"seq", seq}});
    out[origin] = std::move(list);
  }
  return json{{"acked", out}}.dump();
}

Acked parse_acked(std::string_view text_in) {
  const json j = object_body(text_in);
  const json& acked = member(j, "acked", "");
  if (!acked.is_object()) bad("acked", "expected an object");
  Acked out;
  for (const auto& [origin, list] : acked.items()) {
    if (!list.is_array()) bad("acked." + origin, "expected a list of {epoch, seq}");
    for (const auto& e : list) {
      if (!e.is_object()) bad("acked." + origin, "expected {epoch, seq}");
      out[origin][text(e, "epoch", "acked." + origin + ".")] =
          seq_of(e, "seq", "acked." + origin + ".");
    }
  }
  return out;
}

Hello parse_hello(std::string_view text_in) {
  const json j = object_body(text_in);
  Hello h;
  const json& versions = member(j, "protocolVersions", "");
  if (!versions.is_array()) bad("protocolVersions", "expected a list");
  for (const auto& v : versions) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() > 16)
      bad("protocolVersions", "expected short strings");
    h.protocol_versions.push_back(v);
  }
  if (const auto p = j.find("policyVersion"); p != j.end() && p->is_string())
    h.policy_version = p->get<std::string>().substr(0, 64);
  if (const auto holds = j.find("holds"); holds != j.end()) {
    if (!holds->is_array()) bad("holds", "expected a list of {epoch, seq}");
    for (const auto& e : *holds) {
      if (!e.is_object()) bad("holds", "expected {epoch, seq}");
      h.holds[text(e, "epoch", "holds.")] = seq_of(e, "seq", "holds.");
    }
  }
  return h;
}

DownPage parse_down_page(std::string_view text_in, std::int64_t after) {
  json j = object_body(text_in);
  json& events = j["events"];
  if (!events.is_array()) bad("events", "expected a list");
  DownPage page;
  std::int64_t last = after;
  for (std::size_t i = 0; i < events.size(); ++i) {
    json& e = events[i];
    const std::string where = "events[" + std::to_string(i) + "].";
    if (!e.is_object()) bad(where.substr(0, where.size() - 1), "expected an object");
    DownEntry entry;
    entry.seq = seq_of(e, "seq", where);
    if (entry.seq <= last) bad(where + "seq", "must follow the one before it");
    last = entry.seq;
    entry.type = text(e, "type", where);
    json& body = e["body"];
    if (!body.is_object()) bad(where + "body", "expected an object");
    entry.body = std::move(body);
    page.entries.push_back(std::move(entry));
  }
  return page;
}

}  // namespace ioc::federation
