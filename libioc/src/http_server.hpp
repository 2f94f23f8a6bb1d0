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
    std::int64_t max_connections = 4096;    ///< beyond this, new connections get 503 and close
  };
  using Handler = std::function<void(const HttpRequest&, Respond)>;
  /// Decides a WebSocket upgrade on /api/v1/stream: nullopt accepts, a response refuses.
  using StreamGate = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

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
