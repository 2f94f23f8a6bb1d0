#include "replication.hpp"

#include <map>

#include "alerts_down.hpp"
#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "federation_tables.hpp"
#include "ingest_parser.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "policy_distribution.hpp"
#include "shared_records.hpp"
#include "write_rights.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

// Applies one entry's effect on this node's store; throws Error if it cannot.
// `validated` maps base64 sketches already decoded and checked in this batch to their bytes.
using BucketKey =
    std::tuple<std::string, std::string, std::string, TimeMs>;  // origin, metric, area, start

// A bucket's state as received: an encoded sketch, or the marker of one held back below.
struct BucketState {
  const std::string* sketch = nullptr;  ///< into `validated`; null for a marker
  int held_back = 0;
};

// Checks every bucket of an aggregates entry before taking any: an entry is taken whole or not at
// all. Within one batch only the last state of a bucket matters, so `pending` keeps it and the
// store is written once per bucket at the end. `validated` caches sketches already checked.
void take_buckets(const FederationConfig& fed, const std::string& origin, const json& body,
                  std::map<std::string, std::string>& validated,
                  std::map<BucketKey, BucketState>& pending) {
  std::vector<std::pair<BucketKey, BucketState>> taken;
  for (const auto& b : body.at("buckets")) {
    const std::string area = b.at("area");
    check_area(fed, origin, area);
    const std::string& metric = b.at("metric").get_ref<const std::string&>();
    if (metric.empty() || metric.size() > 256)
      throw Error(ErrorCode::kBadRequest, "bucket metric must be 1 to 256 bytes", "metric");
    const TimeMs start = b.at("start");
    if (start < 0 || start % 60'000 != 0)
      throw Error(ErrorCode::kBadRequest, "bucket start must be a whole minute", "start");
    if (b.contains("heldBack")) {  // held back below under a minGroupSize: no readings
      const int size = b.at("heldBack");
      if (size < 2 || size > 1'000'000 || b.contains("sketch"))
        throw Error(ErrorCode::kBadRequest,
                    "heldBack is a minGroupSize from 2 to 1000000, without a sketch", "heldBack");
      taken.emplace_back(BucketKey{origin, metric, area, start}, BucketState{nullptr, size});
      continue;
    }
    const std::string& text = b.at("sketch").get_ref<const std::string&>();
    auto bytes = validated.find(text);
    if (bytes == validated.end()) {
      const auto decoded = crypto::base64_decode(text, false);
      if (!decoded) throw Error(ErrorCode::kBadRequest, "bucket sketch is not base64", "sketch");
      SummarySketch::decode(*decoded);  // throws if malformed
      bytes = validated.emplace(text, *decoded).first;
    }
    taken.emplace_back(BucketKey{origin, metric, area, start}, BucketState{&bytes->second, 0});
  }
  for (const auto& [key, state] : taken) pending[key] = state;
}

// A notice for `targets`: kept here if this node is one, turned down toward targets below this
// node that the sending child's subtree does not hold (this node is their lowest common ancestor
// with the sender); the relay up the log carries it on toward the others.
void take_notice(FederationContext& ctx, const FederationConfig& fed, WriteContext& w,
                 const std::string& caller, const std::string& origin, const json& body) {
  const json& head = body.at("incident");
  const auto [incident, change] = codec::incident_version_from_json(head);
  for (const auto& t : body.at("targets")) {
    const std::string target = t.get<std::string>();
    if (target == ctx.node_id) {
      take_incident_version(fed, w.writer, IncidentSource{origin, ctx.node_id, false}, incident,
                            change);
      publish_after_commit(ctx, w, "notice", head);
    } else if (fed.find(target) && fed.in_subtree(target, ctx.node_id) &&
               !fed.in_subtree(target, caller)) {
      const std::string via = fed.child_toward(ctx.node_id, target);
      w.writer.append_outbox(via, "notice", change.at,
                             json{{"targets", {target}}, {"incident", head}}.dump());
      w.after_commit.push_back([&ctx, via] {
        if (ctx.outbox_appended) ctx.outbox_appended(via);
      });
    }
  }
}

// Applies one entry written by `origin` and sent by `caller`; throws Error if it cannot be
// applied or `origin` may not write it (the entry is then quarantined).
void apply(FederationContext& ctx, const FederationConfig& fed, WriteContext& w,
           const std::string& caller, const std::string& origin, const std::string& type,
           const json& body) {
  if (type == "notice") {
    take_notice(ctx, fed, w, caller, origin, body);
  } else if (type == "policy-update") {
    take_policy_update(ctx, w, PolicyUpdate::from_json(body), caller);
  } else if (type == "incident") {
    const auto [incident, change] = codec::incident_version_from_json(body);
    if (take_incident_version(fed, w.writer, IncidentSource{origin, ctx.node_id, false}, incident,
                              change))
      publish_after_commit(ctx, w, "incident", body);
  } else if (type == "alert-across") {
    take_alert_across(ctx, w, caller, origin, body);
  } else if (type == "share-across") {
    take_shares_across(ctx, w, caller, origin, body);
  } else if (type == "alert") {
    const Alert alert = codec::alert_from_json(body);
    check_alert(fed, origin, alert, [&w](const std::string& id) { return w.writer.alert(id); });
    w.writer.apply_alert(alert, replaced_alert(alert));
    publish_after_commit(ctx, w, "alert", body);
  } else if (type == "service-request") {
    const auto request = codec::service_request_from_json(body);
    check_service_request(fed, origin, w.writer.service_request(request.id), request);
    w.writer.upsert_service_request(request);
  } else if (type == "command-result") {
    // The owner's answer to a command sent down: shown live, and relayed toward where it came from.
    publish_after_commit(ctx, w, "command-result", body);
  } else if (type != "skipped") {
    throw Error(ErrorCode::kBadRequest, "unknown event type '" + type + "'", "type");
  }
}

// The caller may send entries of nodes in its subtree and, after a reorganisation moved a node
// out of it, what it took from that node before the move.
bool may_relay(const FederationConfig& fed, Store::Writer& w, const std::string& origin,
               const std::string& caller) {
  return fed.find(origin) &&
         (fed.in_subtree(origin, caller) || Receipts(w).is_former_relay(origin, caller));
}

using Held = std::map<std::pair<std::string, std::string>, std::optional<std::int64_t>>;

// A child that moved here from another parent says, per origin, how far the old parent took its
// log. Where this node holds nothing of an origin yet, those entries are either still coming
// through a child on the old path (the old parent lies below this node: hold the start until
// they arrive) or accounted for elsewhere (the sequence starts after them here). False if the
// entry is malformed (it is counted as quarantined).
bool take_handover(const FederationConfig& fed, Store::Writer& w, const std::string& self,
                   const std::string& caller, const json& body, Held& held) {
  std::vector<std::tuple<std::string, std::string, std::int64_t>> through;
  std::string from;
  try {
    from = body.at("from").get<std::string>();
    for (const auto& t : body.at("through")) {
      through.emplace_back(t.at("origin"), t.at("epoch"), t.at("seq"));
      if (std::get<2>(through.back()) < 1 ||
          !may_relay(fed, w, std::get<0>(through.back()), caller))
        return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  const bool old_path_runs_here = fed.find(from) && fed.in_subtree(from, self);
  for (const auto& [origin, epoch, seq] : through) {
    auto slot = held.find({origin, epoch});
    if (slot == held.end())
      slot = held.emplace(std::pair{origin, epoch}, Receipts(w).held(origin, epoch)).first;
    if (slot->second) continue;  // held already: contiguity decides what comes next
    if (old_path_runs_here)
      Receipts(w).set_hold(origin, epoch, seq);
    else
      slot->second = seq;
  }
  return true;
}

}  // namespace

Acked receive_events(FederationContext& ctx, WriteContext& w, const std::string& caller,
                     const EventBatch& batch) {
  const auto fed = ctx.federation();
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    const auto& origin = batch.events[i].origin;
    if (!may_relay(*fed, w.writer, origin, caller))
      throw Error(ErrorCode::kForbidden,
                  "events[" + std::to_string(i) + "]: origin '" + origin +
                      "' is not in the subtree of '" + caller + "'",
                  "events[" + std::to_string(i) + "].origin");
  }
  Held held;  // (origin, epoch) -> highest contiguous seq held
  std::optional<TimeMs> newest;
  std::int64_t quarantined = 0, received = 0, policy_updates_taken = 0;
  std::map<std::string, std::string> validated;
  std::map<BucketKey, BucketState> pending;
  const bool relays = fed->find(ctx.node_id)->parent.has_value();
  for (const auto& e : batch.events) {
    const std::string &origin = e.origin, &epoch = e.epoch, &type = e.type;
    const std::int64_t seq = e.seq;
    const TimeMs ts = e.ts;
    const json& body = e.body;
    if (type == "loss") {
      // Entries the sender's retention dropped unsent: recorded, and counted as received so
      // that nothing waits for them. Not itself part of any origin's sequence.
      std::vector<LostRange> ranges;
      try {
        for (const auto& r : body.at("ranges")) {
          LostRange lr{r.at("origin"), r.at("epoch"), r.at("fromSeq"), r.at("toSeq")};
          if (lr.from_seq < 1 || lr.to_seq < lr.from_seq ||
              !may_relay(*fed, w.writer, lr.origin, caller))
            throw Error(ErrorCode::kBadRequest, "bad lost range", "ranges");
          ranges.push_back(std::move(lr));
        }
      } catch (const std::exception&) {
        ++quarantined;
        continue;
      }
      for (const auto& r : ranges) {
        w.writer.record_lost_range(r, caller);
        auto s = held.find({r.origin, r.epoch});
        if (s == held.end())
          s = held.emplace(std::pair{r.origin, r.epoch}, Receipts(w.writer).held(r.origin, r.epoch))
                  .first;
        if (!s->second || *s->second >= r.from_seq - 1)
          s->second = std::max(s->second.value_or(0), r.to_seq);
      }
      if (relays) w.writer.append_relayed(origin, epoch, seq, "loss", ts, body.dump());
      ++received;
      continue;
    }
    if (type == "handover") {
      if (!take_handover(*fed, w.writer, ctx.node_id, caller, body, held)) {
        ++quarantined;  // malformed: set aside, not passed on
        continue;
      }
      ++received;
      if (relays) w.writer.append_relayed(origin, epoch, seq, "handover", ts, body.dump());
      continue;
    }
    auto slot = held.find({origin, epoch});
    if (slot == held.end())
      slot = held.emplace(std::pair{origin, epoch}, Receipts(w.writer).held(origin, epoch)).first;
    auto& have = slot->second;
    if (have && seq <= *have) continue;      // already held: receipt is idempotent
    if (have && seq != *have + 1) continue;  // a gap: wait for the missing entries to be resent
    if (!have) {
      // The first entry of (origin, epoch) here starts its sequence, unless a handover said the
      // entries before it are still coming through a child on the old path.
      const auto hold = Receipts(w.writer).hold(origin, epoch);
      if (hold && seq > *hold) continue;
    }
    std::string relayed_type = type;
    try {
      if (type == "aggregates") {
        take_buckets(*fed, origin, body, validated, pending);  // no writes yet
      } else if (type == "observations") {
        // Raw rows under raw sharing: stored as rows, counted through their buckets only.
        const auto rows = parse_observations(
            body.at("rows").dump(), BodyFormat::kJsonArray,
            [&](const std::string& area) { return fed->in_subtree(area, origin); });
        std::map<BucketKey, BucketState> these;
        take_buckets(*fed, origin, body, validated, these);
        w.writer.savepoint([&] { w.writer.insert_observations(rows); });
        for (const auto& [key, state] : these) pending[key] = state;
      } else {
        w.writer.savepoint([&] { apply(ctx, *fed, w, caller, origin, type, body); });
        if (type == "policy-update") ++policy_updates_taken;
      }
    } catch (const std::exception& ex) {
      // A runtime grant or revocation may rest on one taken earlier in this batch, adopted only
      // once the batch commits: it waits like an entry after a gap and comes again with the next.
      if (type == "policy-update" && policy_updates_taken > 0) continue;
      // Set aside and reported; it counts as received so it never blocks what follows.
      Quarantine(w.writer).put({origin, epoch, seq, type, ex.what(), caller, ctx.clock.now()},
                               body.dump());
      relayed_type = "skipped";
      ++quarantined;
    }
    have = seq;
    if (relays)  // the root keeps no copy: nothing travels above it
      w.writer.append_relayed(origin, epoch, seq, relayed_type, ts,
                              relayed_type == "skipped" ? "{}" : body.dump());
    if (!newest || ts > *newest) newest = ts;
    ++received;
  }
  for (const auto& [key, state] : pending)
    w.writer.put_remote_aggregate(std::get<0>(key), std::get<1>(key), std::get<2>(key),
                                  std::get<3>(key), state.sketch ? *state.sketch : std::string(),
                                  state.held_back);
  for (const auto& [key, seq] : held)
    if (seq) Receipts(w.writer).set_held(key.first, key.second, *seq);
  w.writer.touch_link(caller, ctx.clock.now(), newest, batch.backlog, batch.policy_version);
  Acked acked;
  for (const auto& [key, seq] : held)
    if (seq) acked[key.first][key.second] = *seq;
  w.after_commit.push_back([&ctx, quarantined, received] {
    ctx.metrics.events_quarantined += static_cast<std::uint64_t>(quarantined);
    ctx.metrics.events_received += static_cast<std::uint64_t>(received);
  });
  return acked;
}

}  // namespace ioc::federation
