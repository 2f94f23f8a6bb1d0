// The iocctl program as an admin uses it.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <thread>

#include "poll.hpp"
#include "running_node.hpp"

using namespace ioc::test;

TEST_CASE("iocctl token issue prints only the token, list shows it, revoke stops it",
          "[integration][iocctl]") {
  RunningNode node;
  // 1. Issue.
  const auto issued = run_command({IOCCTL_PATH, "token", "issue", "--data", node.data(), "--role",
                                   "operator", "--name", "duty"});
  REQUIRE(issued.exit_code == 0);
  const std::string token = issued.out.substr(0, issued.out.size() - 1);
  CHECK(token.rfind("ioc_", 0) == 0);
  CHECK(issued.out.find('\n') == issued.out.size() - 1);
  CHECK(HttpClient(node.process.port(), token).get("/api/v1/incidents").status == 200);
  // 2. List: names and roles, never tokens.
  const auto listed = run_command({IOCCTL_PATH, "token", "list", "--data", node.data()});
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find("duty\toperator") != std::string::npos);
  CHECK(listed.out.find(token) == std::string::npos);
  // 3. Revoke (id 5: four role tokens came first); the running node stops accepting it.
  REQUIRE(
      run_command({IOCCTL_PATH, "token", "revoke", "--data", node.data(), "--id", "5"}).exit_code ==
      0);
  CHECK(poll_until([&] {
    return HttpClient(node.process.port(), token).get("/api/v1/incidents").status == 401;
  }));
  CHECK(
      run_command({IOCCTL_PATH, "token", "revoke", "--data", node.data(), "--id", "5"}).exit_code ==
      1);
}

TEST_CASE("iocctl token issue with an expiry and bad arguments", "[integration][iocctl]") {
  TempDir dir;
  CHECK(run_command({IOCCTL_PATH, "token", "issue", "--data", dir / "d", "--role", "viewer",
                     "--expires", "1d"})
            .exit_code == 0);
  CHECK(run_command({IOCCTL_PATH, "token", "list", "--data", dir / "d"}).out.find("\tactive") !=
        std::string::npos);
  CHECK(run_command({IOCCTL_PATH, "token", "issue", "--data", dir / "d", "--role", "king"})
            .exit_code == 2);
  CHECK(run_command({IOCCTL_PATH, "token", "issue", "--data", dir / "d", "--role", "viewer",
                     "--expires", "soon"})
            .exit_code == 2);
  CHECK(run_command({IOCCTL_PATH, "token", "issue", "--role", "viewer"}).exit_code == 1);
  CHECK(run_command({IOCCTL_PATH, "token", "issue", "--data", dir / "d", "--rol", "viewer"})
            .exit_code == 2);
  CHECK(run_command({IOCCTL_PATH, "frobnicate"}).exit_code == 2);
}

TEST_CASE("iocctl keys generate writes NAME.key (0600) and NAME.pub", "[integration][iocctl]") {
  TempDir dir;
  const auto res = run_command(
      {IOCCTL_PATH, "keys", "generate", "--node", "danang/son-tra", "--out", dir / "keys"});
  REQUIRE(res.exit_code == 0);
  struct stat st {};
  REQUIRE(stat((dir / "keys/danang_son-tra.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_file(dir / "keys/danang_son-tra.pub").find("BEGIN PUBLIC KEY") != std::string::npos);
  CHECK(run_command(
            {IOCCTL_PATH, "keys", "generate", "--node", "danang/son-tra", "--out", dir / "keys"})
            .exit_code == 1);
}

TEST_CASE("iocctl federation check and graph", "[integration][iocctl]") {
  TempDir dir;
  const std::string fed = write_test_federation(dir.path(), false);
  // 1. Keys are part of a valid federation: without them, check names the line to fix.
  auto res = run_command({IOCCTL_PATH, "federation", "check", fed});
  CHECK(res.exit_code == 1);
  CHECK(res.err.rfind(fed + ":5:71: error: nodes[0].publicKey: cannot open key file", 0) == 0);
  for (const char* node : {"city", "city/north", "city/south", "city/health"})
    REQUIRE(run_command({IOCCTL_PATH, "keys", "generate", "--node", node, "--out", dir / "keys"})
                .exit_code == 0);
  res = run_command({IOCCTL_PATH, "federation", "check", fed});
  CHECK(res.exit_code == 0);
  CHECK(res.out.find("4 nodes, root 'city', 2 tiers") != std::string::npos);
  // 2. The graph in DOT.
  res = run_command({IOCCTL_PATH, "federation", "graph", fed});
  CHECK(res.out.rfind("digraph G {", 0) == 0);
  CHECK(res.out.find("\"city\"->\"city/north\";") != std::string::npos);
  // 3. A malformed file.
  write_file(
      dir / "bad.yaml",
      "apiVersion: ioc/v1\nkind: Federation\nname: x\nnodes:\n  - {id: a, kind: city, endpoint: e, "
      "publicKey: k, extra: 1}\n");
  res = run_command({IOCCTL_PATH, "federation", "check", dir / "bad.yaml"});
  CHECK(res.exit_code == 1);
  CHECK(res.err.rfind(dir / "bad.yaml:5:52: error: nodes[0].extra: unknown key", 0) == 0);
}

TEST_CASE("iocd refuses bad arguments and bad configuration with a clear message",
          "[integration][iocctl]") {
  TempDir dir;
  const std::string fed = write_test_federation(dir.path());
  auto res = run_command({IOCD_PATH, "--node", "city"});
  CHECK(res.exit_code == 2);
  CHECK(res.err.find("--federation and --node are required") != std::string::npos);
  res = run_command({IOCD_PATH, "--federation", fed, "--node", "atlantis", "--data", dir / "d"});
  CHECK(res.exit_code == 1);
  CHECK(res.err.find("no node 'atlantis'") != std::string::npos);
  res = run_command({IOCD_PATH, "--federation", fed, "--node", "city", "--data", dir / "d",
                     "--listen", "nowhere"});
  CHECK(res.exit_code == 1);
  CHECK(res.err.find("listen") != std::string::npos);
}
