#pragma once

#include <cstdint>

#include "node_context.hpp"

namespace ioc {

/// What leaves the event log: entries the parent acknowledged (at the root every entry, nothing
/// reads them again); past `log_limit` unsent entries the oldest are dropped, recorded as lost
/// ranges the parent is told of.
class Retention {
 public:
  Retention(NodeContext& ctx, std::int64_t log_limit) : ctx_(ctx), log_limit_(log_limit) {}
  /// One pass; writes nothing when there is nothing to do. Called by one thread at a time.
  void run_once();

 private:
  NodeContext& ctx_;
  std::int64_t log_limit_;
  std::int64_t pruned_through_ = 0;  // the last prune
};

}  // namespace ioc
