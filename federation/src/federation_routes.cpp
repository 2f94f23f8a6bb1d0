#include "federation_routes.hpp"

#include <limits>

#include "api_support.hpp"
#include "federation_tables.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "link_status.hpp"
#include "policy_distribution.hpp"
#include "replication.hpp"
#include "sharing.hpp"
#include "subtree_view.hpp"

namespace ioc::federation {

using codec::json;
using namespace api;

FederationRoutes::FederationRoutes(FederationContext& ctx, ApiRouter& router, Parts parts)
    : ctx_(ctx), router_(router), parts_(std::move(parts)) {
  using Handler = void (FederationRoutes::*)(ApiCall&, Respond&);
  const auto route = [this](const char* method, const char* path, std::vector<Role> roles,
                            Handler h) {
    router_.add_route(method, path, std::move(roles),
                      [this, h](ApiCall& call, Respond& respond) { (this->*h)(call, respond); });
  };
  const auto peer_route = [this](const char* method, const char* path, Handler h) {
    router_.add_route(
        method, path, {}, [this, h](ApiCall& call, Respond& respond) { (this->*h)(call, respond); },
        [this](ApiCall& call, Respond& respond) { admit_peer(call, respond); });
  };
  using R = Role;
  route("GET", "/api/v1/federation", {R::kViewer}, &FederationRoutes::get_federation);
  route("POST", "/api/v1/grants", {R::kAdmin}, &FederationRoutes::post_grant);
  route("POST", "/api/v1/revocations", {R::kAdmin}, &FederationRoutes::post_revocation);
  route("GET", "/admin/v1/authorize", {R::kAdmin}, &FederationRoutes::authorize);
  peer_route("GET", "/federation/v1/hello", &FederationRoutes::hello);
  peer_route("POST", "/federation/v1/events", &FederationRoutes::post_events);
  peer_route("GET", "/federation/v1/events", &FederationRoutes::poll);
  peer_route("GET", "/federation/v1/summary", &FederationRoutes::summary);
  peer_route("POST", "/federation/v1/commands", &FederationRoutes::command);
}

void FederationRoutes::admit_peer(ApiCall& call, Respond& respond) const {
  const HttpRequest& request = call.request;
  // Every answer to a federation call is signed, bound to the call's nonce, so the caller can
  // tell it came from this node and answers this call.
  if (parts_.key)
    respond = [respond, this, nonce = request.header("ioc-nonce"),
               caller = request.header("ioc-node")](HttpResponse res) {
      for (auto& [name, value] :
           sign_answer(*parts_.key, ctx_.node_id, res.status, nonce, caller, res.body))
        res.headers.emplace_back(name, std::move(value));
      respond(std::move(res));
    };
  // A peer says which version it speaks; without the header, the signature decides.
  const std::string version = request.header("ioc-protocol");
  if (!version.empty() && version != kProtocolVersion)
    throw Error(ErrorCode::kBadRequest,
                "protocol version '" + version + "' is not spoken here; this node speaks " +
                    kProtocolVersion,
                "ioc-protocol");
  const auto v = parts_.peers.verify(
      request.method, request.target,
      [&request](const std::string& h) { return request.header(h); }, request.body,
      ctx_.clock.now());
  if (!v.ok) throw Error(ErrorCode::kUnauthorized, v.reason, "signature");
  call.peer = v.node;
}

void FederationRoutes::require_child(const ApiCall& call) const {
  const auto fed = ctx_.federation();
  const NodeConfig* caller = fed->find(call.peer);
  if (!caller || !caller->parent || *caller->parent != ctx_.node_id)
    throw Error(ErrorCode::kForbidden,
                "'" + call.peer + "' is not a child of '" + ctx_.node_id + "'", "ioc-node");
}

void FederationRoutes::summary(ApiCall& call, Respond& respond) {
  const auto fed = ctx_.federation();
  // Summaries are pulled: the Sharing rules for `summaries` say who may pull them (by default
  // the nodes above this one) and the smallest group they may show.
  const auto share = share_for(ctx_.policies.engine()->policies(), *fed, ctx_.node_id, call.peer,
                               policy::DataKind::kSummaries);
  if (share.granularity == policy::Granularity::kNone)
    throw Error(ErrorCode::kForbidden,
                "'" + call.peer + "' may not see the summary of '" + ctx_.node_id +
                    "' (no Sharing rule gives it summaries; by default only nodes above may)",
                "ioc-node");
  only_params(call.query, {"window", "from", "to", "metrics", "area"});
  Summary s = router_.summary_for(call);
  // Metric by metric (a rule may be scoped to some metrics): what the caller may not see is
  // left out; what is under its rule's minGroupSize is left out and said so, so a reader never
  // takes a missing metric for a quiet one.
  int held_back = 0, min_group = 0;
  std::erase_if(s.metrics, [&](const auto& m) {
    const Share metric_share = share_for(ctx_.policies.engine()->policies(), *fed, ctx_.node_id,
                                         call.peer, policy::DataKind::kSummaries,
                                         SharedItem{m.first, std::nullopt, std::nullopt, false});
    if (metric_share.granularity == policy::Granularity::kNone) return true;
    if (m.second.count >= metric_share.min_group_size) return false;
    ++held_back;
    min_group = std::max(min_group, metric_share.min_group_size);
    return true;
  });
  if (held_back > 0) {
    if (!s.suppressed) s.suppressed = Summary::Suppressed{0, 0};
    Summary::Suppressed& shown = *s.suppressed;
    shown.groups += held_back;
    shown.min_group_size = std::max(shown.min_group_size, min_group);
  }
  respond(json_response(200, codec::to_json(s)));
}

void FederationRoutes::command(ApiCall& call, Respond& respond) {
  const auto fed = ctx_.federation();
  require_json(call.request);
  require_child(call);
  const auto c = IncidentService::parse_command(parse_json_object(call.request.body));
  // A child speaks for its own subtree only.
  if (!fed->find(c.actor.node) || !fed->in_subtree(c.actor.node, call.peer))
    throw Error(ErrorCode::kForbidden,
                "actor node '" + c.actor.node + "' is not in the subtree of '" + call.peer + "'",
                "actor.node");
  parts_.incidents.act(c.actor, c.incident, c.action, c.note,
                       [respond, id = c.id](ActResult result, std::exception_ptr error) {
                         if (error)
                           return respond(ApiRouter::failure_response(error, "command failed"));
                         json body{{"command", id}, {"incident", codec::to_json(result.incident)}};
                         if (!result.forwarded.empty())
                           body["forwarded"] = {{"command", result.forwarded}, {"via", result.via}};
                         respond(json_response(result.forwarded.empty() ? 200 : 202, body));
                       });
}

void FederationRoutes::post_grant(ApiCall& call, Respond& respond) {
  issue_update("grant", call, respond);
}

void FederationRoutes::post_revocation(ApiCall& call, Respond& respond) {
  issue_update("revocation", call, respond);
}

void FederationRoutes::issue_update(const std::string& kind, ApiCall& call, Respond& respond) {
  require_json(call.request);
  issue_policy_update(ctx_, kind, parse_json_object(call.request.body),
                      [respond, kind](PolicyUpdate u, std::exception_ptr error) {
                        if (error)
                          return respond(ApiRouter::failure_response(error, kind + " failed"));
                        respond(json_response(201, u.to_json()));
                      });
}

void FederationRoutes::authorize(ApiCall& call, Respond& respond) {
  const auto fed = ctx_.federation();
  const auto param = [&call](const char* name) {
    const auto it = call.query.find(name);
    if (it == call.query.end() || it->second.empty())
      throw Error(ErrorCode::kBadRequest, std::string(name) + " is required", name);
    return it->second;
  };
  policy::Question q;
  q.subject = param("as");
  if (!fed->find(q.subject))
    throw Error(ErrorCode::kBadRequest, "as: '" + q.subject + "' is not a node of the federation",
                "as");
  const auto action = policy::parse_action(param("action"));
  if (!action) throw Error(ErrorCode::kBadRequest, "action: unknown action", "action");
  q.action = *action;
  const auto domain = parse_domain(param("domain"));
  if (!domain) throw Error(ErrorCode::kBadRequest, "domain: unknown domain", "domain");
  q.domain = *domain;
  q.area = param("area");
  if (!fed->find(q.area))
    throw Error(ErrorCode::kBadRequest, "area: '" + q.area + "' is not a node of the federation",
                "area");
  const auto severity = parse_severity(param("severity"));
  if (!severity) throw Error(ErrorCode::kBadRequest, "severity: unknown severity", "severity");
  q.severity = *severity;
  q.at = query_time(call.query, "at").value_or(ctx_.clock.now());
  const auto engine = ctx_.policies.engine();
  const auto e = engine->explain(q);
  json body = json::parse(explanation_json(e));
  body["policyVersion"] = engine->policies().version;
  respond(json_response(200, body));
}

void FederationRoutes::hello(ApiCall& call, Respond& respond) {
  // What this node holds of the caller's own log: a child whose store lost its end learns it.
  json holds = json::array();
  for (const auto& [epoch, seq] : Receipts::of(ctx_.store, call.peer))
    holds.push_back({{"epoch", epoch}, {"seq", seq}});
  respond(json_response(
      200, {{"node", ctx_.node_id},
            {"caller", call.peer},
            {"protocolVersions", json::array({kProtocolVersion})},
            {"software", "libioc/" IOC_VERSION},
            {"policyVersion", ctx_.policies.version()},
            {"capabilities", json::array({"hello", "events", "commands-down", "commands", "summary",
                                          "policy-updates", "sharing", "retention", "handover",
                                          "signed-answers", "receipt-checks", "epochs"})},
            {"holds", holds}}));
}

void FederationRoutes::poll(ApiCall& call, Respond& respond) {
  require_child(call);
  const std::int64_t after =
      query_int(call.query, "after", 0, std::numeric_limits<std::int64_t>::max(), 0,
                "after must be a sequence number this node returned");
  if (after > 0) {
    // The child has taken everything up to `after`: it need not stay in the outbox.
    const std::string child = call.peer;
    ctx_.writes.submit([child, after](WriteContext& w) { w.writer.prune_outbox(child, after); },
                       [](std::exception_ptr) {});
  }
  const int limit = std::min(query_limit(call.query), 1000);
  const auto wait = query_int(call.query, "wait", 0, 30, 0, "wait must be 0 to 30 seconds");
  // Bodies are this node's own JSON as stored: spliced in, not parsed again.
  const auto answer = [respond, after](std::vector<LoggedEvent> entries) {
    std::string events;
    for (const auto& e : entries)
      events += (events.empty() ? "{\"seq\":" : ",{\"seq\":") + std::to_string(e.seq) +
                ",\"type\":" + codec::dump(e.type) + ",\"ts\":\"" + format_rfc3339(e.ts) +
                "\",\"body\":" + e.body + "}";
    respond(HttpResponse{200,
                         "application/json",
                         "{\"events\":[" + events + "],\"next\":" +
                             std::to_string(entries.empty() ? after : entries.back().seq) + "}",
                         {}});
  };
  auto entries = ctx_.store.outbox_after(call.peer, after, limit);
  if (!entries.empty() || wait == 0) return answer(std::move(entries));
  parts_.waiters.park(call.peer, after, limit, std::chrono::seconds(wait), answer);
}

void FederationRoutes::post_events(ApiCall& call, Respond& respond) {
  require_child(call);
  require_json(call.request);
  auto batch = std::make_shared<EventBatch>(parse_event_batch(call.request.body));
  auto acked = std::make_shared<Acked>();
  const std::string peer = call.peer;
  const bool queued = ctx_.writes.submit(
      [this, batch, acked, peer](WriteContext& w) {
        *acked = receive_events(ctx_, w, peer, *batch);
        if (batch->subtree) keep_relayed_subtree(ctx_, w, peer, *batch->subtree);
      },
      [respond, acked](std::exception_ptr error) {
        if (!error)
          return respond(HttpResponse{200, "application/json", acked_to_json(*acked), {}});
        respond(ApiRouter::failure_response(error, "receipt failed"));
      });
  if (!queued)
    throw Error(ErrorCode::kTooManyRequests, "the node's write queue is full; retry shortly", "");
}

void FederationRoutes::get_federation(ApiCall&, Respond& respond) {
  const auto fed = ctx_.federation();
  const NodeConfig* me = fed->find(ctx_.node_id);
  const auto links = ctx_.store.links();
  const TimeMs now = ctx_.clock.now();
  const auto relayed = relayed_states(ctx_);
  json nodes = json::array();
  for (const auto& n : fed->nodes) {
    json link = nullptr;
    if (const auto r = relayed.find(n.id); r != relayed.end()) link = r->second;
    json version = n.id == ctx_.node_id ? json(ctx_.policies.version()) : json(nullptr);
    if (me->parent && *me->parent == n.id) {
      link = parts_.uplink_state();
      version = link.value("policyVersion", json(nullptr));
    } else if (n.parent && *n.parent == ctx_.node_id) {
      const auto record = find_link(links, n.id);
      link = codec::to_json(child_status(n.id, record, now));
      link.erase("node");
      if (record && !record->policy_version.empty()) version = record->policy_version;
    }
    nodes.push_back({{"id", n.id},
                     {"kind", to_string(n.kind)},
                     {"parent", n.parent ? json(*n.parent) : json(nullptr)},
                     {"endpoint", n.endpoint},
                     {"self", n.id == ctx_.node_id},
                     {"policyVersion", version},
                     {"link", link}});
  }
  json recent = json::array();
  for (const auto& q : Quarantine::recent(ctx_.store, 20))
    recent.push_back({{"origin", q.origin},
                      {"epoch", q.epoch},
                      {"seq", q.seq},
                      {"type", q.type},
                      {"reason", q.reason},
                      {"via", q.via.empty() ? json(nullptr) : json(q.via)},
                      {"at", q.at ? json(format_rfc3339(q.at)) : json(nullptr)}});
  respond(json_response(
      200, {{"federation", fed->name},
            {"node", ctx_.node_id},
            {"policyVersion", ctx_.policies.version()},
            {"nodes", nodes},
            {"quarantine", {{"total", Quarantine::count(ctx_.store)}, {"recent", recent}}}}));
}

}  // namespace ioc::federation
