#pragma once

// Warnings going down the tree (docs/protocol.md, "Alerts down"): an alert a node issues for
// nodes below it is queued, signed by that node, for each child whose subtree it covers; each
// node that takes it from its parent passes it on the same way, unchanged.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "federation_context.hpp"
#include "ioc/federation/node_keys.hpp"

namespace ioc::federation {

/// The children of `self` whose subtree `alert` covers: all of them when it covers `self` (or
/// an ancestor), else those with a covered node at or below them.
std::vector<std::string> children_covered(const FederationConfig& fed, const std::string& self,
                                          const Alert& alert);

/// The wire form {"alert", "signature"}: the signature is standard base64 of Ed25519 over
/// "IOC1-ALERT\n" + the alert's JSON (compact, keys sorted), by its sender's key.
nlohmann::json sign_alert(const PrivateKey& key, const Alert& alert);

/// The nodes other than `self` and its ancestors that the Sharing rules in force let `self` send
/// `alert` to (docs/policies.md: alerts may be shared down and sideways, raw): the nodes rules
/// name, asked one by one.
std::vector<std::string> shared_with(const FederationContext& ctx, const std::string& self,
                                     const Alert& alert);

/// In the write job that recorded `alert`: if this node issued it, queues it for the children it
/// covers and for the nodes below it a Sharing rule sends it to, and logs it as "alert-across"
/// (up to the nearest common ancestor) for the nodes elsewhere a rule sends it to; wakes the
/// children's long-polls after the commit.
void send_alert_down(FederationContext& ctx, WriteContext& w, const Alert& alert,
                     const PrivateKey& key);

/// An "alert-across" entry {"alert", "signature", "to": [NODE]} received from a child (`caller`),
/// written by `origin`. Where this node is the nearest common ancestor of `origin` and a target
/// (the target below it, not in the caller's subtree), the alert must be signed by `origin`,
/// which issued it, and the Sharing rules in force here must let `origin` send it alerts (Error
/// kForbidden otherwise, changing nothing); it is then queued down toward each such target,
/// unchanged but for the target named. Elsewhere the entry is only relayed up, unchecked.
void take_alert_across(FederationContext& ctx, WriteContext& w, const std::string& caller,
                       const std::string& origin, const nlohmann::json& body);

/// Takes an alert the parent passed down (`wire` as sign_alert made it), in a write job: the
/// signature must be its sender's, the sender a node above this one warning only its own
/// subtree, this node covered, and an Update or Cancel must change only that sender's alerts
/// (Error kForbidden or kBadRequest otherwise, changing nothing). Stores it once (a repeat is
/// taken as done), takes what it replaces out of force, publishes it on the stream and passes the
/// same wire form to the children it covers. An alert shared by a Sharing rule carries "to": the
/// sender need not be above, but the rules in force here must let it send alerts to that node,
/// which is this one (kept) or below it (passed on toward it).
void take_alert_from_above(FederationContext& ctx, WriteContext& w, const nlohmann::json& wire);

}  // namespace ioc::federation
