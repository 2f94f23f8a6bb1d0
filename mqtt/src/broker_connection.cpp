#include "broker_connection.hpp"

#include <mosquitto.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>

namespace ioc::mqtt {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBackoffMinMs = 100;
constexpr int kBackoffMaxMs = 10'000;
constexpr auto kConnackWithin = std::chrono::seconds(10);
constexpr std::size_t kChunk = 50;           // messages stored in one job
constexpr std::size_t kMaxUnsettled = 2000;  // messages read before their chunks must be stored
constexpr std::size_t kMaxUnsettledBytes = 32 << 20;  // and their bytes: memory stays bounded

std::string reason(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

// One socket's life: a libmosquitto client from connect to close, destroyed with its queued
// acknowledgements when anything fails.
class Attempt {
 public:
  explicit Attempt(const SourceConnection& config)
      : m_(mosquitto_new(config.client_id.c_str(), false, this)) {
    if (!m_) throw std::runtime_error("cannot make an MQTT client: " + reason(MOSQ_ERR_ERRNO));
    // Threaded mode: acknowledgements wait in libmosquitto's queue until this thread writes it.
    mosquitto_threaded_set(m_, true);
    mosquitto_int_option(m_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_with_flags_callback_set(m_, [](mosquitto*, void* self, int rc, int flags) {
      auto* a = static_cast<Attempt*>(self);
      a->connack_ = rc;
      a->resumed_ = (flags & 1) != 0;
    });
    mosquitto_subscribe_callback_set(m_, [](mosquitto*, void* self, int, int, const int*) {
      static_cast<Attempt*>(self)->suback_ = true;
    });
    mosquitto_message_callback_set(m_, [](mosquitto*, void* self, const mosquitto_message* msg) {
      auto* a = static_cast<Attempt*>(self);
      InboundMessage m{msg->topic,
                       std::string(static_cast<const char*>(msg->payload),
                                   static_cast<std::size_t>(std::max(0, msg->payloadlen))),
                       msg->qos > 0 ? msg->mid : 0, msg->qos};
      a->unsettled_bytes_ += m.topic.size() + m.payload.size();
      a->batch_.push_back(std::move(m));
    });
    if (!config.credentials_file.empty()) {
      std::ifstream in(config.credentials_file);
      std::string user, password;
      if (!in || !std::getline(in, user))
        throw std::runtime_error("cannot read the credentials in " + config.credentials_file);
      std::getline(in, password);
      check(mosquitto_username_pw_set(m_, user.c_str(), password.c_str()), "credentials");
    }
    if (config.tls) {
      check(mosquitto_tls_set(m_, config.ca_file.c_str(), nullptr,
                              config.cert_file.empty() ? nullptr : config.cert_file.c_str(),
                              config.key_file.empty() ? nullptr : config.key_file.c_str(), nullptr),
            "TLS files");
      check(mosquitto_tls_opts_set(m_, 1, nullptr, nullptr), "TLS options");
    }
  }
  ~Attempt() { mosquitto_destroy(m_); }
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;

  static void check(int rc, const std::string& what) {
    if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(what + ": " + reason(rc));
  }

  mosquitto* m_;
  int connack_ = -1;  // the broker's answer to CONNECT, once read
  bool resumed_ = false;
  bool suback_ = false;
  std::vector<InboundMessage> batch_;
  std::size_t unsettled_bytes_ = 0;  // read since the last acknowledgements
};

// Why the broker went away. Before it answered CONNECT, with the cause an operator can act on:
// a TLS broker that requires client certificates closes the connection during the handshake.
std::string lost(const SourceConnection& config, const Attempt& a, int rc) {
  if (a.connack_ > 0)
    return std::string("the broker refused the connection: ") +
           mosquitto_connack_string(a.connack_);
  if (a.connack_ == 0) return "lost the broker: " + reason(rc);
  std::string why = "the broker closed the connection before accepting it (" + reason(rc) + ")";
  if (config.tls && config.cert_file.empty())
    why += "; over TLS it may require a client certificate: set cert and key";
  return why;
}

// Subscribes to `filters` at QoS 1, or unsubscribes from them, in one packet.
int multiple(mosquitto* m, std::vector<std::string>& filters, bool subscribe) {
  std::vector<char*> list;
  for (auto& f : filters) list.push_back(f.data());
  const int n = static_cast<int>(list.size());
  return subscribe ? mosquitto_subscribe_multiple(m, nullptr, n, list.data(), 1, 0, nullptr)
                   : mosquitto_unsubscribe_multiple(m, nullptr, n, list.data(), nullptr);
}

}  // namespace

BrokerConnection::BrokerConnection(const SourceConnection& config, Callbacks callbacks)
    : config_(config), callbacks_(std::move(callbacks)) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { mosquitto_lib_init(); });
}

BrokerConnection::~BrokerConnection() {
  stop();
}

void BrokerConnection::start() {
  thread_ = std::thread([this] { run(); });
}

void BrokerConnection::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void BrokerConnection::run() {
  std::mt19937 random(std::random_device{}());
  int backoff = kBackoffMinMs;
  while (!stopping_) {
    std::string why;
    try {
      callbacks_.state("connecting", "");
      Attempt a(config_);
      int rc =
          mosquitto_connect_async(a.m_, config_.host.c_str(), config_.port, config_.keep_alive_s);
      if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error("cannot connect: " + reason(rc));
      const auto started = Clock::now();
      std::int64_t session = 0;
      bool up = false;
      // Chunks handed to `store` and not yet known stored, and how many messages they hold.
      std::vector<Callbacks::Stored> pending;
      std::size_t unsettled = 0;
      const auto on_connack = [&] {
        if (up || a.connack_ < 0) return;
        if (a.connack_ > 0) throw std::runtime_error(lost(config_, a, MOSQ_ERR_CONN_REFUSED));
        auto plan = callbacks_.connected(a.resumed_);
        session = plan.session;
        if (!plan.unsubscribe.empty())
          Attempt::check(multiple(a.m_, plan.unsubscribe, false), "unsubscribe");
        if (!plan.subscribe.empty())
          Attempt::check(multiple(a.m_, plan.subscribe, true), "subscribe");
        else
          a.suback_ = true;
        up = true;
        backoff = kBackoffMinMs;
      };
      const auto hand_over = [&] {
        if (!up || a.batch_.empty()) return;
        unsettled += a.batch_.size();
        pending.push_back(callbacks_.store(std::move(a.batch_), session));
        a.batch_.clear();
      };
      while (!stopping_) {
        pollfd p{mosquitto_socket(a.m_), short(POLLIN | (mosquitto_want_write(a.m_) ? POLLOUT : 0)),
                 0};
        if (p.fd < 0) throw std::runtime_error("the connection closed");
        if (::poll(&p, 1, 100) < 0 && errno != EINTR)
          throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
          // Read what has arrived, handing it over in chunks that the writer stores while the
          // next is read; the acknowledgements reading queues stay queued.
          do {
            rc = mosquitto_loop_read(a.m_, 1);
            if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(lost(config_, a, rc));
            on_connack();
            if (a.batch_.size() >= kChunk) hand_over();
            p.revents = 0;
            // While chunks are being stored, more may arrive before they are: keep reading
            // (the writer stays busy); acknowledging waits for them anyway.
          } while (
              unsettled + a.batch_.size() < kMaxUnsettled &&
              a.unsettled_bytes_<kMaxUnsettledBytes&& ::poll(&p, 1, pending.empty() ? 0 : 1)> 0 &&
              (p.revents & POLLIN));
        }
        on_connack();
        if (a.suback_) {  // up once the broker holds the subscriptions: messages flow from now
          a.suback_ = false;
          callbacks_.subscribed();
          callbacks_.state("up", "");
        }
        if (!up && Clock::now() - started > kConnackWithin)
          throw std::runtime_error("no answer to CONNECT within 10 s");
        hand_over();
        // Everything read so far is stored: now its acknowledgements may leave.
        for (auto& stored : pending) stored();
        pending.clear();
        unsettled = 0;
        a.unsettled_bytes_ = 0;
        if (mosquitto_want_write(a.m_)) {
          // libmosquitto writes each PUBACK on its own: corked, they leave in a few segments.
          const int fd = mosquitto_socket(a.m_);
          int on = 1, off = 0;
          ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
          rc = mosquitto_loop_write(a.m_, 1);
          ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
          if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(lost(config_, a, rc));
        }
        rc = mosquitto_loop_misc(a.m_);
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(lost(config_, a, rc));
      }
      if (stopping_) return;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {  // the thread's edge: nothing ends it but stop
      why = "an unexpected failure; the connection starts again";
    }
    if (stopping_) return;
    try {
      callbacks_.state("down", why);
    } catch (...) {  // the state is only reported; the connection goes on without it
    }
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const auto until =
        Clock::now() + std::chrono::milliseconds(static_cast<int>(backoff * jitter(random)));
    while (!stopping_ && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    backoff = std::min(backoff * 2, kBackoffMaxMs);
  }
}

}  // namespace ioc::mqtt
