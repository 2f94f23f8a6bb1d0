#include "http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "ioc/error.hpp"
#include "json_codec.hpp"
#include "thread_guard.hpp"

namespace ioc {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr const char* kStreamPath = "/api/v1/stream";

HttpRequest to_request(http::request<http::string_body>& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(req.body());
  return out;
}

http::response<http::string_body> to_response(const HttpResponse& r, unsigned version,
                                              bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "libioc");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

class StreamSession;

/// Fan-out to stream clients: locks only the registry, then posts to each session's strand.
class StreamHub final : public EventSink {
 public:
  void add(const std::shared_ptr<StreamSession>& s) {
    std::lock_guard lock(mutex_);
    sessions_.push_back(s);
  }
  void publish(const std::string& payload) override;
  /// Checks every open stream's right once per holder and closes those whose right has ended.
  void sweep();

 private:
  std::vector<std::shared_ptr<StreamSession>> live();

  std::mutex mutex_;
  std::vector<std::weak_ptr<StreamSession>> sessions_;
};

/// One WebSocket stream client: a bounded queue with one write in flight. A client that falls
/// more than the queue limit behind is closed (1013) rather than silently skipped; one whose
/// right ends (a revoked or expired token) is closed with 1008. A close waits for the write in
/// flight; if that write does not finish within the close timeout (a client that stopped
/// reading), the connection is dropped.
class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(tcp::socket&& socket, const HttpServer::Options& options,
                HttpServer::StreamAdmission admission, Metrics& metrics)
      : ws_(std::move(socket)),
        close_timer_(ws_.get_executor()),
        options_(options),
        admission_(std::move(admission)),
        metrics_(metrics) {
    metrics_.stream_clients++;
  }
  ~StreamSession() { metrics_.stream_clients--; }

  void start(http::request<http::string_body> req, StreamHub& hub) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // A browser that offers subprotocols (the console: "ioc.v1" and its token) needs one chosen.
    const auto offered = header_list(std::string(req[http::field::sec_websocket_protocol]));
    const bool v1 = std::find(offered.begin(), offered.end(), "ioc.v1") != offered.end();
    ws_.set_option(websocket::stream_base::decorator([v1](websocket::response_type& res) {
      res.set(http::field::server, "libioc");
      if (v1) res.set(http::field::sec_websocket_protocol, "ioc.v1");
    }));
    ws_.text(true);
    hub.add(shared_from_this());
    ws_.async_accept(req, beast::bind_front_handler(&StreamSession::on_accept, shared_from_this()));
  }

  void send(std::shared_ptr<const std::string> message) {
    net::post(ws_.get_executor(), [self = shared_from_this(), message] { self->on_send(message); });
  }
  void close(websocket::close_code code, std::string reason) {
    net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
      self->begin_close(code, reason);
    });
  }
  const HttpServer::StreamAdmission& admission() const { return admission_; }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    open_ = true;
    do_read();
    if (closing_)
      do_close();
    else if (!queue_.empty())
      do_write();
  }
  // Clients do not send anything meaningful; reading keeps control frames and closes flowing.
  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&StreamSession::on_read, shared_from_this()));
  }
  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      open_ = false;
      return;
    }
    buffer_.consume(buffer_.size());
    do_read();
  }
  void on_send(std::shared_ptr<const std::string> message) {
    if (closing_) return;
    if (queue_.size() >= options_.stream_queue_limit)
      return begin_close(websocket::close_code::try_again_later, "client too slow");
    queue_.push_back(std::move(message));
    if (queue_.size() == 1 && open_ && !writing_) do_write();
  }
  void do_write() {
    writing_ = true;
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&StreamSession::on_write, shared_from_this()));
  }
  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
      open_ = false;
      queue_.clear();
      return;
    }
    queue_.pop_front();
    if (closing_) return do_close();
    if (!queue_.empty()) do_write();
  }

  // Beast allows one write at a time, and a close is a write: it waits for the one in flight.
  void begin_close(websocket::close_code code, const std::string& reason) {
    if (closing_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(code, reason);
    if (writing_)
      queue_.erase(queue_.begin() + 1, queue_.end());
    else
      queue_.clear();
    close_timer_.expires_after(options_.stream_close_timeout);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the close went through
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
    if (!writing_) do_close();
  }
  void do_close() {
    queue_.clear();
    if (!open_) {
      close_timer_.cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return;
    }
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {
      self->close_timer_.cancel();
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer close_timer_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  const HttpServer::Options& options_;
  HttpServer::StreamAdmission admission_;
  Metrics& metrics_;
  websocket::close_reason close_reason_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
};

std::vector<std::shared_ptr<StreamSession>> StreamHub::live() {
  std::vector<std::shared_ptr<StreamSession>> out;
  std::lock_guard lock(mutex_);
  auto alive = sessions_.begin();
  for (auto& weak : sessions_)
    if (auto s = weak.lock()) {
      out.push_back(s);
      *alive++ = weak;
    }
  sessions_.erase(alive, sessions_.end());
  return out;
}

void StreamHub::publish(const std::string& payload) {
  auto message = std::make_shared<const std::string>(payload);
  for (auto& s : live()) s->send(message);
}

void StreamHub::sweep() {
  std::map<std::string, std::string> ended;  // holder -> why its right ended ("" if it holds)
  for (auto& s : live()) {
    const auto& a = s->admission();
    if (!a.ended) continue;
    auto it = ended.find(a.holder);
    if (it == ended.end()) it = ended.emplace(a.holder, a.ended()).first;
    if (!it->second.empty()) s->close(websocket::close_code::policy_error, it->second);
  }
}

struct Shared {
  HttpServer::Options options;
  HttpServer::Handler handler;
  HttpServer::StreamGate gate;
  Metrics& metrics;
  StreamHub hub;
  std::atomic<int> refusals{0};  ///< connections over the cap being answered 503
};

/// One HTTP connection: read a request, hand it to the handler, write the answer, repeat while
/// keep-alive holds. Runs on its own strand.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    shared_.metrics.open_connections++;
  }
  ~HttpSession() { shared_.metrics.open_connections--; }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(shared_.options.body_limit);
    stream_.expires_after(shared_.options.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit) return reject_too_large();
    if (ec) {
      // A peer that closed or timed out needs no answer; garbage gets a 400 before closing.
      if (ec == beast::error::timeout || ec == net::error::eof ||
          ec == net::error::connection_reset || ec == net::error::operation_aborted)
        return;
      return write_final(HttpResponse{
          400,
          "application/json",
          codec::error_body("bad_request", "malformed HTTP request: " + ec.message(), "request"),
          {}});
    }
    auto req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    const bool handled = guarded(shared_.metrics, ThreadKind::kIo, "an HTTP request", [&] {
      shared_.handler(to_request(req), [self = shared_from_this()](HttpResponse res) {
        net::post(self->stream_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
      });
    });
    if (!handled)
      write_final(HttpResponse{
          500, "application/json", codec::error_body("internal", "internal error", ""), {}});
  }

  void upgrade(http::request<http::string_body> req) {
    const HttpRequest plain = to_request(req);
    if (plain.target.substr(0, plain.target.find('?')) != kStreamPath)
      return write_final(
          HttpResponse{404,
                       "application/json",
                       codec::error_body("not_found", "no WebSocket endpoint at this path", "path"),
                       {}});
    if (shared_.metrics.stream_clients.load() >= shared_.options.max_streams)
      return write_final(
          HttpResponse{503,
                       "application/json",
                       codec::error_body("unavailable", "too many stream clients; retry later", ""),
                       {}});
    auto admission = shared_.gate(plain);
    if (admission.refusal) return write_final(std::move(*admission.refusal));
    stream_.expires_never();
    std::make_shared<StreamSession>(stream_.release_socket(), shared_.options, std::move(admission),
                                    shared_.metrics)
        ->start(std::move(req), shared_.hub);
  }

  void write(HttpResponse res) {
    res_ = std::make_shared<http::response<http::string_body>>(
        to_response(res, version_, keep_alive_));
    stream_.expires_after(shared_.options.timeout);
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!res_->keep_alive()) return do_close();
    res_.reset();
    do_read();
  }

  // Answers and then closes gracefully: a client still sending must be able to read the answer.
  void write_final(HttpResponse res) {
    keep_alive_ = false;
    res_ = std::make_shared<http::response<http::string_body>>(to_response(res, version_, false));
    stream_.expires_after(shared_.options.timeout);
    http::async_write(stream_, *res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        self->lingering_close();
                      });
  }

  void reject_too_large() {
    shared_.metrics.count_response(413);
    write_final(
        HttpResponse{413,
                     "application/json",
                     codec::error_body("payload_too_large",
                                       "request body exceeds the limit of " +
                                           std::to_string(shared_.options.body_limit) + " bytes",
                                       "body"),
                     {}});
  }

  // Half-closes, then reads and drops what the client still sends (up to drain_limit) until it
  // closes its side, so the kernel never resets the connection under an unread answer.
  void lingering_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    buffer_.consume(buffer_.size());
    do_drain();
  }

  void do_drain() {
    stream_.expires_after(std::chrono::seconds(5));
    stream_.async_read_some(drain_.prepare(64 * 1024),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > self->shared_.options.drain_limit) {
                                beast::error_code ignored;
                                self->stream_.socket().close(ignored);
                                return;
                              }
                              self->do_drain();
                            });
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  beast::flat_buffer drain_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> res_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::size_t drained_ = 0;
};

/// A connection over the cap: answered 503, then closed gracefully (the request it sent is read
/// and dropped, for at most 2 s), since closing with it unread would reset the connection and
/// lose the answer. At most kMaxRefusals at a time; beyond, the connection is just closed.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  static constexpr int kMaxRefusals = 256;

  Refusal(tcp::socket&& socket, std::atomic<int>& pending)
      : stream_(std::move(socket)), pending_(pending) {
    ++pending_;
  }
  ~Refusal() { --pending_; }

  void run() {
    if (pending_.load() > kMaxRefusals) return;  // the socket closes with this object
    static const std::string kBody = codec::error_body("unavailable", "too many connections", "");
    static const std::string kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: "
        "close\r\nContent-Length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    stream_.expires_after(std::chrono::seconds(2));
    net::async_write(stream_, net::buffer(kBusy),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       beast::error_code ignored;
                       self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                       self->drain();
                     });
  }

 private:
  void drain() {
    stream_.async_read_some(net::buffer(buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();  // until EOF, an error or the deadline
                            });
  }

  beast::tcp_stream stream_;
  std::atomic<int>& pending_;
  std::array<char, 4096> buffer_{};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::endpoint endpoint, Shared& shared)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), shared_(shared) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void run() { do_accept(); }
  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (shared_.metrics.open_connections.load() + shared_.metrics.stream_clients.load() >=
          shared_.options.max_connections) {
        // Over the limit: answer 503 right away rather than letting the kernel queue fill up.
        std::make_shared<Refusal>(std::move(socket), shared_.refusals)->run();
      } else {
        std::make_shared<HttpSession>(std::move(socket), shared_)->run();
      }
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  Shared& shared_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(Options o, Handler h, StreamGate g, Metrics& m)
      : shared{std::move(o), std::move(h), std::move(g), m, {}, {}}, sweeper(ioc) {}

  // Every stream_check_interval, each open stream's right is checked again.
  void sweep_streams() {
    sweeper.expires_after(shared.options.stream_check_interval);
    sweeper.async_wait([this](beast::error_code ec) {
      if (ec) return;
      guarded(shared.metrics, ThreadKind::kIo, "the stream check", [this] { shared.hub.sweep(); });
      sweep_streams();
    });
  }

  Shared shared;
  net::io_context ioc;
  net::steady_timer sweeper;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(Options options, Handler handler, StreamGate gate, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(gate),
                                   metrics)) {}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::start() {
  const auto& o = impl_->shared.options;
  beast::error_code ec;
  const auto address = net::ip::make_address(o.host, ec);
  if (ec)
    throw Error(ErrorCode::kConfig, "listen address '" + o.host + "' is not an IP address",
                "listen");
  try {
    impl_->listener =
        std::make_shared<Listener>(impl_->ioc, tcp::endpoint{address, o.port}, impl_->shared);
  } catch (const boost::system::system_error& e) {
    throw Error(
        ErrorCode::kConfig,
        "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + e.code().message(),
        "listen");
  }
  impl_->listener->run();
  impl_->sweep_streams();
  // A handler that throws unwinds out of run(): the thread logs it and runs again.
  for (int i = 0; i < std::max(1, o.threads); ++i)
    impl_->threads.emplace_back([this] {
      while (!guarded(impl_->shared.metrics, ThreadKind::kIo, "an HTTP I/O thread",
                      [this] { impl_->ioc.run(); })) {
      }
    });
  return impl_->listener->port();
}

void HttpServer::stop() {
  if (impl_->threads.empty()) return;
  impl_->listener->close();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

EventSink& HttpServer::stream() {
  return impl_->shared.hub;
}

}  // namespace ioc
