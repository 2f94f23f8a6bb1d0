#pragma once

// The federation watching itself (docs/operations.md, "When a child goes quiet"): a parent
// raises a CAP alert (category Infra) when a child that was fresh goes stale or unreachable,
// says so on the live stream and in its log, updates it as the child's state worsens and
// cancels it when the child is fresh again.
#include <map>
#include <string>

#include "federation_context.hpp"

namespace ioc::federation {

class ChildWatch {
 public:
  explicit ChildWatch(FederationContext& ctx);
  /// Looks at every child once (the scheduler calls it every second).
  void run_once();

 private:
  struct Watched {
    Freshness state = Freshness::kUnreachable;
    std::string alert;  ///< the alert in force about it, if any
  };
  void changed(const std::string& child, const ChildStatus& now, Watched& was);

  FederationContext& ctx_;
  std::map<std::string, Watched> children_;  ///< what was last seen, kept in notes across restarts
};

}  // namespace ioc::federation
