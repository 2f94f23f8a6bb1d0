// iocctl policy: what a district admin runs while writing and testing policies.
#include <catch2/catch.hpp>

#include "running_node.hpp"

using namespace ioc::test;

namespace {

const std::string kDanang = std::string(IOC_SOURCE_DIR) + "/examples/danang/federation.yaml";
const std::string kSuite = std::string(IOC_SOURCE_DIR) + "/policies/danang/tests/authority.yaml";
const std::string kSharingSuite =
    std::string(IOC_SOURCE_DIR) + "/policies/danang/tests/sharing.yaml";

}  // namespace

TEST_CASE("iocctl policy test passes the Da Nang reference suite", "[integration][iocctl]") {
  const auto r = run_command({IOCCTL_PATH, "policy", "test", kSuite});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Matches("(4[0-9]|[5-9][0-9]|[0-9]{3,}) passed, 0 failed\n"));
}

TEST_CASE("iocctl policy test checks Sharing cases and says which rule decides instead",
          "[integration][iocctl]") {
  auto r = run_command({IOCCTL_PATH, "policy", "test", kSharingSuite});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::EndsWith("12 passed, 0 failed\n"));
  TempDir dir;
  write_file(dir / "wrong.yaml",
             "apiVersion: ioc/v1\nkind: PolicyTest\nfederation: " + kDanang +
                 "\ncases:\n"
                 "  - name: health sees raw readings\n"
                 "    share: {data: summaries, from: danang/hai-chau, to: danang/health}\n"
                 "    expect: raw\n");
  r = run_command({IOCCTL_PATH, "policy", "test", dir / "wrong.yaml"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out,
             Catch::Contains("wrong.yaml:5:5: case 'health sees raw readings': expected raw, got "
                             "aggregate by rule summaries-to-health (") &&
                 Catch::Contains("sharing.yaml:32:5), minGroupSize 5"));
  // A case the file cannot say is refused at its place, like every other key.
  write_file(dir / "bad.yaml", "apiVersion: ioc/v1\nkind: PolicyTest\nfederation: " + kDanang +
                                   "\ncases:\n  - name: bad data\n"
                                   "    share: {data: weather, from: danang, to: danang}\n"
                                   "    expect: raw\n");
  r = run_command({IOCCTL_PATH, "policy", "test", dir / "bad.yaml"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("bad.yaml:6:19: error: cases[0].share.data: unknown data "
                                    "'weather'"));
}

TEST_CASE("iocctl policy explain answers a Sharing question with the rule and where it is",
          "[integration][iocctl]") {
  auto r = run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--data", "summaries", "--from",
                        "danang/hai-chau", "--to", "danang/health", "--metric", "pm25"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("summaries from danang/hai-chau to danang/health (pm25): "
                                      "aggregate by rule summaries-to-health ("));
  r = run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--data", "observations", "--from",
                   "danang/hai-chau", "--to", "danang/son-tra", "--json"});
  CHECK(r.exit_code == 3);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["granularity"] == "none");
  CHECK(j["rule"].is_null());
  r = run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--data", "summaries", "--from",
                   "danang/atlantis", "--to", "danang"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("--from: unknown node 'danang/atlantis'"));
}

TEST_CASE("iocctl policy answers who owns an incident and where it escalates",
          "[integration][iocctl]") {
  auto r = run_command({IOCCTL_PATH, "policy", "test",
                        std::string(IOC_SOURCE_DIR) + "/policies/danang/tests/escalation.yaml"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::EndsWith("4 passed, 0 failed\n"));
  r = run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--reported", "danang/son-tra",
                   "--domain", "fire-rescue", "--severity", "severe"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("a severe fire-rescue incident reported at danang/son-tra: "
                                      "owned by danang; no Escalation rule moves it on; notifies "
                                      "danang/health at once (rule fire-notify-health, ") &&
                        Catch::EndsWith("escalation.yaml:16:5)\n"));
  TempDir dir;
  write_file(dir / "wrong.yaml",
             "apiVersion: ioc/v1\nkind: PolicyTest\nfederation: " + kDanang +
                 "\ncases:\n  - name: a severe flood stays at Hai Chau\n"
                 "    escalation: {reported: danang/hai-chau, domain: flood, severity: severe}\n"
                 "    expect: {owner: danang/hai-chau}\n");
  r = run_command({IOCCTL_PATH, "policy", "test", dir / "wrong.yaml"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("wrong.yaml:5:5: case 'a severe flood stays at Hai Chau': got "
                                    "owned by danang; no Escalation rule moves it on"));
}

TEST_CASE("iocctl policy test fails a suite with a wrong expectation", "[integration][iocctl]") {
  TempDir dir;
  write_file(dir / "wrong.yaml",
             "apiVersion: ioc/v1\nkind: PolicyTest\nfederation: " + kDanang +
                 "\ncases:\n"
                 "  - name: right\n    as: danang/hai-chau\n    action: dispatch\n"
                 "    resource: {domain: flood, area: danang/hai-chau, severity: minor}\n"
                 "    expect: allow\n"
                 "  - name: wrong\n    as: danang/hai-chau\n    action: dispatch\n"
                 "    resource: {domain: flood, area: danang/hai-chau, severity: extreme}\n"
                 "    expect: allow\n");
  const auto r = run_command({IOCCTL_PATH, "policy", "test", dir / "wrong.yaml"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("wrong.yaml:10:5: case 'wrong': expected allow, got deny: "
                                    "nearest grant 'city-districts-operate' fails severity"));
  CHECK_THAT(r.out, Catch::EndsWith("1 passed, 1 failed\n"));
}

TEST_CASE("iocctl policy lint reports the first error at file:line:col", "[integration][iocctl]") {
  const auto ok = run_command({IOCCTL_PATH, "policy", "lint", kDanang});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains(": ok: 6 grants, 2 denies"));
  TempDir dir;
  write_file(dir / "authority.yaml",
             "apiVersion: ioc/v1\nkind: Authority\nissuer: city\ngrants:\n  - id: g\n"
             "    to: [city/north]\n    actions: [view]\n    domains: [flood]\n"
             "    area: grantee\n    maxSeverity: severe\n    validFrom: yesterday\n");
  std::string fed = read_file(write_test_federation(dir.path(), false));
  fed = fed.substr(0, fed.find("policies:")) + "policies: [authority.yaml]\n";
  write_file(dir / "federation.yaml", fed);
  const auto bad = run_command({IOCCTL_PATH, "policy", "lint", dir / "federation.yaml"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == dir / "authority.yaml" +
                       ":11:16: error: grants[0].validFrom: expected an RFC 3339 time such as "
                       "2026-01-01T00:00:00Z, got 'yesterday'\n");
}

TEST_CASE("iocctl policy explain gives the chain or the nearest miss", "[integration][iocctl]") {
  const auto allow =
      run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--as", "danang/health", "--action",
                   "dispatch", "--domain", "public-order", "--area", "danang/hai-chau",
                   "--severity", "minor", "--at", "2026-11-20T08:00:00Z"});
  CHECK(allow.exit_code == 0);
  CHECK(allow.out == "allow: city-districts-operate -> hai-chau-health-crowd\n");
  const auto deny = run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--as",
                                 "danang/hoa-vang", "--action", "close", "--domain", "flood",
                                 "--area", "danang/hoa-vang", "--severity", "minor", "--json"});
  CHECK(deny.exit_code == 3);
  const auto j = nlohmann::json::parse(deny.out);
  CHECK(j["decision"] == "deny");
  CHECK(j["nearestMiss"]["grant"] == "city-districts-operate");
  CHECK_THAT(j["nearestMiss"]["where"].get<std::string>(),
             Catch::EndsWith("policies/danang/authority-city.yaml:8:5"));
  CHECK(j["nearestMiss"]["failed"] == nlohmann::json::array({"deny"}));
  // Every grant that reaches the subject, each with why it fails, not only the nearest.
  const auto text = run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--as",
                                 "danang/hai-chau", "--action", "dispatch", "--domain", "flood",
                                 "--area", "danang/son-tra", "--severity", "extreme"});
  CHECK(text.exit_code == 3);
  CHECK_THAT(text.out, Catch::Contains("grants that reach danang/hai-chau:\n"
                                       "  city-districts-operate (") &&
                           Catch::Contains("authority-city.yaml:8:5): area: 'danang/son-tra' "
                                           "lies outside 'danang/hai-chau' and below; severity:") &&
                           Catch::Contains("  city-districts-watch (") &&
                           Catch::Contains("): action: 'dispatch' is not granted\n"));
  const auto unknown =
      run_command({IOCCTL_PATH, "policy", "explain", kDanang, "--as", "danang", "--action", "fly",
                   "--domain", "flood", "--area", "danang", "--severity", "minor"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("--action: unknown value 'fly'"));
}

TEST_CASE("iocctl policy diff lists the decisions a change flips", "[integration][iocctl]") {
  TempDir dir;
  std::string fed = read_file(kDanang);
  const std::string policies = std::string(IOC_SOURCE_DIR) + "/policies/danang/";
  fed = fed.substr(0, fed.find("policies:"));
  fed += "policies:\n  - " + policies + "authority-city.yaml\n";
  // Paths of keys and configs are relative to the federation file: point them home.
  std::string moved;
  for (std::size_t at = 0, next; at < fed.size(); at = next + 1) {
    next = fed.find('\n', at);
    std::string line = fed.substr(at, next - at);
    for (const char* key : {"publicKey: ", "config: [", "boundary: "})
      if (const auto k = line.find(key); k != std::string::npos)
        line = line.substr(0, k + std::string(key).size()) + std::string(IOC_SOURCE_DIR) +
               "/examples/danang/" + line.substr(k + std::string(key).size());
    moved += line + "\n";
  }
  write_file(dir / "old.yaml", moved);
  write_file(dir / "new.yaml", moved + "  - " + policies + "authority-hai-chau.yaml\n");
  const auto r = run_command({IOCCTL_PATH, "policy", "diff", dir / "old.yaml", dir / "new.yaml",
                              "--at", "2026-11-20T08:00:00Z"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("deny -> allow: danang/health dispatch public-order in "
                                    "danang/hai-chau at moderate (by grant "
                                    "'hai-chau-health-crowd')"));
  // view, acknowledge and dispatch, at minor and moderate, in Hai Chau (it has no children).
  CHECK_THAT(r.out, Catch::Contains("60984 decisions compared, 6 flipped\n"));
  // Without --at: now and every grant edge. The health grant's window has closed by now, and its
  // flips still show, at the instants its window is open.
  const auto edges =
      run_command({IOCCTL_PATH, "policy", "diff", dir / "old.yaml", dir / "new.yaml"});
  INFO(edges.out);
  CHECK(edges.exit_code == 0);
  CHECK_THAT(edges.out, Catch::Contains("at 2026-11-16T00:00:00.000Z: deny -> allow: danang/health "
                                        "dispatch public-order in danang/hai-chau at moderate"));
  CHECK_THAT(edges.out, Catch::Contains("instants (now and every grant edge), "));
  CHECK_THAT(edges.out, !Catch::Contains("at 2026-11-30T00:00:00.000Z: deny -> allow"));
}

TEST_CASE("iocctl policy bench prints its figure last", "[integration][iocctl]") {
  const auto r = run_command({IOCCTL_PATH, "policy", "bench", kDanang, "--decisions", "50000"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Matches("(.|\n)*50000 decisions in [0-9.]+ s: [0-9]+ decisions/s, p50 "
                                   "[0-9.]+ us, p99 [0-9.]+ us\n"));
}

TEST_CASE("iocctl federation diff shows what a reorganisation does before it is applied",
          "[integration][iocctl]") {
  TempDir dir;
  const std::string old_fed = read_file(write_test_federation(dir.path(), false));
  // The south district is merged into the north one: its area now lies under the north.
  std::string merged = old_fed;
  const auto south = merged.find("  - {id: city/south");
  REQUIRE(south != std::string::npos);
  merged.erase(south, merged.find('\n', south) + 1 - south);
  write_file(dir / "old.yaml", old_fed);
  write_file(dir / "new.yaml", merged);
  const auto r =
      run_command({IOCCTL_PATH, "federation", "diff", dir / "old.yaml", dir / "new.yaml"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("- removed city/south (was under city)"));
  // policy diff says which nodes it could not compare, and what they may do where they are.
  const auto policy_diff =
      run_command({IOCCTL_PATH, "policy", "diff", dir / "old.yaml", dir / "new.yaml"});
  CHECK_THAT(policy_diff.out, Catch::StartsWith("only in the old file: city/south (as subject "
                                                "there, "));
  CHECK_THAT(policy_diff.out, Catch::Contains("(nodes in only one file are not compared)"));
  CHECK_THAT(r.out, Catch::Contains("1 change(s) to the tree; 0 of 4536 decisions flip over the "
                                    "nodes in both (iocctl policy diff lists them)\n"));
  // Then the order to apply it in, with the condition for removing a node.
  CHECK_THAT(r.out,
             Catch::Contains("1. reload the nodes that stay: city, city/north, city/health"));
  CHECK_THAT(r.out, Catch::Contains("2. 'city' takes the removal of 'city/south' only once "
                                    "'city/south' reports a backlog of 0"));
  CHECK_THAT(r.out, Catch::EndsWith("3. stop 'city/south': it is not in the new file (its own "
                                    "reload is refused); what it took stays in its store\n"));
  const auto bad = run_command({IOCCTL_PATH, "federation", "diff", dir / "old.yaml"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("federation diff takes OLD_FEDERATION NEW_FEDERATION"));
}
