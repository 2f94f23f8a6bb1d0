#pragma once

#include <cstdint>
#include <string>
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
    /// The last earlier session in which messages were taken; -1 when none may come again.
    std::int64_t redelivers_from = -1;
    std::vector<std::string> subscribe, unsubscribe;
  };
  /// A new connection: its session number, and the filters to subscribe to and drop. A broker
  /// that did not keep the session (`resumed` false) delivers nothing again: what was taken is
  /// forgotten.
  Begun begin(const std::string& connection, bool resumed, const std::vector<std::string>& filters);
  /// The broker holds these filters for the connection now.
  void subscribed(const std::string& connection, const std::vector<std::string>& filters);
  /// True if the message is one the broker delivers again, already taken in session
  /// `redelivers_from` (same packet id, same topic and payload); otherwise records it as taken
  /// in `session`. The broker gives a packet id to one message in flight at a time, and delivers
  /// again only what was in flight when a connection ended.
  bool taken_before(const std::string& connection, int mid, const std::string& digest,
                    std::int64_t session, std::int64_t redelivers_from);
  /// Messages were taken in `session`.
  void delivered(const std::string& connection, std::int64_t session);

 private:
  Store::Writer& w_;
};

}  // namespace ioc::mqtt
