#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "authority.hpp"
#include "event_sink.hpp"
#include "ioc/authorizer.hpp"
#include "ioc/config.hpp"
#include "ioc/time.hpp"
#include "metrics.hpp"
#include "store.hpp"
#include "write_queue.hpp"

namespace ioc {

/// What the node's services share. Owned by the Node; services hold a reference.
struct NodeContext {
  std::string node_id;
  const NodeLocalConfig& local;
  Store& store;
  WriteQueue& writes;
  const Clock& clock;
  EventSink& events;
  Metrics& metrics;
  const Authorizer& authorizer;
  const Authority& authority;  ///< the federation in force and who owns what in it
  /// Sends a command to the parent (POST /federation/v1/commands) for an incident owned above;
  /// empty when this node has no link up. `done` gets the parent's status and body (status 0
  /// when it could not be reached, with the reason in `error`), once, on a thread of the link's:
  /// the caller does not wait.
  struct PeerAnswer {
    int status = 0;
    std::string body;
    std::string error;
  };
  std::function<void(const std::string& body, std::function<void(PeerAnswer)> done)> command_up =
      {};
  /// Called after commit when something was queued for a child (wakes its long-poll).
  std::function<void(const std::string& child)> outbox_appended = {};
  /// Called in the write job that recorded an alert this node issued (record_alert): the
  /// federation sends it down to the nodes it covers.
  std::function<void(WriteContext& w, const Alert& alert)> alert_recorded = {};
  /// A record this node wrote, as it logs it.
  struct LoggedRecord {
    std::string_view type;  ///< "incident", "service-request" or "observations"
    TimeMs ts = 0;
    /// Its JSON: the logged body, or {"rows": [...]} for readings. Built only when called.
    std::function<nlohmann::json()> body;
  };
  /// Called in the write job that logged a record this node wrote: the federation shares it
  /// down and across as its Sharing rules say.
  std::function<void(WriteContext& w, const LoggedRecord& record)> record_logged = {};

  /// The federation in force. A reorganisation swaps it: take it once per request or job and
  /// hold the pointer while using what it holds.
  std::shared_ptr<const FederationConfig> federation() const { return authority.federation(); }
};

/// Publishes {"type": TYPE, "data": DATA} on the live stream once `w` has committed.
inline void publish_after_commit(NodeContext& ctx, WriteContext& w, const std::string& type,
                                 const nlohmann::json& data) {
  std::string live = nlohmann::json{{"type", type}, {"data", data}}.dump();
  w.after_commit.push_back([&ctx, live = std::move(live)] { ctx.events.publish(live); });
}

}  // namespace ioc
