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
/// over in batches, and a batch's PUBACKs leave only after `take` returned: libmosquitto runs in
/// its threaded mode, where acknowledgements are queued, and this thread writes the queue only
/// once the batch is committed. A `take` that throws closes the socket with the acknowledgements
/// unsent, so the broker delivers those messages again. Reconnects with exponential backoff and
/// jitter.
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
    /// Takes a batch delivered in session `session`; returns once it is committed.
    std::function<void(const std::vector<InboundMessage>& batch, std::int64_t session)> take;
    /// "connecting", "up" or "down", with the reason.
    std::function<void(const std::string& state, const std::string& error)> state;
  };

  BrokerConnection(const SourceConnection& config, Callbacks callbacks);
  ~BrokerConnection();
  BrokerConnection(const BrokerConnection&) = delete;
  BrokerConnection& operator=(const BrokerConnection&) = delete;

  void start();
  /// Stops the thread; a batch being taken finishes first.
  void stop();

 private:
  void run();

  const SourceConnection& config_;
  Callbacks callbacks_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ioc::mqtt
