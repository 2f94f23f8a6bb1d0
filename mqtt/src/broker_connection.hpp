#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ioc/config.hpp"

namespace ioc::mqtt {

/// A message as the broker delivered it.
struct InboundMessage {
  std::string topic;
  std::string payload;
  int mid = 0;  ///< the packet id of a QoS 1 delivery (0 for QoS 0)
  int qos = 0;
};

/// One connection to an MQTT broker (libmosquitto, MQTT 3.1.1) on its own thread: a persistent
/// session (clean session off) with its subscriptions at QoS 1. What the broker delivers is handed
/// over in chunks to be stored, and PUBACKs leave only once every chunk read so far is stored:
/// libmosquitto runs in its threaded mode, where acknowledgements are queued, and this thread
/// writes the queue only then. The next chunk is read while the last one is stored. A chunk that
/// cannot be stored closes the socket with the acknowledgements unsent, so the broker delivers
/// those messages again. Reconnects with exponential backoff and jitter.
class BrokerConnection {
 public:
  /// What a new connection does in its session: its number, and the topic filters to subscribe
  /// to and to drop.
  struct SessionPlan {
    std::int64_t session = 0;
    std::vector<std::string> subscribe, unsubscribe;
  };
  struct Callbacks {
    /// The broker accepted the connection; `resumed` if it kept the session.
    std::function<SessionPlan(bool resumed)> connected;
    /// The broker holds the session's subscriptions as planned (confirmed, or nothing to ask).
    std::function<void()> subscribed;
    /// Waits until a chunk handed to `store` is stored; throws if it could not be.
    using Stored = std::function<void()>;
    /// Starts storing a chunk delivered in session `session`.
    std::function<Stored(std::vector<InboundMessage> chunk, std::int64_t session)> store;
    /// "connecting", "up" (the broker holds the subscriptions) or "down", with the reason.
    std::function<void(const std::string& state, const std::string& error)> state;
  };

  BrokerConnection(const SourceConnection& config, Callbacks callbacks);
  ~BrokerConnection();
  BrokerConnection(const BrokerConnection&) = delete;
  BrokerConnection& operator=(const BrokerConnection&) = delete;

  void start();
  /// Stops the thread; the chunks being stored finish first.
  void stop();

 private:
  void run();

  const SourceConnection& config_;
  Callbacks callbacks_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ioc::mqtt
