#include "uplink.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <future>
#include <map>

#include "answers.hpp"
#include "federation_tables.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/request_signing.hpp"
#include "outbound.hpp"
#include "replication.hpp"
#include "subtree_view.hpp"
#include "thread_guard.hpp"

namespace ioc::federation {

using nlohmann::json;

Uplink::Uplink(FederationContext& ctx, std::string parent, std::unique_ptr<PeerClient> client,
               Options options, DownHandler on_down)
    : ctx_(ctx),
      client_(std::move(client)),
      options_(options),
      on_down_(std::move(on_down)),
      random_(std::random_device{}()) {
  state_.parent = std::move(parent);
  state_.cursor = ctx_.store.cursor(state_.parent);
  handover_ = Handovers::pending(ctx_.store, state_.parent);
}

Uplink::~Uplink() {
  stop();
}

void Uplink::start() {
  thread_ = std::thread([this] { run(); });
  down_thread_ = std::thread([this] { run_down(); });
}

void Uplink::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  client_->cancel();  // ends a long-poll in flight
  if (thread_.joinable()) thread_.join();
  if (down_thread_.joinable()) down_thread_.join();
}

void Uplink::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

Uplink::State Uplink::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void Uplink::wait(TimeMs ms, bool until_poked) {
  if (options_.wait) return options_.wait(ms, until_poked);
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms),
                 [this, until_poked] { return stopping_ || (until_poked && poked_); });
  if (until_poked) poked_ = false;
}

bool Uplink::agree_version() {
  const auto res = client_->call("GET", "/federation/v1/hello", "");
  const auto down = [this](std::string error) {
    std::lock_guard lock(mutex_);
    state_.state = "down";
    state_.error = std::move(error);
    return false;
  };
  if (res.status != 200)
    return down(res.status ? "hello answered " + std::to_string(res.status) + ": " + res.body
                           : res.error);
  Hello hello;
  try {
    hello = parse_hello(res.body);
  } catch (const Error& e) {
    return down(std::string("the parent's hello is malformed: ") + e.what());
  }
  const auto& versions = hello.protocol_versions;
  if (std::find(versions.begin(), versions.end(), kProtocolVersion) == versions.end())
    return down("parent '" + state().parent + "' speaks protocol versions " +
                json(versions).dump() + "; this node speaks [\"" + kProtocolVersion + "\"]");
  if (options_.on_hello) options_.on_hello(hello);  // before anything is sent
  std::lock_guard lock(mutex_);
  state_.protocol_version = kProtocolVersion;
  state_.parent_policy_version = hello.policy_version;
  return true;
}

Uplink::Batch Uplink::build(std::int64_t cursor, bool handing_over) const {
  Batch batch;
  const auto entries = ctx_.store.events_after(
      cursor, static_cast<int>(kMaxEventsPerBatch) - (handing_over ? 1 : 0));
  batch.full = entries.size() + (handing_over ? 1 : 0) == kMaxEventsPerBatch;
  if (handing_over) {
    // After a move, the new parent first learns where the old path ends (in no sequence).
    batch.text = json{{"origin", ctx_.node_id},
                      {"epoch", ctx_.store.epoch()},
                      {"seq", 1},
                      {"type", "handover"},
                      {"ts", format_rfc3339(ctx_.clock.now())},
                      {"body", json::parse(*handover_)}}
                     .dump();
    batch.sent.emplace_back(ctx_.node_id, ctx_.store.epoch(), -1);
    batch.local_seq.push_back(cursor);
  }
  const auto policies = ctx_.policies.engine();  // one Sharing and federation snapshot per batch
  Outbound outbound(ctx_.store, policies->federation(), policies->policies(), ctx_.node_id,
                    state().parent);
  auto wire = outbound.to_wire(entries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    json& w = wire[i];
    const std::string text = w.dump();
    if (!batch.local_seq.empty() && batch.text.size() + text.size() > options_.max_batch_bytes) {
      batch.full = true;
      break;
    }
    if (!batch.text.empty()) batch.text += ',';
    batch.text += text;
    batch.sent.emplace_back(w["origin"], w["epoch"],
                            e.type == "loss" ? -1 : w["seq"].get<std::int64_t>());
    batch.local_seq.push_back(e.seq);
  }
  return batch;
}

bool Uplink::push_once(bool heartbeat_due) {
  const std::int64_t cursor = state().cursor;
  const bool handing_over = handover_.has_value();  // takes one place in the batch
  // The batch built while the parent took the last one, if it starts where the parent stands.
  std::optional<Batch> ready;
  if (next_.valid()) {
    Batch built = next_.get();
    if (!handing_over && next_after_ == cursor) ready = std::move(built);
  }
  Batch batch = ready ? std::move(*ready) : build(cursor, handing_over);
  if (batch.local_seq.empty() && !heartbeat_due && !handing_over) return true;
  // Catching up: the next batch is built while the parent takes this one.
  if (batch.full && !batch.local_seq.empty()) {
    next_after_ = batch.local_seq.back();
    next_ =
        std::async(std::launch::async, [this, after = next_after_] { return build(after, false); });
  }
  const auto& sent = batch.sent;
  const auto& local_seq = batch.local_seq;
  const std::string& entries_text = batch.text;
  const std::int64_t backlog =
      ctx_.store.last_event_seq() - (local_seq.empty() ? cursor : local_seq.back());
  // The view of the subtree goes up once per heartbeat interval, not with every batch: it is read
  // from the store, and the parent writes it down.
  const TimeMs now = ctx_.clock.now();
  const bool tell_subtree = !subtree_sent_ || now - *subtree_sent_ >= options_.heartbeat;
  const auto res = client_->call(
      "POST", "/federation/v1/events",
      "{\"events\":[" + entries_text + "],\"backlog\":" + std::to_string(backlog) +
          ",\"policyVersion\":" + json(ctx_.policies.version()).dump() +
          (tell_subtree ? ",\"subtree\":" + subtree_view(ctx_).dump() : std::string()) + "}");
  if (res.status != 200) {
    std::lock_guard lock(mutex_);
    state_.state = "down";
    state_.error =
        res.status ? "events answered " + std::to_string(res.status) + ": " + res.body : res.error;
    return false;
  }
  if (tell_subtree) subtree_sent_ = now;
  // Advance over the prefix of the batch the parent acknowledges holding.
  Acked acked;
  try {
    acked = parse_acked(res.body);
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    state_.state = "down";
    state_.error = std::string("the parent's acknowledgement is malformed: ") + e.what();
    return false;
  }
  const auto holds = [&acked](const std::string& origin, const std::string& epoch) {
    const auto o = acked.find(origin);
    if (o == acked.end()) return std::int64_t{0};
    const auto e = o->second.find(epoch);
    return e == o->second.end() ? std::int64_t{0} : e->second;
  };
  std::int64_t next = cursor;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& [origin, epoch, seq] = sent[i];
    if (seq < 0) {  // a loss report is in no sequence: taken once the batch is
      next = local_seq[i];
      continue;
    }
    if (holds(origin, epoch) < seq) break;
    next = local_seq[i];
  }
  // Per origin, how far this parent holds the log: where the old path ends if this node moves.
  std::map<std::pair<std::string, std::string>, std::int64_t> handed;
  std::uint64_t taken = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& [origin, epoch, seq] = sent[i];
    if (local_seq[i] > next || local_seq[i] <= cursor) continue;
    ++taken;
    if (seq >= 0) handed[{origin, epoch}] = std::max(handed[{origin, epoch}], seq);
  }
  if (next != cursor || handing_over)
    ctx_.writes.run([&](WriteContext& w) {
      w.writer.set_cursor(state().parent, next);
      for (const auto& [key, seq] : handed)
        Handovers(w.writer).note_handed(state().parent, key.first, key.second, seq);
      if (handing_over) Handovers(w.writer).clear_pending(state().parent);
    });
  if (handing_over) handover_.reset();
  ctx_.metrics.events_sent += taken;
  std::lock_guard lock(mutex_);
  state_.state = "up";
  state_.error.clear();
  state_.cursor = next;
  state_.last_contact = ctx_.clock.now();
  return true;
}

bool Uplink::poll_once(const std::string& key, std::int64_t& cursor) {
  const auto res = client_->call(
      "GET", "/federation/v1/events?after=" + std::to_string(cursor) + "&limit=500&wait=20", "");
  if (res.status != 200) return false;
  DownPage page;
  try {
    page = parse_down_page(res.body, cursor);
  } catch (const Error&) {
    return false;  // a malformed page is asked for again after a pause; nothing acted on
  }
  std::int64_t handled = cursor;
  bool failed = false;
  try {
    for (const auto& e : page.entries) {
      on_down_(e.seq, e.type, e.body);
      handled = e.seq;
    }
  } catch (const std::exception&) {
    failed = true;  // stop at the entry that failed; it is asked for again after a pause
  }
  if (handled != cursor) {
    cursor = handled;
    ctx_.writes.run([&](WriteContext& w) { w.writer.set_cursor(key, cursor); });
  }
  return !failed;
}

template <typename F>
bool Uplink::attempt(F&& step) {
  bool ok = false;
  if (!guarded(ctx_.metrics, ThreadKind::kUplink, "the link to the parent", [&] { ok = step(); })) {
    std::lock_guard lock(mutex_);
    state_.state = "down";
    state_.error = "the link failed unexpectedly (see the node's log); it retries";
  }
  return ok;
}

void Uplink::run_down() {
  const std::string key = "down:" + state().parent;
  std::int64_t cursor = ctx_.store.cursor(key);
  TimeMs backoff = options_.backoff_min;
  std::mt19937 random(std::random_device{}());  // this thread's own: the up loop has random_
  const auto pause = [&] {
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    wait(static_cast<TimeMs>(static_cast<double>(backoff) * jitter(random)), false);
    backoff = std::min(backoff * 2, options_.backoff_max);
  };
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    bool failed = true;
    guarded(ctx_.metrics, ThreadKind::kUplink, "the long-poll of the parent",
            [&] { failed = !poll_once(key, cursor); });
    if (failed)
      pause();
    else
      backoff = options_.backoff_min;
  }
}

void Uplink::run() {
  TimeMs backoff = options_.backoff_min;
  bool agreed = false;
  TimeMs last_push = 0;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    bool ok = agreed || (agreed = attempt([this] { return agree_version(); }));
    if (ok) {
      const TimeMs now = ctx_.clock.now();
      const std::int64_t before = state().cursor;
      ok = attempt([&] { return push_once(now - last_push >= options_.heartbeat); });
      if (ok && state().last_contact && *state().last_contact >= now) last_push = now;
      if (!ok) agreed = false;  // agree again after an outage: the parent may have been upgraded
      if (ok && state().cursor != before) continue;  // more may be waiting: send at once
    }
    if (ok) {
      backoff = options_.backoff_min;
      wait(options_.idle_poll, true);
    } else {
      // Backing off: new entries do not cut the wait short, or a busy node would call a parent
      // that is down at its commit rate.
      std::uniform_real_distribution<double> jitter(0.8, 1.2);
      wait(static_cast<TimeMs>(static_cast<double>(backoff) * jitter(random_)), false);
      backoff = std::min(backoff * 2, options_.backoff_max);
    }
  }
}

}  // namespace ioc::federation
