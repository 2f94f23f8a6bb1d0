#pragma once

#include <map>
#include <memory>
#include <string>

#include "http_client.hpp"
#include "node_process.hpp"
#include "temp_dir.hpp"

namespace ioc::test {

/// A real iocd for node "city" of the test federation, with its key and a token per role.
struct RunningNode {
  explicit RunningNode(std::vector<std::string> extra = {})
      : federation(write_test_federation(dir.path())),
        process(federation, "city", dir / "data", with_key(std::move(extra))) {
    for (const char* role : {"viewer", "operator", "ingest", "admin"})
      tokens[role] = issue(dir / "data", role);
    process.start();
  }
  HttpClient as(const std::string& role) const {
    return HttpClient(process.port(), tokens.at(role));
  }
  HttpClient anonymous() const { return HttpClient(process.port()); }
  std::vector<std::string> with_key(std::vector<std::string> extra) const {
    extra.insert(extra.end(), {"--key", dir / "keys/city.key"});
    return extra;
  }
  std::string data() const { return dir / "data"; }

  TempDir dir;
  std::string federation;
  NodeProcess process;
  std::map<std::string, std::string> tokens;
};

}  // namespace ioc::test
