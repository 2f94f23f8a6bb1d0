#include "observation_ingest.hpp"

#include <memory>

#include "alert_service.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc {

ObservationIngest::ObservationIngest(NodeContext& ctx, IncidentService& incidents)
    : ctx_(ctx),
      incidents_(incidents),
      rules_federation_(ctx.federation()),
      rules_(ctx.local.rules, *rules_federation_, ctx.node_id) {
  rules_.restore(ctx.store.active_alerts());
}

void ObservationIngest::on_commit_failure() {
  aggregator_.reset();
  rules_.reset(ctx_.store.active_alerts());
}

bool ObservationIngest::submit(std::vector<Observation> rows,
                               std::function<void(std::exception_ptr)> done) {
  auto batch = std::make_shared<std::vector<Observation>>(std::move(rows));
  return ctx_.writes.submit([this, batch](WriteContext& w) { ingest_in(w, *batch); },
                            std::move(done));
}

void ObservationIngest::ingest(std::vector<Observation> rows) {
  ctx_.writes.run([&](WriteContext& w) { ingest_in(w, rows); });
}

template <typename F>
void ObservationIngest::undoable(WriteContext& w, F&& fn) {
  const auto mark = rules_.mark();
  aggregator_.take_undo();  // what earlier jobs changed is theirs
  try {
    fn();
  } catch (...) {
    rules_.rewind(*mark);
    aggregator_.undo(aggregator_.take_undo());
    throw;
  }
  // A failure later in the same job rolls its savepoint back too.
  w.on_failure.push_back([this, mark, undo = aggregator_.take_undo()]() mutable {
    rules_.rewind(*mark);
    aggregator_.undo(std::move(undo));
  });
}

void ObservationIngest::ingest_in(WriteContext& w, const std::vector<Observation>& rows) {
  undoable(w, [&] { apply(w, rows); });
}

void ObservationIngest::apply(WriteContext& w, const std::vector<Observation>& rows) {
  if (auto fed = ctx_.federation(); fed != rules_federation_) {  // reorganised since the last batch
    rules_.set_federation(*fed);
    rules_federation_ = std::move(fed);
  }
  const std::int64_t first = w.writer.insert_observations(rows);
  const TimeMs now = ctx_.clock.now();
  codec::json buckets = codec::json::array();
  for (const auto& [metric, area, start] : aggregator_.add(w.writer, rows))
    buckets.push_back({metric, area, start});
  // The event names the rows and the aggregate buckets they touched, which is what a link sends.
  const codec::json body{{"firstId", first}, {"count", rows.size()}, {"buckets", buckets}};
  std::int64_t seq = w.writer.append_event("observations", now, body.dump());
  if (ctx_.record_logged)
    ctx_.record_logged(w, {"observations", now, [&rows] {
                             codec::json out = codec::json::array();
                             for (const auto& o : rows) out.push_back(codec::to_json(o));
                             return codec::json{{"rows", std::move(out)}};
                           }});

  std::vector<RuleEffect> effects;
  for (const auto& o : rows) rules_.evaluate(o, now, effects);
  record_effects(w, effects, seq);
  w.after_commit.push_back([this, count = rows.size()] {
    ctx_.metrics.observations_ingested += count;
    ctx_.metrics.ingest_batches++;
  });
}

void ObservationIngest::check_missing() {
  if (!rules_.has_missing_rules()) return;
  ctx_.writes.run([this](WriteContext& w) {
    undoable(w, [&] {
      const TimeMs now = ctx_.clock.now();
      std::vector<RuleEffect> effects;
      rules_.check_missing(now, effects);
      std::int64_t seq = 0;
      record_effects(w, effects, seq);
    });
  });
}

// Stores and logs the CAP messages rules produced (and the incidents they open), in order.
void ObservationIngest::record_effects(WriteContext& w, std::vector<RuleEffect>& effects,
                                       std::int64_t seq) {
  std::uint64_t raised = 0, cancelled = 0;
  for (auto& e : effects) {
    const bool cancel = e.message.msg_type == CapMsgType::kCancel;
    ++(cancel ? cancelled : raised);
    // Published in log order: this alert before the incident it may open.
    seq = record_alert(ctx_, w, e.message, cancel ? e.cancels : "");
    if (e.rule->incident && e.message.msg_type == CapMsgType::kAlert) {
      IncidentDraft d{e.rule->incident->domain,
                      e.rule->incident->severity,
                      e.trigger.area,
                      e.rule->alert.headline,
                      {},
                      e.message.description};
      incidents_.report_in(w, "rule:" + e.rule->id, d, e.message.identifier);
    }
  }
  w.after_commit.push_back([this, seq, raised, cancelled] {
    ctx_.metrics.alerts_raised += raised;
    ctx_.metrics.alerts_cancelled += cancelled;
    if (seq > ctx_.metrics.event_log_seq) ctx_.metrics.event_log_seq = seq;
  });
}

}  // namespace ioc
