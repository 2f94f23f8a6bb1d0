#include "ioc/mqtt.hpp"

#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <thread>

#include "api_support.hpp"
#include "broker_connection.hpp"
#include "crypto_util.hpp"
#include "message_mapping.hpp"
#include "node_plugin.hpp"
#include "session_table.hpp"
#include "source_stats.hpp"

namespace ioc::mqtt {
namespace {

// One MQTT connection of the node: its broker thread, what it counts, and how a batch it
// delivers is stored.
class Source {
 public:
  Source(const SourceConnection& config, NodeParts& parts)
      : config_(config),
        ctx_(parts.ctx),
        ingest_(parts.ingest),
        incidents_(parts.incidents),
        stats_(config, parts.ctx.clock),
        broker_(config,
                BrokerConnection::Callbacks{
                    [this](bool resumed) { return connected(resumed); }, [this] { subscribed(); },
                    [this](std::vector<InboundMessage> chunk, std::int64_t session) {
                      return store(std::move(chunk), session);
                    },
                    [this](const std::string& state, const std::string& error) {
                      changed(state, error);
                    }}) {
    for (const auto& s : config.subscriptions) filters_.push_back(s.filter);
  }

  void start() { broker_.start(); }
  void stop() {
    stopping_ = true;
    broker_.stop();
  }
  const SourceStats& stats() const { return stats_; }

 private:
  // A message as the writer takes it: mapped on the broker's thread, stored in the job.
  struct Prepared {
    std::size_t subscription = 0;
    int mid = 0;
    std::string digest;  // of topic and payload, for QoS 1 deliveries
    bool again = false;  // delivered again after a reconnect, already stored
    Mapped mapped;
  };

  BrokerConnection::SessionPlan connected(bool resumed) {
    ctx_.writes.run([&](WriteContext& w) {
      session_ = SessionTable(w.writer).begin(config_.name, resumed, filters_);
    });
    if (++connections_ > 1) stats_.count_reconnect();
    return BrokerConnection::SessionPlan{session_.session, session_.subscribe,
                                         session_.unsubscribe};
  }

  void subscribed() {
    ctx_.writes.run(
        [&](WriteContext& w) { SessionTable(w.writer).subscribed(config_.name, filters_); });
  }

  void changed(const std::string& state, const std::string& error) {
    stats_.set_state(state, error);
    // One line when it goes down or the reason changes, one when it is back: not one per retry.
    if (state == "down" && error != last_error_)
      std::cerr << "iocd: mqtt: " << config_.name << ": " << error << " (retrying)" << std::endl;
    if (state == "up" && !last_error_.empty())
      std::cerr << "iocd: mqtt: " << config_.name << ": connected again" << std::endl;
    if (state == "down") last_error_ = error;
    if (state == "up") last_error_.clear();
  }

  // Maps a chunk here, on the broker's thread, and queues it for the writer; the answer waits
  // for its commit.
  BrokerConnection::Callbacks::Stored store(std::vector<InboundMessage> chunk,
                                            std::int64_t session) {
    const auto fed = ctx_.federation();
    const MappingScope scope{*fed, ctx_.node_id, ctx_.local.cameras, ctx_.clock.now()};
    auto ready = std::make_shared<std::vector<Prepared>>();
    ready->reserve(chunk.size());
    for (const auto& m : chunk) {
      std::optional<std::size_t> sub;
      try {
        const auto match = matcher_.match(m.topic);
        if (!match) throw BadMessage("no subscription's topic fits it");
        sub = match->subscription;
        if (m.payload.size() > config_.max_payload)
          throw BadMessage("the payload has " + std::to_string(m.payload.size()) +
                           " bytes, over maxPayload (" + std::to_string(config_.max_payload) + ")");
        Prepared p;
        p.subscription = *sub;
        p.mid = m.mid;
        if (m.qos > 0) {
          p.digest = crypto::sha256_hex(m.topic + '\0' + m.payload).substr(0, 32);
          p.again = session_.delivered_again(m.mid, p.digest);
        }
        if (!p.again) p.mapped = map_message(config_.subscriptions[*sub], *match, m.payload, scope);
        ready->push_back(std::move(p));
      } catch (const BadMessage& e) {
        stats_.count_bad(sub, m.topic, e.what());
      }
    }
    // A chunk that is not stored is not acknowledged: the connection starts again and the broker
    // delivers it again, to be mapped afresh (a message the tree no longer takes is bad then).
    return [this, ready, committed = submit(ready, session)] {
      committed.get();
      count(*ready);
    };
  }

  // Queues one job storing `ready`, waiting for room in the writer's queue as long as the node
  // runs: the broker holds on to what is not acknowledged.
  std::shared_future<void> submit(std::shared_ptr<std::vector<Prepared>> ready,
                                  std::int64_t session) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future().share();
    for (;;) {
      const bool queued = ctx_.writes.submit(
          [this, ready, session](WriteContext& w) { store_in(w, *ready, session); },
          [done](std::exception_ptr error) {
            if (error)
              done->set_exception(error);
            else
              done->set_value();
          });
      if (queued) return future;
      if (stopping_) throw Error(ErrorCode::kUnavailable, "the node is stopping");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void store_in(WriteContext& w, const std::vector<Prepared>& ready, std::int64_t session) {
    SessionTable table(w.writer);
    std::vector<Observation> rows;
    for (const Prepared& p : ready) {
      if (p.mid > 0) table.taken(config_.name, p.mid, p.digest, session);
      if (p.again) continue;
      rows.insert(rows.end(), p.mapped.rows.begin(), p.mapped.rows.end());
      if (p.mapped.incident)
        incidents_.report_in(w, "mqtt:" + config_.name, *p.mapped.incident, "");
    }
    if (!rows.empty()) ingest_.ingest_in(w, rows);
    table.delivered(config_.name, session);
  }

  void count(const std::vector<Prepared>& stored) {
    struct Sums {
      std::size_t messages = 0, rows = 0, incidents = 0;
    };
    std::vector<Sums> by_subscription(config_.subscriptions.size());
    std::size_t again = 0;
    for (const Prepared& p : stored) {
      if (p.again) {
        ++again;
        continue;
      }
      Sums& s = by_subscription[p.subscription];
      ++s.messages;
      s.rows += p.mapped.rows.size();
      s.incidents += p.mapped.incident ? 1 : 0;
    }
    for (std::size_t i = 0; i < by_subscription.size(); ++i)
      if (by_subscription[i].messages)
        stats_.count_taken(i, by_subscription[i].messages, by_subscription[i].rows,
                           by_subscription[i].incidents);
    if (again) stats_.count_duplicates(again);
  }

  const SourceConnection& config_;
  NodeContext& ctx_;
  ObservationIngest& ingest_;
  IncidentService& incidents_;
  SourceStats stats_;
  std::vector<std::string> filters_;
  TopicMatcher matcher_{config_.subscriptions};
  SessionTable::Begun session_;  // the broker's thread only
  int connections_ = 0;
  std::string last_error_;
  std::atomic<bool> stopping_{false};
  BrokerConnection broker_;  // last: its thread uses the members above
};

class Sources : public NodeExtension {
 public:
  explicit Sources(std::vector<SourceConnection> config) : config_(std::move(config)) {}
  ~Sources() override { stop(); }

  std::vector<StoreSchema> store_schemas() const override { return {mqtt_schema()}; }

  void attach(NodeParts& parts) override {
    node_ = parts.ctx.node_id;
    for (const auto& c : config_) sources_.push_back(std::make_unique<Source>(c, parts));
    parts.router.add_route("GET", "/api/v1/sources", {Role::kViewer},
                           [this](ApiCall& call, Respond& respond) {
                             api::only_params(call.query, {});
                             nlohmann::json items = nlohmann::json::array();
                             for (const auto& s : sources_) items.push_back(s->stats().to_json());
                             respond(api::json_response(200, {{"items", std::move(items)}}));
                           });
    parts.router.add_metrics([this] { return metrics(); });
  }

  void start() override {
    for (auto& s : sources_) s->start();
  }
  void stop() override {
    for (auto& s : sources_) s->stop();
  }

 private:
  std::string metrics() const {
    SourceStats::Lines lines;
    for (const auto& s : sources_) s->stats().add_metrics(node_, lines);
    std::string out;
    const auto series = [&out](const char* name, const char* type, const char* help,
                               const std::string& text) {
      if (text.empty()) return;
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             text;
    };
    series("ioc_source_up", "gauge", "1 while an MQTT connection is up.", lines.up);
    series("ioc_source_messages_total", "counter", "MQTT messages stored, per subscription.",
           lines.messages);
    series("ioc_source_rows_total", "counter", "Readings stored from MQTT, per subscription.",
           lines.rows);
    series("ioc_source_bad_messages_total", "counter",
           "MQTT messages that could not be taken (subscription \"\": no topic fits).", lines.bad);
    series("ioc_source_duplicates_total", "counter",
           "MQTT messages delivered again after a reconnect, already stored.", lines.duplicates);
    series("ioc_source_reconnects_total", "counter", "MQTT connections made again.",
           lines.reconnects);
    series("ioc_source_last_message_timestamp_seconds", "gauge",
           "When an MQTT connection last delivered a message (Unix time).", lines.last_message);
    return out;
  }

  std::vector<SourceConnection> config_;
  std::string node_;
  std::vector<std::unique_ptr<Source>> sources_;
};

}  // namespace

NodeExtensionFactory sources() {
  return [](const NodeOptions&, const NodeLocalConfig& local) -> std::unique_ptr<NodeExtension> {
    return std::make_unique<Sources>(local.sources);
  };
}

}  // namespace ioc::mqtt
