#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <tuple>

#include "event_batch.hpp"
#include "node_context.hpp"
#include "store.hpp"

namespace ioc::federation {

/// One log entry as it travels up: {"origin", "epoch", "seq", "type", "ts", "body"}. This node's
/// own observation batches leave as "aggregates": the current state of the minute buckets the
/// batch touched (the default Sharing: aggregate upwards). Relayed entries pass unchanged.
/// `sketches` caches encoded buckets across the entries of one batch (many touch the same bucket).
nlohmann::json to_wire(
    const LoggedEvent& event, const Store& store, const std::string& self,
    std::map<std::tuple<std::string, std::string, TimeMs>, std::string>& sketches);

/// What a receiver answers: the highest contiguous seq it holds per origin (and epoch).
using Acked = nlohmann::json;

/// Takes a batch from child `caller` inside one write job: idempotent on (origin, epoch, seq),
/// in order per origin, an entry that cannot be applied is quarantined (it still counts as
/// received), and every accepted entry is appended to this node's log to travel further up
/// (except at the root, which has nowhere to send it).
/// Throws Error(kBadRequest / kForbidden) for a malformed batch or an origin outside the caller's
/// subtree; then nothing is applied.
Acked receive_events(NodeContext& ctx, WriteContext& w, const std::string& caller,
                     const EventBatch& batch);

}  // namespace ioc::federation
