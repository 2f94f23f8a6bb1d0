#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ioc/authorizer.hpp"
#include "store.hpp"

namespace ioc {

/// Bearer tokens: "ioc_" + 32 random bytes (base64url). Only their SHA-256 is stored.
class TokenService {
 public:
  /// How long a looked-up token is trusted before the store is asked again; a revocation
  /// takes effect within this time.
  static constexpr TimeMs kCacheMs = 1000;

  TokenService(Store& store, std::string node_id) : store_(store), node_id_(std::move(node_id)) {}

  /// Creates a token and returns it; the only time its clear text exists.
  static std::string issue(Store& store, Role role, const std::string& name,
                           std::optional<TimeMs> expires, TimeMs now);
  /// The actor a bearer token stands for, or nullopt if unknown, revoked or expired. Thread-safe.
  std::optional<Actor> authenticate(const std::string& token, TimeMs now);
  /// Why `token` no longer authenticates ("token revoked", "token expired", "token unknown"), or
  /// empty while it does; asks the store each time (no cache), for sessions that outlive a
  /// request. Thread-safe.
  std::string ended(const std::string& token, TimeMs now) const;

 private:
  struct Cached {
    std::optional<TokenRecord> record;
    TimeMs fetched = 0;
  };
  Store& store_;
  std::string node_id_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace ioc
