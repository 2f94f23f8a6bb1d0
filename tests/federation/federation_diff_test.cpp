#include "ioc/federation/federation_diff.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::federation;
using ioc::test::TempDir;

namespace {

FederationConfig write_federation(const TempDir& dir, const std::string& name,
                                  const std::string& nodes, const std::string& policies = "[]") {
  test::write_file(dir / name, "apiVersion: ioc/v1\nkind: Federation\nname: vn\nnodes:\n" + nodes +
                                   "policies: " + policies + "\n");
  return load_federation(dir / name);
}

std::string node(const std::string& id, const std::string& kind, const std::string& parent,
                 int port) {
  return "  - {id: " + id + ", kind: " + kind + (parent.empty() ? "" : ", parent: " + parent) +
         ", endpoint: 'http://127.0.0.1:" + std::to_string(port) + "', publicKey: k}\n";
}

}  // namespace

TEST_CASE("a province merged into a city, its city turned into a ward", "[federation-diff]") {
  TempDir dir;
  // Before 2025: Tam Ky is a city of Quang Nam province. After: a ward of Da Nang.
  const auto before = write_federation(dir, "old.yaml",
                                       node("vn", "city", "", 1) + node("danang", "city", "vn", 2) +
                                           node("quangnam", "city", "vn", 3) +
                                           node("tam-ky", "city", "quangnam", 4) +
                                           node("tam-ky/an-phu", "ward", "tam-ky", 5));
  const auto after = write_federation(dir, "new.yaml",
                                      node("vn", "city", "", 1) + node("danang", "city", "vn", 2) +
                                          node("tam-ky", "ward", "danang", 6) +
                                          node("tam-ky/an-phu", "ward", "tam-ky", 5) +
                                          node("danang/hoi-an", "ward", "danang", 7),
                                      "[p.yaml]");
  std::vector<std::string> lines;
  for (const auto& c : diff_federations(before, after)) lines.push_back(describe(c));
  CHECK(lines == std::vector<std::string>{
                     "~ moved tam-ky: quangnam -> danang (with 1 node(s) below: tam-ky/an-phu)",
                     "~ kind of tam-ky: city -> ward",
                     "~ endpoint of tam-ky: http://127.0.0.1:4 -> http://127.0.0.1:6",
                     "+ added danang/hoi-an under danang",
                     "- merged quangnam into danang: its children tam-ky move there",
                     "~ policy files:  -> " + dir / "p.yaml"});
  // The order to apply it in: new nodes, the moved one, the others; the merged province leaves
  // once it has sent what it holds.
  const auto plan = apply_plan(diff_federations(before, after), before, after);
  REQUIRE(plan.size() == 5);
  CHECK(plan[0] == "1. start the new nodes with the new file: danang/hoi-an");
  CHECK(plan[1].rfind("2. reload the nodes that move (SIGHUP or POST /admin/v1/policies/reload): "
                      "tam-ky;",
                      0) == 0);
  CHECK(plan[2] == "3. reload the nodes that stay: vn, danang, tam-ky/an-phu");
  CHECK(plan[3].rfind("4. 'vn' takes the removal of 'quangnam' only once 'quangnam' reports a "
                      "backlog of 0",
                      0) == 0);
  CHECK(plan[4].rfind("5. stop 'quangnam'", 0) == 0);
}

TEST_CASE("identical federations differ in nothing, a removed leaf is removed",
          "[federation-diff]") {
  TempDir dir;
  const std::string base = node("vn", "city", "", 1) + node("danang", "city", "vn", 2);
  const auto a = write_federation(dir, "a.yaml", base + node("danang/x", "ward", "danang", 3));
  CHECK(diff_federations(a, a).empty());
  const auto b = write_federation(dir, "b.yaml", base);
  const auto changes = diff_federations(a, b);
  REQUIRE(changes.size() == 1);
  CHECK(describe(changes[0]) == "- removed danang/x (was under danang)");
}
