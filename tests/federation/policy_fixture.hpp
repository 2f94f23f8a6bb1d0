#pragma once

#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace ioc::test {

// A three-tier federation for policy tests: city > city/north > city/north/ward-1, and
// city/south, city/health beside it.
inline constexpr const char* kCityAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - id: city-districts
    to: [city/north, city/south]
    actions: [view, acknowledge, dispatch, resolve, close]
    domains: [flood, traffic]
    area: grantee
    maxSeverity: moderate
  - id: city-north
    to: [city/north]
    actions: [view, acknowledge, dispatch]
    domains: [flood]
    area: city/north
    maxSeverity: severe
    validFrom: 2026-01-01T00:00:00Z
    validUntil: 2027-01-01T00:00:00Z
    redelegate: {depth: 1, maxDuration: 30d}
  - id: city-health
    to: [city/health]
    actions: [view, dispatch]
    domains: [health]
    area: city
denies:
  - id: no-south-close
    to: [city/south]
    actions: [close]
    minSeverity: moderate
)";

inline constexpr const char* kNorthAuthority = R"(apiVersion: ioc/v1
kind: Authority
issuer: city/north
grants:
  - id: north-ward
    to: [city/north/ward-1]
    actions: [acknowledge, dispatch]
    domains: [flood]
    area: grantee
    maxSeverity: moderate
    validFrom: 2026-06-01T00:00:00Z
    validUntil: 2026-06-20T00:00:00Z
)";

inline constexpr const char* kSharing = R"(apiVersion: ioc/v1
kind: Sharing
rules:
  - id: incidents-up
    from: '*'
    to: parent
    data: [incidents, alerts]
    granularity: raw
  - id: obs-up
    from: '*'
    to: parent
    data: [observations, summaries]
    granularity: aggregate
    minGroupSize: 3
  - id: health-private
    from: city/health
    to: parent
    data: [incidents, service-requests]
    granularity: raw
    redact: [title, address]
)";

inline constexpr const char* kEscalation = R"(apiVersion: ioc/v1
kind: Escalation
rules:
  - id: flood-late
    when: {domain: flood, severityAtLeast: severe, unacknowledgedFor: 10m}
    action: escalate
  - id: tell-health
    when: {domain: fire-rescue}
    action: notify
    targets: [city/health]
)";

/// Writes the federation and `policies` (as DIR/policy-0.yaml, policy-1.yaml, ...) into `dir`;
/// returns the federation file's path.
inline std::string write_policy_federation(const TempDir& dir,
                                           const std::vector<std::string>& policies) {
  std::string fed =
      "apiVersion: ioc/v1\nkind: Federation\nname: policytest\nnodes:\n"
      "  - {id: city, kind: city, endpoint: 'http://127.0.0.1:1', publicKey: k}\n"
      "  - {id: city/north, kind: district, parent: city, endpoint: 'http://127.0.0.1:2', "
      "publicKey: k}\n"
      "  - {id: city/north/ward-1, kind: ward, parent: city/north, endpoint: "
      "'http://127.0.0.1:3', publicKey: k}\n"
      "  - {id: city/south, kind: district, parent: city, endpoint: 'http://127.0.0.1:4', "
      "publicKey: k}\n"
      "  - {id: city/health, kind: sector, parent: city, endpoint: 'http://127.0.0.1:5', "
      "publicKey: k}\n"
      "policies:\n";
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const std::string name = "policy-" + std::to_string(i) + ".yaml";
    write_file(dir / name, policies[i]);
    fed += "  - " + name + "\n";
  }
  if (policies.empty()) fed += "  []\n";
  write_file(dir / "federation.yaml", fed);
  return dir / "federation.yaml";
}

}  // namespace ioc::test
