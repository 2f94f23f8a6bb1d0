#pragma once

#include "ioc/federation/request_signing.hpp"
#include "store.hpp"

namespace ioc::federation {

/// Nonces kept in the node's store, so a request replayed after a restart is still refused.
class StoreNonceCache final : public NonceCache {
 public:
  explicit StoreNonceCache(Store& store) : store_(store) {}
  bool remember(const std::string& node, const std::string& nonce, TimeMs now) override {
    bool fresh = false;
    store_.write([&](Store::Writer& w) {
      fresh = w.remember_nonce(node, nonce, now, now - kNonceMemoryMs);
    });
    return fresh;
  }

 private:
  Store& store_;
};

}  // namespace ioc::federation
