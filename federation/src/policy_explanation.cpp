// An explanation as JSON, for the authorize route and iocctl (kept apart from the engine, whose
// hot path has no use for a JSON library).
#include <nlohmann/json.hpp>

#include "ioc/federation/policy_engine.hpp"

namespace ioc::policy {

std::string explanation_json(const Explanation& e) {
  using nlohmann::json;
  json out{{"decision", e.allowed ? "allow" : "deny"}, {"reason", e.reason}};
  if (e.allowed) {
    out["chain"] = e.chain;
    return out.dump();
  }
  out["nearestMiss"] = {{"grant", e.nearest.empty() ? json() : json(e.nearest)},
                        {"where", e.nearest.empty() ? json() : json(e.nearest_where)},
                        {"failed", e.failed}};
  out["candidates"] = json::array();
  for (const auto& m : e.candidates)
    out["candidates"].push_back(
        {{"grant", m.grant}, {"where", m.where}, {"failed", m.failed}, {"why", m.why}});
  return out.dump();
}

}  // namespace ioc::policy
