#pragma once

// An example deployment from examples/ run as real iocd processes: the folder copied into a temp
// dir, fresh keys for every node, each node's example port replaced by a free one.
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "node_process.hpp"
#include "temp_dir.hpp"

namespace ioc::test {

class ExampleFederation {
 public:
  /// `example`: a folder under examples/; `files`: its federation files (ports are rewritten in
  /// each, keys made for every node any of them lists).
  explicit ExampleFederation(const std::string& example,
                             const std::vector<std::string>& files = {"federation.yaml"});

  /// Starts `node` from `file` in the copy, listening on its port, with its key, `extra` iocd
  /// arguments appended; the first start issues it an admin token.
  void start(const std::string& node, const std::string& file = "federation.yaml",
             std::vector<std::string> extra = {});
  NodeProcess& node(const std::string& id) const { return *nodes_.at(id); }
  /// The node's data directory (for tokens of other roles).
  std::string data(const std::string& id) const;
  /// A client of `id` with its admin token, or with `token`.
  HttpClient at(const std::string& id, const std::string& token = "") const;
  /// GETs `path` at `id` until the answer's `key` reads `value` (bounded, about 15 s); returns
  /// the last answer (null if there was no 200).
  nlohmann::json wait_for(const std::string& id, const std::string& path, const std::string& key,
                          const nlohmann::json& value) const;

  TempDir dir;
  std::map<std::string, int> ports;  ///< node id -> its port here

 private:
  std::map<std::string, std::unique_ptr<NodeProcess>> nodes_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace ioc::test
