#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "event_sink.hpp"
#include "http_message.hpp"
#include "metrics.hpp"

namespace ioc {

/// The HTTP/1.1 and WebSocket server (Boost.Beast), kept behind this header so that only
/// http_server.cpp compiles Beast and Asio. One session object per connection on its own strand.
class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;                    ///< 0 picks a free port
    std::size_t body_limit = 8 * 1024 * 1024;  ///< larger bodies get 413
    std::size_t drain_limit =
        64 * 1024 * 1024;              ///< bytes read and dropped after a 413 before closing
    std::chrono::seconds timeout{30};  ///< per read or write, and idle keep-alive
    int threads = 2;
    std::size_t stream_queue_limit = 1024;  ///< messages queued per stream client
    /// Open connections at most, stream clients included; beyond, new ones get 503 and close.
    std::int64_t max_connections = 4096;
    std::int64_t max_streams = 256;  ///< stream clients at most; beyond, an upgrade gets 503
    /// How often every open stream's right is checked again (a revoked or expired token).
    std::chrono::milliseconds stream_check_interval{250};
    /// How long a stream being closed may take to finish the write in flight (a client that
    /// stopped reading) before its connection is dropped.
    std::chrono::seconds stream_close_timeout{5};
  };
  using Handler = std::function<void(const HttpRequest&, Respond)>;
  /// What the gate decides for a WebSocket upgrade on /api/v1/stream: a refusal, or the right
  /// the stream rests on, checked again every stream_check_interval while it is open.
  struct StreamAdmission {
    std::optional<HttpResponse> refusal;
    /// What the right rests on (a token's hash): streams sharing it are checked once per round.
    std::string holder;
    /// Why the right has ended ("token revoked"), or empty while it holds. The stream is then
    /// closed with code 1008 and that reason.
    std::function<std::string()> ended;
  };
  using StreamGate = std::function<StreamAdmission(const HttpRequest&)>;

  HttpServer(Options options, Handler handler, StreamGate gate, Metrics& metrics);
  ~HttpServer();

  /// Binds and starts the I/O threads; returns the bound port. Throws Error on bind failure.
  std::uint16_t start();
  /// Stops accepting, closes connections and joins the threads.
  void stop();
  /// Fan-out to WebSocket stream clients.
  EventSink& stream();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioc
