#include "store_nonce_cache.hpp"

#include "federation_tables.hpp"

namespace ioc::federation {

StoreNonceCache::StoreNonceCache(const Store& store, WriteQueue& writes, TimeMs now)
    : writes_(writes) {
  for (auto& n : Nonces::since(store, now - kNonceMemoryMs)) {
    auto key = std::make_pair(std::move(n.node), std::move(n.nonce));
    if (seen_.emplace(key, n.seen).second) by_time_.emplace(n.seen, std::move(key));
  }
}

bool StoreNonceCache::remember(const std::string& node, const std::string& nonce, TimeMs now) {
  {
    std::lock_guard lock(mutex_);
    const TimeMs forget_before = now - kNonceMemoryMs;
    while (!by_time_.empty() && by_time_.begin()->first < forget_before) {
      seen_.erase(by_time_.begin()->second);
      by_time_.erase(by_time_.begin());
    }
    auto key = std::make_pair(node, nonce);
    if (!seen_.emplace(key, now).second) return false;
    by_time_.emplace(now, std::move(key));
  }
  // Durable in the writer's order; if the queue is full the call's own writes are refused too,
  // and the nonce stays remembered here until the process ends.
  writes_.submit(
      [node, nonce, now](WriteContext& w) {
        Nonces(w.writer).remember(node, nonce, now, now - kNonceMemoryMs);
      },
      [](std::exception_ptr) {});
  return true;
}

}  // namespace ioc::federation
