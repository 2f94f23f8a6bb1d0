// libFuzzer target for the policy loader: the text of one policy file (Authority, Sharing or
// Escalation) loaded against Da Nang's eleven nodes. Either it loads into a set that keeps the
// delegation invariant (every grant lies inside the grant it was issued under) and whose engine
// agrees with its own explanations, or it throws ioc::Error naming file:line:col.
#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "ioc/error.hpp"
#include "ioc/federation/policy_engine.hpp"

namespace {

const char* kNodes[] = {"danang",           "danang/hai-chau",     "danang/thanh-khe",
                        "danang/son-tra",   "danang/ngu-hanh-son", "danang/lien-chieu",
                        "danang/cam-le",    "danang/hoa-vang",     "danang/health",
                        "danang/education", "danang/trade"};

struct Setup {
  std::string dir, policy;
  ioc::FederationConfig fed;
  Setup() {
    char tmpl[] = "/tmp/ioc-policy-fuzz-XXXXXX";
    dir = mkdtemp(tmpl);
    policy = dir + "/policy.yaml";
    std::ofstream out(dir + "/federation.yaml");
    out << "apiVersion: ioc/v1\nkind: Federation\nname: danang\nnodes:\n";
    for (const char* id : kNodes)
      out << "  - {id: " << id << ", kind: district, endpoint: 'http://127.0.0.1:1', publicKey: k"
          << (std::string(id) == "danang" ? "" : ", parent: danang") << "}\n";
    out << "policies: [policy.yaml]\n";
    out.close();
    fed = ioc::load_federation(dir + "/federation.yaml");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Setup setup;
  {
    std::ofstream out(setup.policy, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ioc::policy::PolicySet set;
  try {
    set = ioc::policy::load_policies(setup.fed);
  } catch (const ioc::Error& e) {
    if (std::string(e.what()).rfind(setup.policy + ":", 0) != 0) std::abort();  // no location
    return 0;
  }
  for (const auto& g : set.grants) {
    if (g.parent.empty()) {
      if (g.issuer != "danang") std::abort();
      continue;
    }
    const ioc::policy::Grant* parent = nullptr;
    for (const auto& p : set.grants)
      if (p.id == g.parent) parent = &p;
    if (!parent || ioc::policy::wider_than(setup.fed, g, *parent)) std::abort();
  }
  const ioc::policy::Engine engine(setup.fed, set);
  std::uint64_t h = size;
  for (std::size_t i = 0; i < size; ++i) h = h * 131 + data[i];
  for (int n = 0; n < 32; ++n, h = h * 6364136223846793005ULL + 1442695040888963407ULL) {
    ioc::policy::Question q;
    q.subject = kNodes[(h >> 8) % 11];
    q.area = kNodes[(h >> 16) % 11];
    q.action = static_cast<ioc::policy::Action>((h >> 24) % ioc::policy::kActionCount);
    q.domain = static_cast<ioc::Domain>((h >> 32) % ioc::policy::kDomainCount);
    q.severity = static_cast<ioc::Severity>((h >> 40) % 4);
    q.at = static_cast<ioc::TimeMs>((h >> 20) % 4'000'000'000'000ULL);
    if (engine.allows(q) != engine.explain(q).allowed) std::abort();
  }
  return 0;
}
