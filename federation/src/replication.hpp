#pragma once

#include <map>
#include <string>
#include <tuple>

#include "answers.hpp"
#include "event_batch.hpp"
#include "federation_context.hpp"
#include "store.hpp"

namespace ioc::federation {

/// Takes a batch from child `caller` inside one write job: idempotent on (origin, epoch, seq),
/// in order per origin, an entry that cannot be applied is quarantined (it still counts as
/// received), and every accepted entry is appended to this node's log to travel further up
/// (except at the root, which has nowhere to send it).
/// Throws Error(kBadRequest / kForbidden) for a malformed batch or an origin outside the caller's
/// subtree; then nothing is applied.
Acked receive_events(FederationContext& ctx, WriteContext& w, const std::string& caller,
                     const EventBatch& batch);

}  // namespace ioc::federation
