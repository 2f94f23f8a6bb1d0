#pragma once

// Records shared down and sideways by Sharing rules (docs/protocol.md, "Records shared down and
// across"): an incident version, a service request or readings a node wrote, sent whole to a node
// a rule names (or to its children, or to every node below it), signed by the writer so that no
// relay can change or redirect it. Those below the writer go down the links; the others go up the
// log to the nearest common ancestor, which checks them and turns them down. Every node on the way
// checks the rule again.
#include <nlohmann/json.hpp>

#include <string>

#include "federation_context.hpp"
#include "ioc/federation/node_keys.hpp"

namespace ioc::federation {

/// The wire form of one record shared with one node: {"share": {"id", "from", "to", "data", "ts",
/// "record"}, "signature"}, the signature standard base64 of Ed25519 over "IOC1-SHARE\n" + the
/// share's JSON (compact, keys sorted) by the key of `from`, which wrote the record. `id` is
/// random: the target takes a share once, however often it arrives.
nlohmann::json sign_share(const PrivateKey& key, const nlohmann::json& share);

/// In the write job that logged `record`, which this node wrote: for each node other than this
/// one and those above it that a Sharing rule sends it to, the record as that rule lets it leave
/// (raw with its redactions; readings only of the metrics in its scope), signed with `key`. Shares
/// for nodes below this one are queued toward them; the others are logged as one "share-across"
/// entry {"shares": [...]}, which goes up the log.
void send_shares(FederationContext& ctx, WriteContext& w, const NodeContext::LoggedRecord& record,
                 const PrivateKey& key);

/// A "share-across" entry received from child `caller`, written by `origin`. Each share whose
/// target lies below this node but outside the caller's subtree (this node is the nearest common
/// ancestor) must be signed by `origin` and allowed by the Sharing rules in force here; it is then
/// queued toward its target. Error kForbidden or kBadRequest otherwise, changing nothing. Shares
/// for targets elsewhere are only relayed up, unchecked.
void take_shares_across(FederationContext& ctx, WriteContext& w, const std::string& caller,
                        const std::string& origin, const nlohmann::json& body);

/// A share the parent passed down, checked again here (signature, target at or below this node,
/// the rules in force): passed on toward its target, or kept when this node is the target, once.
/// Error kForbidden or kBadRequest otherwise, changing nothing.
void take_share_from_above(FederationContext& ctx, WriteContext& w, const nlohmann::json& wire);

}  // namespace ioc::federation
