#include "uplink.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "federated_context.hpp"
#include "incident_service.hpp"
#include "json_codec.hpp"
#include "poll.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

namespace {

/// The parent as the link sees it: each call answered by the test's `answer`, except the
/// long-poll, which waits (as a real one does) until the link cancels it.
class FakeParent final : public PeerClient {
 public:
  struct Call {
    std::string method, target, body;
  };
  using Answer = std::function<Response(const Call&)>;

  explicit FakeParent(Answer answer) : answer_(std::move(answer)) {}

  Response call(const std::string& method, const std::string& target,
                const std::string& body) override {
    if (target.rfind("/federation/v1/events?", 0) == 0) {
      std::unique_lock lock(mutex_);
      cancelled_wake_.wait(lock, [this] { return cancelled_; });
      return Response{0, "", "cancelled"};
    }
    Answer answer;
    {
      std::lock_guard lock(mutex_);
      answer = answer_;
    }
    return answer(Call{method, target, body});
  }
  void call_async(const std::string& method, const std::string& target, const std::string& body,
                  Done done) override {
    done(call(method, target, body));
  }
  void cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    cancelled_wake_.notify_all();
  }

  void answer_with(Answer answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cancelled_wake_;
  bool cancelled_ = false;
  Answer answer_;
};

/// The link's clock, run by the test: each pause of the up thread is recorded and holds it until
/// the test lets it go on. (The down thread pauses only when stopping: its long-poll waits.)
class ManualPauses {
 public:
  struct Pause {
    TimeMs ms = 0;
    bool until_poked = false;
  };

  std::function<void(TimeMs, bool)> hook() {
    return [this](TimeMs ms, bool until_poked) {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      pauses_.push_back(Pause{ms, until_poked});
      const std::size_t mine = pauses_.size();
      wake_.notify_all();
      wake_.wait(lock, [&] { return stopping_ || released_ >= mine; });
    };
  }
  /// The link's next pause, once it has paused (the link is held in it until `resume`).
  Pause next() {
    std::unique_lock lock(mutex_);
    const bool paused =
        wake_.wait_for(lock, std::chrono::seconds(20), [&] { return pauses_.size() > released_; });
    REQUIRE(paused);
    return pauses_[released_];
  }
  void resume() {
    std::lock_guard lock(mutex_);
    ++released_;
    wake_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pause> pauses_;
  std::size_t released_ = 0;
  bool stopping_ = false;
};

PeerClient::Response hello_ok() {
  return {200, json{{"protocolVersions", {kProtocolVersion}}, {"policyVersion", "p1"}}.dump(), ""};
}

/// An acknowledgement of everything a batch carried.
PeerClient::Response ack_all(const FakeParent::Call& call) {
  json acked = json::object();
  const json body = json::parse(call.body);
  for (const auto& e : body["events"]) {
    auto& list = acked[e["origin"].get<std::string>()];
    if (list.is_null()) list = json::array();
    list.push_back({{"epoch", e["epoch"]}, {"seq", e["seq"]}});
  }
  return {200, json{{"acked", acked}}.dump(), ""};
}

/// A district with its link to the city, the parent played by the test, and the link's pauses
/// run by the test (`manual_pauses`) or on the link's own clock.
struct Link {
  explicit Link(FakeParent::Answer answer, bool manual_pauses = true) {
    auto client = std::make_unique<FakeParent>(std::move(answer));
    parent = client.get();
    Uplink::Options options;
    if (manual_pauses) options.wait = pauses.hook();
    uplink = std::make_unique<Uplink>(t.ctx, "city", std::move(client), options,
                                      [](std::int64_t, const std::string&, const json&) {});
  }
  ~Link() {
    pauses.stop();
    uplink->stop();
  }
  /// Reports an incident at the district: one entry in its log.
  void report(const std::string& title) {
    incidents.report(Actor{"duty", Role::kOperator, "city/north"},
                     IncidentDraft{Domain::kFlood, Severity::kSevere, "city/north", title, {}, ""});
  }

  test::FederatedContext t{"city/north"};
  IncidentService incidents{t.ctx};
  ManualPauses pauses;
  FakeParent* parent = nullptr;
  std::unique_ptr<Uplink> uplink;
};

bool within_jitter(TimeMs got, TimeMs nominal) {
  return got >= nominal * 8 / 10 && got <= nominal * 12 / 10;
}

}  // namespace

TEST_CASE("a link to an unreachable parent backs off with jitter up to its cap, then resets",
          "[uplink]") {
  Link link([](const FakeParent::Call&) {
    return PeerClient::Response{0, "", "connection refused"};
  });
  link.uplink->start();
  TimeMs nominal = 100;
  for (int i = 0; i < 9; ++i) {
    const auto pause = link.pauses.next();
    INFO("pause " << i << ": " << pause.ms << " ms");
    CHECK(within_jitter(pause.ms, nominal));
    CHECK_FALSE(pause.until_poked);  // new entries do not cut a backoff short
    nominal = std::min<TimeMs>(nominal * 2, 10'000);
    CHECK(link.uplink->state().state == "down");
    CHECK(link.uplink->state().error == "connection refused");
    // The parent is back before the last pause ends: the next round agrees, sends a heartbeat
    // and idles at the poll interval.
    if (i == 8)
      link.parent->answer_with([](const FakeParent::Call& c) {
        return c.target == "/federation/v1/hello" ? hello_ok() : ack_all(c);
      });
    link.pauses.resume();
  }
  const auto idle = link.pauses.next();
  CHECK(idle.ms == 500);
  CHECK(idle.until_poked);
  CHECK(link.uplink->state().state == "up");
  CHECK(link.uplink->state().protocol_version == kProtocolVersion);
  CHECK(link.uplink->state().parent_policy_version == "p1");
}

TEST_CASE("the cursor moves over the prefix the parent acknowledges, and the rest is sent again",
          "[uplink]") {
  std::vector<json> batches;
  std::mutex batches_mutex;
  // The parent acknowledges at most two entries per batch.
  Link link(
      [&](const FakeParent::Call& c) {
        if (c.target == "/federation/v1/hello") return hello_ok();
        json events = json::parse(c.body)["events"];
        {
          std::lock_guard lock(batches_mutex);
          batches.push_back(events);
        }
        json acked = json::object();
        if (!events.empty()) {
          const auto& last = events[std::min<std::size_t>(events.size(), 2) - 1];
          acked[last["origin"].get<std::string>()] =
              json::array({{{"epoch", last["epoch"]}, {"seq", last["seq"]}}});
        }
        return PeerClient::Response{200, json{{"acked", acked}}.dump(), ""};
      },
      false);
  for (const char* title : {"first", "second", "third"}) link.report(title);
  const std::int64_t last = link.t.store.last_event_seq();
  link.uplink->start();
  // First batch: three entries, two acknowledged; the link sends again at once with the third.
  CHECK(test::poll_until([&] { return link.uplink->state().cursor == last; }));
  std::lock_guard lock(batches_mutex);
  REQUIRE(batches.size() >= 2);
  CHECK(batches[0].size() == 3);
  REQUIRE(batches[1].size() == 1);
  CHECK(batches[1][0]["seq"] == batches[0][2]["seq"]);
  CHECK(link.t.store.cursor("city") == last);  // kept in the store, through the writer
}

TEST_CASE("garbage from the parent moves no cursor and takes the link down to retry", "[uplink]") {
  SECTION("a malformed hello") {
    Link link([](const FakeParent::Call&) {
      return PeerClient::Response{200, "{\"protocolVersions\": 7}", ""};
    });
    link.uplink->start();
    const auto pause = link.pauses.next();
    CHECK_FALSE(pause.until_poked);
    CHECK(link.uplink->state().error.find("hello is malformed") != std::string::npos);
  }
  SECTION("a malformed acknowledgement") {
    Link link([](const FakeParent::Call& c) {
      if (c.target == "/federation/v1/hello") return hello_ok();
      return PeerClient::Response{200, "{\"acked\": [1, 2]}", ""};
    });
    link.report("first");
    link.uplink->start();
    const auto pause = link.pauses.next();
    CHECK_FALSE(pause.until_poked);
    CHECK(link.uplink->state().state == "down");
    CHECK(link.uplink->state().error.find("acknowledgement is malformed") != std::string::npos);
    CHECK(link.uplink->state().cursor == 0);
    CHECK(link.t.store.cursor("city") == 0);
  }
  SECTION("a refusal") {
    Link link([](const FakeParent::Call& c) {
      if (c.target == "/federation/v1/hello") return hello_ok();
      return PeerClient::Response{403, "{\"error\":{\"code\":\"forbidden\"}}", ""};
    });
    link.report("first");
    link.uplink->start();
    link.pauses.next();
    CHECK(link.uplink->state().error.rfind("events answered 403", 0) == 0);
    CHECK(link.t.store.cursor("city") == 0);
  }
}

TEST_CASE(
    "a policy reload while a batch is in flight: the batch completes, the next carries the "
    "new version",
    "[uplink]") {
  std::vector<std::string> versions;
  std::mutex versions_mutex;
  Link* self = nullptr;
  Link link(
      [&](const FakeParent::Call& c) {
        if (c.target == "/federation/v1/hello") return hello_ok();
        const json body = json::parse(c.body);
        bool first = false;
        {
          std::lock_guard lock(versions_mutex);
          versions.push_back(body["policyVersion"]);
          first = versions.size() == 1;
        }
        if (first) {
          // The node reloads a changed policy set while the parent is taking this batch.
          test::write_file(self->t.dir / "authority.yaml", R"(apiVersion: ioc/v1
kind: Authority
issuer: city
grants:
  - {id: north-dispatch, to: [city/north], actions: [dispatch], domains: [flood], area: city/north}
)");
          test::write_file(
              self->t.dir / "federation.yaml",
              test::read_file(self->t.dir / "federation.yaml") + "policies: [authority.yaml]\n");
          self->t.authority.reload();
        }
        return ack_all(c);
      },
      false);
  self = &link;
  const std::string before = link.t.authority.version();
  link.report("first");
  link.uplink->start();
  CHECK(test::poll_until(
      [&] { return link.uplink->state().cursor == link.t.store.last_event_seq(); }));
  link.report("second");
  link.uplink->poke();
  CHECK(test::poll_until(
      [&] { return link.uplink->state().cursor == link.t.store.last_event_seq(); }));
  std::lock_guard lock(versions_mutex);
  REQUIRE(versions.size() >= 2);
  CHECK(versions.front() == before);
  CHECK(versions.back() == link.t.authority.version());
  CHECK(versions.back() != before);
}
