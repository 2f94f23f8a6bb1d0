#pragma once

#include <string>

namespace ioc::cli {

/// `iocctl policy VERB ...`: returns the exit code; throws Error for bad arguments (kBadRequest)
/// and for policy files that do not load (kConfig, "file:line:col: error: ...").
int policy_command(const std::string& verb, int argc, char** argv);

/// `iocctl federation diff OLD NEW [--at TIME]`: the changes to the tree, then how many decisions
/// the change flips.
int federation_diff(int argc, char** argv);

}  // namespace ioc::cli
