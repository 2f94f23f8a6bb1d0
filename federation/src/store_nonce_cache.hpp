#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "ioc/federation/request_signing.hpp"
#include "store.hpp"
#include "write_queue.hpp"

namespace ioc::federation {

/// The nonces peers used in the last kNonceMemoryMs, checked in memory (no I/O thread waits for
/// the store) and kept in the store through the writer, so a call replayed after a restart is
/// still refused. A nonce is queued before anything its call writes: a call whose effects
/// survived a crash had its nonce kept too.
class StoreNonceCache final : public NonceCache {
 public:
  /// Starts with the nonces the store remembers as seen since `now` - kNonceMemoryMs.
  StoreNonceCache(const Store& store, WriteQueue& writes, TimeMs now);
  bool remember(const std::string& node, const std::string& nonce, TimeMs now) override;

 private:
  WriteQueue& writes_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, TimeMs> seen_;  // (node, nonce) -> when
  std::multimap<TimeMs, std::pair<std::string, std::string>> by_time_;
};

}  // namespace ioc::federation
