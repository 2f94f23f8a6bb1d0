#pragma once

#include <string>

#include "ioc/config.hpp"

namespace ioc::federation {

/// Graphviz DOT of the tree, one node per federation node labelled with its kind, edges
/// parent -> child. (The tree itself is FederationConfig's: parents, children, ancestors,
/// subtrees.)
std::string to_dot(const FederationConfig& federation);

/// Checks what a running federation needs beyond a well-formed file: every endpoint is an
/// http(s)://host:port URL and every listed public key file exists and holds an Ed25519 key.
/// Throws Error(kConfig) reading "file:line:col: error: nodes[i].KEY: what".
void check_federation(const FederationConfig& federation);

}  // namespace ioc::federation
