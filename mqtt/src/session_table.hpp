#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "store.hpp"

namespace ioc::mqtt {

/// The MQTT tables in the node's store: per connection its session count and the filters the
/// broker holds for it, and per packet id the last message taken with it.
StoreSchema mqtt_schema();

/// A connection's place in its persistent session, kept in the store.
class SessionTable {
 public:
  explicit SessionTable(Store::Writer& w) : w_(w) {}

  struct Begun {
    std::int64_t session = 0;
    /// What the broker may deliver again: the messages (packet id, digest of topic and payload)
    /// taken in the last earlier session that took any. The broker gives a packet id to one
    /// message in flight at a time and delivers again only what was in flight when a
    /// connection ended; a message of an older session, or of one that ended before storing
    /// it, is new.
    std::unordered_map<int, std::string> redeliverable;
    std::vector<std::string> subscribe, unsubscribe;

    /// True if the message is one already taken, delivered again. Each packet id is asked about
    /// once: after its redelivery the broker may give it to a new message.
    bool delivered_again(int mid, const std::string& digest) {
      const auto it = redeliverable.find(mid);
      if (it == redeliverable.end()) return false;
      const bool again = it->second == digest;
      redeliverable.erase(it);
      return again;
    }
  };
  /// A new connection: its session number, and the filters to subscribe to and drop. A broker
  /// that did not keep the session (`resumed` false) delivers nothing again: what was taken is
  /// forgotten.
  Begun begin(const std::string& connection, bool resumed, const std::vector<std::string>& filters);
  /// The broker holds these filters for the connection now.
  void subscribed(const std::string& connection, const std::vector<std::string>& filters);
  /// Records a QoS 1 message as taken in `session`.
  void taken(const std::string& connection, int mid, const std::string& digest,
             std::int64_t session);
  /// Messages were taken in `session`.
  void delivered(const std::string& connection, std::int64_t session);

 private:
  Store::Writer& w_;
};

}  // namespace ioc::mqtt
