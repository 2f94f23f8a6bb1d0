#include "policy_update.hpp"

#include "crypto_util.hpp"
#include "ioc/error.hpp"

namespace ioc::federation {

using nlohmann::json;
using policy::Grant;

namespace {

std::string signed_text(const std::string& kind, const std::string& issuer, const json& body) {
  return "IOC1-POLICY\n" + kind + "\n" + issuer + "\n" + body.dump();
}

[[noreturn]] void bad(const std::string& field, const std::string& message) {
  throw Error(ErrorCode::kBadRequest, field + ": " + message, field);
}

std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    bad(key, "expected a non-empty string");
  return *it;
}

std::vector<std::string> names(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->empty()) bad(key, "expected a non-empty list");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) bad(key, "expected strings");
    out.push_back(v);
  }
  return out;
}

std::optional<TimeMs> instant(const json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  if (!j[key].is_string()) bad(key, "expected an RFC 3339 time");
  const auto t = parse_rfc3339(j[key].get<std::string>());
  if (!t) bad(key, "expected an RFC 3339 time such as 2026-11-22T08:00:00Z");
  return t;
}

}  // namespace

json PolicyUpdate::to_json() const {
  return json{{"kind", kind}, {"issuer", issuer}, {"body", body}, {"signature", signature}};
}

PolicyUpdate PolicyUpdate::from_json(const json& j) {
  if (!j.is_object()) bad("update", "expected an object");
  PolicyUpdate u{text(j, "kind"), text(j, "issuer"), j.value("body", json()), text(j, "signature")};
  if (u.kind != "grant" && u.kind != "revocation" && u.kind != "policy-set")
    bad("kind", "expected grant, revocation or policy-set");
  if (!u.body.is_object()) bad("body", "expected an object");
  text(u.body, "id");
  return u;
}

PolicyUpdate sign_update(const PrivateKey& key, std::string kind, std::string issuer, json body) {
  const std::string sig = key.sign(signed_text(kind, issuer, body));
  return PolicyUpdate{std::move(kind), std::move(issuer), std::move(body),
                      crypto::base64_encode(sig)};
}

void verify_update(const FederationConfig& fed, const PolicyUpdate& u) {
  const NodeConfig* issuer = fed.find(u.issuer);
  if (!issuer)
    throw Error(ErrorCode::kForbidden, "issuer '" + u.issuer + "' is not in the federation",
                "issuer");
  const auto sig = crypto::base64_decode(u.signature, false);
  if (sig)
    for (const auto& file : issuer->public_keys)
      if (PublicKey::load(file).verify(signed_text(u.kind, u.issuer, u.body), *sig)) return;
  throw Error(ErrorCode::kForbidden,
              "the " + u.kind + " '" + u.id() + "' is not signed by '" + u.issuer + "'",
              "signature");
}

json grant_to_json(const Grant& g) {
  json actions = json::array(), domains = json::array();
  for (int i = 0; i < policy::kActionCount; ++i)
    if (g.actions & (policy::Mask{1} << i))
      actions.push_back(to_string(static_cast<policy::Action>(i)));
  for (int i = 0; i < policy::kDomainCount; ++i)
    if (g.domains & (policy::Mask{1} << i))
      domains.push_back(ioc::to_string(static_cast<Domain>(i)));
  json j{{"id", g.id},         {"to", g.to},     {"actions", actions},
         {"domains", domains}, {"area", g.area}, {"maxSeverity", ioc::to_string(g.max_severity)}};
  if (g.valid_from) j["validFrom"] = format_rfc3339(*g.valid_from);
  if (g.valid_until) j["validUntil"] = format_rfc3339(*g.valid_until);
  if (g.redelegate_depth > 0) {
    j["redelegate"] = {{"depth", g.redelegate_depth}};
    if (g.redelegate_max_duration)
      j["redelegate"]["maxDuration"] = std::to_string(*g.redelegate_max_duration / 1000) + "s";
  }
  return j;
}

Grant grant_from_json(const json& j, const FederationConfig& fed, const std::string& issuer) {
  if (!j.is_object()) bad("grant", "expected an object");
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "to" && key != "actions" && key != "domains" && key != "area" &&
        key != "maxSeverity" && key != "validFrom" && key != "validUntil" && key != "redelegate")
      bad(key, "unknown field");
  Grant g;
  g.id = text(j, "id");
  g.issuer = issuer;
  g.where = "runtime grant by " + issuer;
  g.to = names(j, "to");
  for (const auto& t : g.to) {
    if (!fed.find(t)) bad("to", "unknown node '" + t + "'");
    if (t == issuer) bad("to", "a grant to its own issuer");
  }
  for (const auto& a : names(j, "actions")) {
    const auto parsed = policy::parse_action(a);
    if (!parsed) bad("actions", "unknown action '" + a + "'");
    g.actions |= policy::bit(*parsed);
  }
  for (const auto& d : names(j, "domains")) {
    const auto parsed = parse_domain(d);
    if (!parsed) bad("domains", "unknown domain '" + d + "'");
    g.domains |= policy::bit(*parsed);
  }
  g.area = text(j, "area");
  if (g.area != policy::kGranteeArea && !fed.find(g.area))
    bad("area", "expected 'grantee' or a node id, got '" + g.area + "'");
  if (j.contains("maxSeverity")) {
    const auto s = j["maxSeverity"].is_string()
                       ? parse_severity(j["maxSeverity"].get<std::string>())
                       : std::nullopt;
    if (!s) bad("maxSeverity", "expected minor, moderate, severe or extreme");
    g.max_severity = *s;
  }
  g.valid_from = instant(j, "validFrom");
  g.valid_until = instant(j, "validUntil");
  if (j.contains("redelegate")) {
    const json& r = j["redelegate"];
    if (!r.is_object() || !r.contains("depth") || !r["depth"].is_number_unsigned() ||
        r["depth"].get<int>() > 16)
      bad("redelegate", "expected {depth: 0..16, maxDuration}");
    g.redelegate_depth = r["depth"].get<int>();
    if (r.contains("maxDuration")) {
      const auto d = r["maxDuration"].is_string()
                         ? parse_duration(r["maxDuration"].get<std::string>())
                         : std::nullopt;
      if (!d || *d <= 0) bad("redelegate.maxDuration", "expected a duration such as 7d");
      g.redelegate_max_duration = d;
    }
  }
  return g;
}

}  // namespace ioc::federation
