#include "http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <deque>
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
  res.set(http::field::content_type, r.content_type);
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

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<StreamSession>> sessions_;
};

/// One WebSocket stream client: a bounded queue with one write in flight; a client that falls
/// more than the queue limit behind is closed rather than silently skipped.
class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(tcp::socket&& socket, std::size_t queue_limit, Metrics& metrics)
      : ws_(std::move(socket)), queue_limit_(queue_limit), metrics_(metrics) {
    metrics_.stream_clients++;
  }
  ~StreamSession() { metrics_.stream_clients--; }

  void start(http::request<http::string_body> req, StreamHub& hub) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "libioc"); }));
    ws_.text(true);
    hub.add(shared_from_this());
    ws_.async_accept(req, beast::bind_front_handler(&StreamSession::on_accept, shared_from_this()));
  }

  void send(std::shared_ptr<const std::string> message) {
    net::post(ws_.get_executor(), [self = shared_from_this(), message] { self->on_send(message); });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    open_ = true;
    do_read();
    if (!queue_.empty()) do_write();
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
    if (queue_.size() >= queue_limit_) {
      closing_ = true;
      queue_.clear();
      ws_.async_close(
          websocket::close_reason(websocket::close_code::try_again_later, "client too slow"),
          [self = shared_from_this()](beast::error_code) {});
      return;
    }
    queue_.push_back(std::move(message));
    if (queue_.size() == 1 && open_) do_write();
  }
  void do_write() {
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&StreamSession::on_write, shared_from_this()));
  }
  void on_write(beast::error_code ec, std::size_t) {
    if (ec) {
      open_ = false;
      queue_.clear();
      return;
    }
    queue_.pop_front();
    if (!queue_.empty() && !closing_) do_write();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queue_limit_;
  Metrics& metrics_;
  bool open_ = false;
  bool closing_ = false;
};

void StreamHub::publish(const std::string& payload) {
  auto message = std::make_shared<const std::string>(payload);
  std::vector<std::shared_ptr<StreamSession>> live;
  {
    std::lock_guard lock(mutex_);
    auto alive = sessions_.begin();
    for (auto& weak : sessions_)
      if (auto s = weak.lock()) {
        live.push_back(s);
        *alive++ = weak;
      }
    sessions_.erase(alive, sessions_.end());
  }
  for (auto& s : live) s->send(message);
}

struct Shared {
  HttpServer::Options options;
  HttpServer::Handler handler;
  HttpServer::StreamGate gate;
  Metrics& metrics;
  StreamHub hub;
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
      return write_final(HttpResponse{
          404,
          "application/json",
          codec::error_body("not_found", "no WebSocket endpoint at " + plain.target, "path"),
          {}});
    if (auto refusal = shared_.gate(plain)) return write_final(std::move(*refusal));
    stream_.expires_never();
    std::make_shared<StreamSession>(stream_.release_socket(), shared_.options.stream_queue_limit,
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
      if (shared_.metrics.open_connections.load() >= shared_.options.max_connections) {
        // Over the limit: answer 503 right away rather than letting the kernel queue fill up.
        static const std::string kBody =
            codec::error_body("unavailable", "too many connections", "");
        static const std::string kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: "
            "close\r\n"
            "Content-Length: " +
            std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
        beast::error_code ignored;
        net::write(socket, net::buffer(kBusy), ignored);
        socket.close(ignored);
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
      : shared{std::move(o), std::move(h), std::move(g), m, {}} {}
  Shared shared;
  net::io_context ioc;
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
