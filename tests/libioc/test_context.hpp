#pragma once

// A NodeContext over a real store in a temp dir, for unit tests of the node's services.
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "node_context.hpp"
#include "temp_dir.hpp"

namespace ioc::test {

class RecordingSink final : public EventSink {
 public:
  void publish(const std::string& payload) override {
    std::lock_guard lock(mutex);
    messages.push_back(payload);
  }
  std::mutex mutex;
  std::vector<std::string> messages;
};

class ManualClock final : public Clock {
 public:
  TimeMs now() const override { return t; }
  TimeMs t = 1761552000000;  // 2025-10-27T08:00:00Z
};

/// The test federation with `policies` ((file name, text) pairs) written beside it and listed.
inline std::string write_federation_with(
    const TempDir& dir, const std::vector<std::pair<std::string, std::string>>& policies) {
  const std::string path = write_test_federation(dir.path());
  if (!policies.empty())
    write_file(path, read_file(path) + write_policy_files(dir.path(), policies));
  return path;
}

/// The tables beyond the core's that a context of type `ContextT` keeps in its store.
template <typename ContextT>
std::vector<StoreSchema> test_store_schemas() {
  return {};
}

/// The node's services over a real store, deciding with `AuthorityT` (built from the test
/// federation); `ContextT` is the context they share, made from the node's.
template <typename AuthorityT, typename ContextT = NodeContext>
struct BasicTestContext {
  explicit BasicTestContext(
      const std::string& node = "city", std::unique_ptr<Authorizer> a = nullptr,
      const std::vector<std::pair<std::string, std::string>>& policy_files = {})
      : fed(load_federation(write_federation_with(dir, policy_files))),
        authority(fed),
        authorizer(a ? std::move(a) : make_local_operator_authorizer(node)),
        ctx(make_context(node)) {}

  TempDir dir;
  FederationConfig fed;
  NodeLocalConfig local = load_node_config(fed, "city");
  Store store{{dir / "ioc.db"}, test_store_schemas<ContextT>()};
  WriteQueue writes{store, {}};
  AuthorityT authority;
  ManualClock clock;
  RecordingSink sink;
  Metrics metrics;
  std::unique_ptr<Authorizer> authorizer;
  ContextT ctx;

 private:
  ContextT make_context(const std::string& node) {
    NodeContext base{node, local, store, writes, clock, sink, metrics, *authorizer, authority};
    if constexpr (std::is_same_v<ContextT, NodeContext>)
      return base;
    else
      return ContextT(base, authority);
  }
};

/// A node alone: it owns what is reported to it.
using TestContext = BasicTestContext<LocalAuthority>;

}  // namespace ioc::test
