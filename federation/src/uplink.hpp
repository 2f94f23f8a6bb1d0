#pragma once

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "answers.hpp"
#include "federation_context.hpp"
#include "peer_client.hpp"

namespace ioc::federation {

/// A child's link to its parent, opened by the child, so the parent never needs to reach it.
/// Up: pushes this node's event log (own and relayed entries) after the cursor the parent has
/// acknowledged, in order, in batches; waits with exponential backoff and jitter while the parent
/// is unreachable; sends an empty batch as a heartbeat when idle. Down: long-polls the parent for
/// what it queued for this node (commands) and hands each entry to `on_down`, in order. Both
/// cursors are persisted, so a restart resumes where it stood.
class Uplink {
 public:
  struct Options {
    TimeMs idle_poll = 500;  ///< an idle link looks for new entries this often; commits wake it too
    TimeMs heartbeat = 5000;  ///< an empty batch at least this often
    TimeMs backoff_min = 100;
    TimeMs backoff_max = 10'000;
    std::size_t max_batch_bytes = 4 * 1024 * 1024;
    /// Called with each verified hello, before anything is sent after it (on the link's thread).
    std::function<void(const Hello&)> on_hello = {};
    /// How the link's threads pause: for `ms` at most, cut short by new entries when
    /// `until_poked`, and by stop. Empty: on the link's own clock. Tests give their own to run
    /// the link step by step and read its backoff.
    std::function<void(TimeMs ms, bool until_poked)> wait = {};
  };
  struct State {
    std::string parent;
    std::string state = "connecting";  ///< connecting, up, down
    std::optional<TimeMs> last_contact;
    std::string protocol_version;
    std::string parent_policy_version;
    std::string error;
    std::int64_t cursor = 0;
  };

  /// Receives what the parent queued for this node (its place in the outbox, type and body), in
  /// order; may throw to have the entry retried.
  using DownHandler =
      std::function<void(std::int64_t seq, const std::string& type, const nlohmann::json& body)>;

  Uplink(FederationContext& ctx, std::string parent, std::unique_ptr<PeerClient> client,
         Options options, DownHandler on_down);
  ~Uplink();
  void start();
  void stop();
  /// Wakes the link at once (new log entries).
  void poke();
  State state() const;

 private:
  void run();
  void run_down();
  bool agree_version();
  /// Entries after `cursor`, as they go on the wire, comma-separated.
  struct Batch {
    std::string text;
    std::vector<std::tuple<std::string, std::string, std::int64_t>> sent;  ///< origin, epoch, seq
    std::vector<std::int64_t> local_seq;  ///< each entry's place in this node's log
    bool full = false;                    ///< as many entries as a batch holds: more may follow
  };
  Batch build(std::int64_t cursor, bool handing_over) const;
  bool push_once(bool heartbeat_due);
  /// One long-poll of the parent and the handling of what it answers; false to pause.
  bool poll_once(const std::string& key, std::int64_t& cursor);
  /// Runs one step of the up loop at the thread's edge: a failure is logged, counted, and
  /// leaves the link down to retry.
  template <typename F>
  bool attempt(F&& step);
  void wait(TimeMs ms, bool until_poked);

  FederationContext& ctx_;
  std::unique_ptr<PeerClient> client_;
  Options options_;
  DownHandler on_down_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poked_ = false;
  State state_;
  std::mt19937 random_;
  std::optional<std::string> handover_;  // to send first after a move (the up thread's only)
  std::future<Batch> next_;              // the batch after next_after_, built in the background
  std::int64_t next_after_ = 0;
  std::optional<TimeMs> subtree_sent_;  // when the subtree view last went up (the up thread's)
  std::thread thread_;
  std::thread down_thread_;
};

}  // namespace ioc::federation
