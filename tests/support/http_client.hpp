#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ioc::test {

struct HttpResult {
  int status = -1;  ///< -1 when the connection failed
  std::string body;
  std::map<std::string, std::string> headers;  ///< lower-case names
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// A blocking HTTP/1.1 client for tests; a fresh connection per request unless `keep_alive`.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string token = {}, bool keep_alive = false);
  ~HttpClient();

  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = {}, const std::string& content_type = {},
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& target) { return request("GET", target); }
  HttpResult post(const std::string& target, const nlohmann::json& body) {
    return request("POST", target, body.dump(), "application/json");
  }
  /// How many TCP connections this client has opened.
  int connections_opened() const { return connections_; }

 private:
  struct Conn;
  std::uint16_t port_;
  std::string token_;
  bool keep_alive_;
  int connections_ = 0;
  std::unique_ptr<Conn> conn_;
};

/// Sends `bytes` as they are (a request a normal client would not build: raw bytes in the path or
/// a header) and reads the answer.
HttpResult raw_exchange(std::uint16_t port, const std::string& bytes);

/// A WebSocket client of /api/v1/stream.
class StreamClient {
 public:
  /// Connects and upgrades; `status` of a refused upgrade is kept in `refused_status`.
  StreamClient(std::uint16_t port, const std::string& token);
  ~StreamClient();
  bool connected() const { return refused_status == 0; }
  int refused_status = 0;
  /// The next message, or nullopt if none arrives in time. A read that times out is cancelled,
  /// which leaves the stream unusable: read only while messages are due.
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  /// Reads on, dropping messages, until the server ends the stream or `timeout` passes: the
  /// close code it sent (1008, 1013, ...), 0 if the connection ended without a close frame, or
  /// nullopt while it is still open. The close reason is kept in `close_reason`.
  std::optional<int> wait_closed(std::chrono::milliseconds timeout);
  std::string close_reason;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Observations as a JSON array body for `area`.
nlohmann::json observations(const std::string& metric, const std::string& area,
                            const std::vector<double>& values,
                            std::int64_t first_ts_ms = 1761552000000, std::int64_t step_ms = 60000,
                            const std::string& source = "sensor-1");

}  // namespace ioc::test
