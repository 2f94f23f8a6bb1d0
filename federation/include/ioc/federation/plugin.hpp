#pragma once

#include "ioc/node.hpp"

namespace ioc::federation {

/// Joins a Node to its federation; give it as NodeOptions::plugin (link ioc::ioc). The node then
/// checks every node's endpoint and public key, signs its calls with NodeOptions::key_file, keeps
/// the link to its parent (its log up, commands down), answers its children's signed calls,
/// enforces the federation's policies (authority, sharing, escalation) with runtime grants and
/// revocations, and takes a reorganised tree live on reload.
NodePluginFactory plugin();

}  // namespace ioc::federation
