#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <functional>

namespace ioc::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpClient::Conn {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool open = false;
};

HttpClient::HttpClient(std::uint16_t port, std::string token, bool keep_alive)
    : port_(port),
      token_(std::move(token)),
      keep_alive_(keep_alive),
      conn_(std::make_unique<Conn>()) {}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const std::string& body, const std::string& content_type,
                               const std::map<std::string, std::string>& headers) {
  HttpResult result;
  try {
    if (!conn_->open || !keep_alive_) {
      conn_ = std::make_unique<Conn>();
      conn_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
      conn_->open = true;
      ++connections_;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(keep_alive_);
    req.body() = body;
    req.prepare_payload();
    conn_->stream.expires_after(std::chrono::seconds(60));
    http::write(conn_->stream, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::read(conn_->stream, conn_->buffer, parser);
    const auto& res = parser.get();
    result.status = static_cast<int>(res.result_int());
    result.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      result.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive() || !keep_alive_) conn_->open = false;
  } catch (const std::exception&) {
    conn_->open = false;
    result.status = -1;
  }
  return result;
}

HttpResult raw_exchange(std::uint16_t port, const std::string& bytes) {
  HttpResult result;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    stream.expires_after(std::chrono::seconds(30));
    net::write(stream, net::buffer(bytes));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    http::read(stream, buffer, parser);
    result.status = static_cast<int>(parser.get().result_int());
    result.body = parser.get().body();
  } catch (const std::exception&) {
    result.status = -1;
  }
  return result;
}

struct StreamClient::Impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
};

StreamClient::StreamClient(std::uint16_t port, const std::string& token)
    : impl_(std::make_unique<Impl>()) {
  beast::get_lowest_layer(impl_->ws).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  websocket::response_type res;
  beast::error_code ec;
  const std::string target = "/api/v1/stream?access_token=" + token;
  impl_->ws.handshake(res, "127.0.0.1", target, ec);
  if (!ec) return;
  // Beast does not hand back a refused upgrade's status, so ask again with a plain request.
  refused_status = HttpClient(port)
                       .request("GET", target, "", "",
                                {{"Connection", "Upgrade"},
                                 {"Upgrade", "websocket"},
                                 {"Sec-WebSocket-Version", "13"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}})
                       .status;
}

StreamClient::~StreamClient() {
  beast::error_code ec;
  if (connected() && impl_->ws.is_open()) impl_->ws.close(websocket::close_code::normal, ec);
}

std::optional<std::string> StreamClient::next(std::chrono::milliseconds timeout) {
  std::optional<std::string> out;
  impl_->buffer.consume(impl_->buffer.size());
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
    if (!ec) out = beast::buffers_to_string(impl_->buffer.data());
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!out) {
    beast::get_lowest_layer(impl_->ws).cancel();
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::milliseconds(100));
  }
  return out;
}

std::optional<int> StreamClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<int> code;
  std::function<void()> read = [&] {
    impl_->buffer.consume(impl_->buffer.size());
    impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
      if (!ec) return read();
      if (ec == websocket::error::closed) {
        code = static_cast<int>(impl_->ws.reason().code);
        close_reason = std::string(impl_->ws.reason().reason.c_str());
      } else if (ec != net::error::operation_aborted) {
        code = 0;
      }
    });
  };
  read();
  impl_->ioc.restart();
  impl_->ioc.run_until(deadline);
  if (!code) {
    beast::get_lowest_layer(impl_->ws).cancel();
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::milliseconds(100));
  }
  return code;
}

nlohmann::json observations(const std::string& metric, const std::string& area,
                            const std::vector<double>& values, std::int64_t first_ts_ms,
                            std::int64_t step_ms, const std::string& source) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < values.size(); ++i)
    rows.push_back({{"source", source},
                    {"metric", metric},
                    {"ts", first_ts_ms + static_cast<std::int64_t>(i) * step_ms},
                    {"value", values[i]},
                    {"unit", "u"},
                    {"area", area}});
  return rows;
}

}  // namespace ioc::test
