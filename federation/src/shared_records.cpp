#include "shared_records.hpp"

#include <map>
#include <unordered_set>

#include "crypto_util.hpp"
#include "federation_tables.hpp"
#include "ingest_parser.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "sharing.hpp"
#include "write_rights.hpp"

namespace ioc::federation {

using nlohmann::json;
using policy::DataKind;
using policy::Granularity;

namespace {

// How long a target remembers the shares it took: a share comes again only when a node on its
// way crashed between taking it and recording that it did, so it comes again soon.
constexpr TimeMs kRememberShares = 30LL * 24 * 3600 * 1000;

std::string signed_text(const json& share) {
  return "IOC1-SHARE\n" + share.dump();
}

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::kForbidden, why, field);
}

[[noreturn]] void malformed(const std::string& field, const std::string& why) {
  throw Error(ErrorCode::kBadRequest, why, field);
}

// One share as its writer signed it.
struct SignedShare {
  std::string id, from, to;
  DataKind kind = DataKind::kIncidents;
  TimeMs ts = 0;
  const json* record = nullptr;  ///< inside the wire form it was read from
};

// The share in `wire`, checked for its shape and to be signed by the node it names as writer.
SignedShare signed_share(const FederationConfig& fed, const json& wire) {
  if (!wire.is_object() || !wire.contains("share") || !wire["share"].is_object() ||
      !wire.contains("signature") || !wire["signature"].is_string())
    malformed("share", "a shared record is {share, signature}");
  const json& share = wire["share"];
  SignedShare s;
  try {
    s.id = share.at("id").get<std::string>();
    s.from = share.at("from").get<std::string>();
    s.to = share.at("to").get<std::string>();
    s.ts = share.at("ts").get<TimeMs>();
    const auto kind = policy::parse_data_kind(share.at("data").get<std::string>());
    if (!kind || *kind == DataKind::kAlerts || *kind == DataKind::kSummaries)
      malformed("share.data", "shared records are observations, incidents or service-requests");
    s.kind = *kind;
    s.record = &share.at("record");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    malformed("share", std::string("malformed share: ") + e.what());
  }
  if (s.id.empty() || s.id.size() > 64) malformed("share.id", "a share id is 1 to 64 bytes");
  if (!s.record->is_object()) malformed("share.record", "a shared record is an object");
  const NodeConfig* writer = fed.find(s.from);
  if (!writer) refuse("share.from", "'" + s.from + "' is not in the federation");
  if (!fed.find(s.to)) refuse("share.to", "'" + s.to + "' is not in the federation");
  if (!signed_by(*writer, signed_text(share), wire["signature"].get<std::string>()))
    refuse("signature", "share '" + s.id + "' is not signed by '" + s.from + "'");
  return s;
}

// What the rules in force let `from` send `to` of one record: raw, or nothing.
std::optional<Share> raw_share(const FederationContext& ctx, const FederationConfig& fed,
                               const std::string& from, const std::string& to, DataKind kind,
                               const SharedItem& item) {
  Share s = share_for(ctx.policies.engine()->policies(), fed, from, to, kind, item);
  if (s.granularity != Granularity::kRaw) return std::nullopt;
  return s;
}

// `record` as it may leave `from` for `to` under `share`: with the rule's fields cleared.
json redacted(json record, DataKind kind, const Share& share) {
  redact(record, kind, share.redact);
  return record;
}

// Throws unless the rules in force here let `s.from` send `s.to` exactly what `s` holds: each
// reading of a metric in a rule's scope, each record inside one, with its fields redacted as
// that rule says.
void check_allowed(const FederationContext& ctx, const FederationConfig& fed,
                   const SignedShare& s) {
  const auto no_rule = [&](const std::string& what) {
    refuse("share.to", "no Sharing rule in force here lets '" + s.from + "' send " + what +
                           " to '" + s.to + "'");
  };
  const auto check_one = [&](const json& record, const SharedItem& item, const std::string& what) {
    const auto share = raw_share(ctx, fed, s.from, s.to, s.kind, item);
    if (!share) no_rule(what);
    if (redacted(record, s.kind, *share) != record)
      refuse("share.record", "share '" + s.id + "' holds fields rule " + share->rule + " redacts");
  };
  if (s.kind != DataKind::kObservations) {
    check_one(*s.record, item_of(s.kind, *s.record), std::string(policy::to_string(s.kind)));
    return;
  }
  const auto rows = s.record->find("rows");
  if (rows == s.record->end() || !rows->is_array() || rows->empty())
    malformed("share.record.rows", "shared readings are {rows: [READING, ...]}");
  for (const auto& row : *rows) {
    if (!row.is_object() || !row.contains("metric") || !row["metric"].is_string())
      malformed("share.record.rows", "each reading names its metric");
    const std::string metric = row["metric"].get<std::string>();
    check_one(row, SharedItem{metric, std::nullopt, std::nullopt, false}, "readings of " + metric);
  }
}

// Keeps a share this node is the target of, once.
void keep(FederationContext& ctx, const FederationConfig& fed, WriteContext& w,
          const SignedShare& s) {
  const TimeMs now = ctx.clock.now();
  if (!SharesTaken(w.writer).take(s.id, now, now - kRememberShares)) return;
  const json& record = *s.record;
  try {
    switch (s.kind) {
      case DataKind::kObservations: {
        const auto rows = parse_observations(
            record.at("rows").dump(), BodyFormat::kJsonArray,
            [&](const std::string& area) { return fed.in_subtree(area, s.from); });
        w.writer.insert_observations(rows);
        return;
      }
      case DataKind::kIncidents: {
        const auto [incident, change] = codec::incident_version_from_json(record);
        if (take_incident_version(fed, w.writer, IncidentSource{s.from, ctx.node_id, false},
                                  incident, change))
          publish_after_commit(ctx, w, "incident", record);
        return;
      }
      case DataKind::kServiceRequests: {
        const auto request = codec::service_request_from_json(record);
        check_area(fed, s.from, request.area);
        check_service_request(fed, s.from, w.writer.service_request(request.id), request);
        w.writer.upsert_service_request(request);
        publish_after_commit(ctx, w, "service-request", record);
        return;
      }
      default:
        break;
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    malformed("share.record", std::string("malformed record: ") + e.what());
  }
}

// The nodes other than `self` and those above it that a Sharing rule may send data of `kind` to.
std::vector<std::string> candidates(const FederationContext& ctx, const FederationConfig& fed,
                                    DataKind kind) {
  const auto above = fed.ancestors(ctx.node_id);
  std::vector<std::string> out;
  std::unordered_set<std::string> seen{above.begin(), above.end()};
  seen.insert(ctx.node_id);
  const auto add = [&](const std::string& node) {
    if (seen.insert(node).second) out.push_back(node);
  };
  for (const auto& r : ctx.policies.engine()->policies().sharing) {
    if (!(r.data & policy::bit(kind)) || (r.from != "*" && r.from != ctx.node_id) ||
        r.to == "parent" || r.granularity != Granularity::kRaw)
      continue;
    if (r.to == "children") {
      for (const auto& child : fed.children(ctx.node_id)) add(child);
    } else if (r.to == "subtree") {
      for (const auto& node : fed.nodes)
        if (fed.in_subtree(node.id, ctx.node_id)) add(node.id);
    } else if (fed.find(r.to)) {
      add(r.to);
    }
  }
  return out;
}

// The record as it may leave this node for `to`, or null when nothing of it may.
json shared_part(const FederationContext& ctx, const FederationConfig& fed, const std::string& to,
                 DataKind kind, const json& record) {
  if (kind != DataKind::kObservations) {
    const auto share = raw_share(ctx, fed, ctx.node_id, to, kind, item_of(kind, record));
    return share ? redacted(record, kind, *share) : json();
  }
  std::map<std::string, std::optional<Share>> by_metric;
  json rows = json::array();
  for (const auto& row : record.at("rows")) {
    const std::string metric = row.at("metric");
    auto it = by_metric.find(metric);
    if (it == by_metric.end())
      it = by_metric
               .emplace(metric, raw_share(ctx, fed, ctx.node_id, to, kind,
                                          SharedItem{metric, std::nullopt, std::nullopt, false}))
               .first;
    if (it->second) rows.push_back(redacted(row, kind, *it->second));
  }
  return rows.empty() ? json() : json{{"rows", std::move(rows)}};
}

}  // namespace

json sign_share(const PrivateKey& key, const json& share) {
  return json{{"share", share}, {"signature", crypto::base64_encode(key.sign(signed_text(share)))}};
}

void send_shares(FederationContext& ctx, WriteContext& w, const NodeContext::LoggedRecord& record,
                 const PrivateKey& key) {
  const auto kind = kind_of(record.type);
  if (!kind || *kind == DataKind::kAlerts) return;
  const auto fed = ctx.federation();
  const auto targets = candidates(ctx, *fed, *kind);
  if (targets.empty()) return;  // the common case: nothing goes anywhere but up
  const json body = record.body();
  json across = json::array();
  for (const auto& to : targets) {
    json part = shared_part(ctx, *fed, to, *kind, body);
    if (part.is_null()) continue;
    const json wire = sign_share(key, json{{"id", crypto::random_hex(16)},
                                           {"from", ctx.node_id},
                                           {"to", to},
                                           {"data", policy::to_string(*kind)},
                                           {"ts", record.ts},
                                           {"record", std::move(part)}});
    if (fed->in_subtree(to, ctx.node_id))
      queue_toward(ctx, w, "share", record.ts, wire.dump(), to);
    else
      across.push_back(wire);
  }
  if (!across.empty())
    w.writer.append_event("share-across", record.ts, json{{"shares", across}}.dump());
}

void take_shares_across(FederationContext& ctx, WriteContext& w, const std::string& caller,
                        const std::string& origin, const json& body) {
  if (!body.is_object() || !body.contains("shares") || !body["shares"].is_array())
    malformed("shares", "a share-across entry is {shares: [SHARE, ...]}");
  const auto fed = ctx.federation();
  std::vector<std::pair<std::string, std::string>> down;  // target, wire
  for (const auto& wire : body["shares"]) {
    const json* to = wire.is_object() && wire.contains("share") && wire["share"].is_object()
                         ? &wire["share"]["to"]
                         : nullptr;
    if (!to || !to->is_string()) malformed("shares", "each share names its target in share.to");
    const std::string target = to->get<std::string>();
    // Only the nearest common ancestor turns a share down; below it, the entry is only relayed.
    if (target == ctx.node_id || !fed->find(target) || !fed->in_subtree(target, ctx.node_id) ||
        fed->in_subtree(target, caller))
      continue;
    const SignedShare s = signed_share(*fed, wire);
    if (s.from != origin)
      refuse("share.from", "share '" + s.id + "' names writer '" + s.from + "', but '" + origin +
                               "' wrote the entry");
    check_allowed(ctx, *fed, s);
    down.emplace_back(target, wire.dump());
  }
  for (const auto& [target, wire] : down)
    queue_toward(ctx, w, "share", ctx.clock.now(), wire, target);
}

void take_share_from_above(FederationContext& ctx, WriteContext& w, const json& wire) {
  const auto fed = ctx.federation();
  const SignedShare s = signed_share(*fed, wire);
  if (!fed->in_subtree(s.to, ctx.node_id))
    refuse("share.to",
           "share '" + s.id + "' is for '" + s.to + "', not at or below '" + ctx.node_id + "'");
  check_allowed(ctx, *fed, s);
  if (s.to == ctx.node_id)
    keep(ctx, *fed, w, s);
  else
    queue_toward(ctx, w, "share", s.ts, wire.dump(), s.to);
}

}  // namespace ioc::federation
