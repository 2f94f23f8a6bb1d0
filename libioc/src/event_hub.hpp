#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "event_sink.hpp"

namespace ioc {

/// The node's live events, committed, to the WebSocket stream and to the embedding program's
/// subscribers (Node::subscribe). Subscribers are called on the thread that publishes (the
/// writer's, after a commit, or the scheduler's) and must not block; what one throws is
/// dropped, never passed on to the publisher.
class EventHub final : public EventSink {
 public:
  using Subscriber = std::function<void(const std::string& event)>;

  explicit EventHub(EventSink& stream) : stream_(stream) {}

  void publish(const std::string& payload) override {
    stream_.publish(payload);
    std::lock_guard lock(mutex_);
    for (auto& [_, subscriber] : subscribers_) {
      try {
        subscriber(payload);
      } catch (...) {
      }
    }
  }

  std::int64_t subscribe(Subscriber subscriber) {
    std::lock_guard lock(mutex_);
    subscribers_.emplace(++last_id_, std::move(subscriber));
    return last_id_;
  }

  bool has_subscribers() {
    std::lock_guard lock(mutex_);
    return !subscribers_.empty();
  }

  /// After it returns, the subscriber is not called again.
  void unsubscribe(std::int64_t id) {
    std::lock_guard lock(mutex_);
    subscribers_.erase(id);
  }

 private:
  EventSink& stream_;
  std::mutex mutex_;
  std::int64_t last_id_ = 0;
  std::map<std::int64_t, Subscriber> subscribers_;
};

}  // namespace ioc
