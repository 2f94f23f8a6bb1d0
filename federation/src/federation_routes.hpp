#pragma once

#include <nlohmann/json.hpp>

#include <functional>

#include "api_router.hpp"
#include "federation_context.hpp"
#include "incident_service.hpp"
#include "ioc/federation/request_signing.hpp"
#include "outbox_waiters.hpp"

namespace ioc::federation {

/// The federation's routes on a node's API: the signed peer calls (/federation/v1/...) and the
/// operator routes about the federation (its state, runtime grants and revocations, explained
/// decisions). Registered on the node's router when the federation attaches.
class FederationRoutes {
 public:
  struct Parts {
    IncidentService& incidents;
    const RequestVerifier& peers;
    OutboxWaiters& waiters;
    /// This node's key, which signs its answers to federation calls; null without one.
    const PrivateKey* key = nullptr;
    /// The link to this node's parent, for /api/v1/federation; null on the root.
    std::function<nlohmann::json()> uplink_state;
  };

  /// Adds the routes to `router`, which must outlive this object.
  FederationRoutes(FederationContext& ctx, ApiRouter& router, Parts parts);

 private:
  /// Admits a signed call: a supported protocol, a valid signature from a node of the federation
  /// for this node; signs the answer (refusals included) over the call's nonce.
  void admit_peer(ApiCall& call, Respond& respond) const;
  /// Refuses a caller that is not a child of this node.
  void require_child(const ApiCall& call) const;

  void hello(ApiCall&, Respond&);
  void post_events(ApiCall&, Respond&);
  void poll(ApiCall&, Respond&);
  void summary(ApiCall&, Respond&);
  void command(ApiCall&, Respond&);
  void get_federation(ApiCall&, Respond&);
  void post_grant(ApiCall&, Respond&);
  void post_revocation(ApiCall&, Respond&);
  /// Issues a signed grant or revocation from the request's body; 201 with it once kept.
  void issue_update(const std::string& kind, ApiCall& call, Respond& respond);
  void authorize(ApiCall&, Respond&);

  FederationContext& ctx_;
  ApiRouter& router_;
  Parts parts_;
};

}  // namespace ioc::federation
