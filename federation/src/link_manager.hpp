#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "down_handler.hpp"
#include "federation_context.hpp"
#include "incident_service.hpp"
#include "ioc/federation/request_signing.hpp"
#include "outbox_waiters.hpp"
#include "peer_client.hpp"
#include "uplink.hpp"

namespace ioc::federation {

/// This node's link to its parent: the uplink (log up, commands down) and a separate client for
/// commands sent up at once. The child opens the link; the parent never needs to reach it. A
/// reorganisation that moves the node takes the link down and up again toward the new parent.
class LinkManager {
 public:
  LinkManager(FederationContext& ctx, IncidentService& incidents, OutboxWaiters& waiters,
              const PrivateKey* key, const RequestVerifier& peers);
  ~LinkManager();

  /// Opens (not starts) the link toward this node's parent in `fed`; nothing at the root or
  /// without a key.
  void up(const FederationConfig& fed);
  void start();
  /// Cancels the calls in flight and stops the link. Idempotent.
  void down();
  /// Wakes the uplink (new log entries); from the writer thread, never blocks for long.
  void poke();
  /// Sends a command to the parent; `done` gets its answer once, on a thread of the link's.
  void command_up(const std::string& body, std::function<void(NodeContext::PeerAnswer)> done);
  /// The link's state for GET /api/v1/federation; null on the root.
  nlohmann::json state() const;
  /// True when the link toward the parent changes between `before` and `fresh`.
  bool parent_changed(const FederationConfig& before, const FederationConfig& fresh) const;

 private:
  /// At the first hello after start: a store that lost its end starts a new epoch.
  void check_log_end(const Hello& hello);

  FederationContext& ctx_;
  IncidentService& incidents_;
  OutboxWaiters& waiters_;
  const PrivateKey* key_;
  const RequestVerifier& peers_;
  mutable std::mutex mutex_;  // guards uplink_ and command_client_, replaced when moved
  std::unique_ptr<Uplink> uplink_;
  std::shared_ptr<PeerClient> command_client_;
  std::atomic<Uplink*> to_poke_{nullptr};  // read by the writer thread
  std::atomic<bool> log_end_checked_{false};
};

}  // namespace ioc::federation
