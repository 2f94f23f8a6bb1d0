#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ioc/config.hpp"

namespace ioc::federation {

/// The federation tree as a graph (Boost.Graph inside): who is whose parent, what lies below a
/// node, the path upward. Built from a loaded FederationConfig, which has already rejected
/// cycles, unknown parents, duplicate ids and a missing or second root. Immutable; thread-safe.
class Topology {
 public:
  explicit Topology(const FederationConfig& federation);
  ~Topology();
  Topology(Topology&&) noexcept;

  const std::string& root() const;
  bool contains(const std::string& id) const;
  std::optional<std::string> parent(const std::string& id) const;
  std::vector<std::string> children(const std::string& id) const;
  /// Ancestors of `id`, nearest first, ending at the root.
  std::vector<std::string> ancestors(const std::string& id) const;
  /// `id` and everything below it, breadth first.
  std::vector<std::string> subtree(const std::string& id) const;
  /// Edges from the root down to `id` (0 for the root).
  std::size_t depth(const std::string& id) const;
  /// Graphviz DOT, one node per federation node labelled with its kind, edges parent -> child.
  std::string to_dot() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Checks what a running federation needs beyond a well-formed file: every endpoint is an
/// http(s)://host:port URL and every listed public key file exists and holds an Ed25519 key.
/// Throws Error(kConfig) reading "file:line:col: error: nodes[i].KEY: what".
void check_federation(const FederationConfig& federation);

}  // namespace ioc::federation
