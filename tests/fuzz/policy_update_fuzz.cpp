// libFuzzer target for runtime grants and revocations as they arrive from any node: the input is
// an update {"kind", "issuer", "body"}; when the issuer is a node of the federation the harness
// signs it with that node's key (so the fuzzer reaches past the signature), then the node checks
// and adopts it as it would from a peer. Whatever is adopted must keep the rules of the routes
// that issue them: a grant lies inside a grant its issuer holds (or comes from the root), a
// revocation comes from the grant's issuer, one above it, or the root.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_node.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/policy_engine.hpp"
#include "json_codec.hpp"
#include "policy_update.hpp"

namespace {

const char* kAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: north-ops
    to: [city/north]
    actions: [view, acknowledge, dispatch]
    domains: [flood, traffic]
    area: grantee
    redelegate: {depth: 2, maxDuration: 7d}
)";

struct Setup {
  ioc::fuzz::FuzzNode node{"city"};
  std::unique_ptr<ioc::federation::PolicyState> state;
  Setup() {
    ioc::test::write_file(node.dir / "authority.yaml", kAuthority);
    ioc::test::write_file(
        node.dir / "federation.yaml",
        ioc::test::read_file(node.dir / "federation.yaml") + "policies: [authority.yaml]\n");
    state = std::make_unique<ioc::federation::PolicyState>(
        ioc::load_federation(node.dir / "federation.yaml"));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Setup setup;
  auto& state = *setup.state;
  nlohmann::json j;
  try {
    j = ioc::codec::parse_external(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ioc::Error&) {
    return 0;
  }
  if (!j.is_object() || !j.contains("issuer") || !j["issuer"].is_string()) return 0;
  const std::string issuer = j["issuer"];
  const auto fed = state.federation();
  if (fed->find(issuer)) {
    const auto key = ioc::federation::PrivateKey::load(
        setup.node.dir / ("keys/" + ioc::federation::key_file_stem(issuer) + ".key"));
    // Signed as the issuer would sign it; fields of the wrong type are for from_json to refuse.
    const auto kind = j.find("kind");
    j["signature"] = ioc::federation::sign_update(
                         key, kind != j.end() && kind->is_string() ? kind->get<std::string>() : "",
                         issuer, j.value("body", nlohmann::json()))
                         .signature;
  }
  ioc::federation::PolicyUpdate u;
  try {
    u = ioc::federation::PolicyUpdate::from_json(j);
    ioc::federation::verify_update(*fed, u);
  } catch (const ioc::Error& e) {
    if (e.field().empty()) std::abort();
    return 0;
  }
  const auto now = setup.node.clock.now();
  bool passes = true;
  try {
    state.check_update(u, now);
  } catch (const ioc::Error&) {
    passes = false;
  }
  const bool adopted = state.adopt(u, now);
  if (adopted && !passes) std::abort();
  // Every grant in force lies inside its parent.
  const auto engine = state.engine();
  for (const auto& g : engine->policies().grants) {
    if (g.parent.empty()) {
      if (g.issuer != fed->root()) std::abort();
      continue;
    }
    const ioc::policy::Grant* parent = nullptr;
    for (const auto& p : engine->policies().grants)
      if (p.id == g.parent) parent = &p;
    if (!parent || ioc::policy::wider_than(*fed, g, *parent)) std::abort();
  }
  return 0;
}
