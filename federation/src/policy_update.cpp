#include "policy_update.hpp"

#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "policy_reader.hpp"

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
  if (signed_by(*issuer, signed_text(u.kind, u.issuer, u.body), u.signature)) return;
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
  try {
    // JSON is YAML: the grant goes through the same reader as a grant in an Authority file.
    yaml::MapReader r("grant", yaml::load_text("grant", j.dump()), "");
    Grant g = policy::read_grant(r, fed, issuer);
    g.where = "runtime grant by " + issuer;
    return g;
  } catch (const Error& e) {
    // "grant:1:40: error: actions: unknown action ..." -> "actions: unknown action ..."
    const std::string message = e.what();
    const auto at = message.find(": error: ");
    throw Error(ErrorCode::kBadRequest, at == std::string::npos ? message : message.substr(at + 9),
                e.field());
  }
}

}  // namespace ioc::federation
