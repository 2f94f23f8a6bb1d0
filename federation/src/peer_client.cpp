#include "peer_client.hpp"

#include <cpprest/http_client.h>

#include "ioc/federation/request_signing.hpp"

namespace ioc::federation {
namespace {

namespace http = web::http;

class HttpPeerClient final : public PeerClient {
 public:
  HttpPeerClient(const std::string& endpoint, const PrivateKey& key, std::string self,
                 const Clock& clock)
      : client_(utility::conversions::to_string_t(endpoint), config()),
        key_(key),
        self_(std::move(self)),
        clock_(clock) {}

  Response call(const std::string& method, const std::string& target,
                const std::string& body) override {
    try {
      http::http_request req(utility::conversions::to_string_t(method));
      req.set_request_uri(utility::conversions::to_string_t(target));
      for (const auto& [name, value] :
           sign_request(key_, self_, method, target, body, clock_.now()))
        req.headers().add(utility::conversions::to_string_t(name),
                          utility::conversions::to_string_t(value));
      req.headers().add(U("IOC-Protocol"), U("1"));
      if (!body.empty()) req.set_body(body, "application/json");
      const auto res = client_.request(req, cancel_.get_token()).get();
      return Response{res.status_code(), res.extract_utf8string(true).get(), {}};
    } catch (const std::exception& e) {
      return Response{0, {}, e.what()};
    }
  }

 private:
  void cancel() override { cancel_.cancel(); }

  static http::client::http_client_config config() {
    http::client::http_client_config c;
    c.set_timeout(std::chrono::seconds(30));
    return c;
  }
  http::client::http_client client_;
  pplx::cancellation_token_source cancel_;
  const PrivateKey& key_;
  std::string self_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<PeerClient> make_http_peer_client(const std::string& endpoint,
                                                  const PrivateKey& key, const std::string& self,
                                                  const Clock& clock) {
  return std::make_unique<HttpPeerClient>(endpoint, key, self, clock);
}

}  // namespace ioc::federation
