#include "peer_client.hpp"

#include <cpprest/http_client.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "ioc/federation/request_signing.hpp"

namespace ioc::federation {
namespace {

namespace http = web::http;

class HttpPeerClient final : public PeerClient {
 public:
  HttpPeerClient(const std::string& endpoint, const PrivateKey& key, std::string self,
                 std::string peer, std::function<std::shared_ptr<const PeerKeys>()> keys,
                 const Clock& clock)
      : client_(utility::conversions::to_string_t(endpoint), config()),
        key_(key),
        self_(std::move(self)),
        peer_(std::move(peer)),
        keys_(std::move(keys)),
        clock_(clock) {}

  ~HttpPeerClient() override {
    cancel_.cancel();
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return in_flight_ == 0; });
  }

  Response call(const std::string& method, const std::string& target,
                const std::string& body) override {
    std::promise<Response> answered;
    auto answer = answered.get_future();
    call_async(method, target, body, [&answered](Response r) { answered.set_value(std::move(r)); });
    return answer.get();
  }

  void call_async(const std::string& method, const std::string& target, const std::string& body,
                  Done done) override {
    std::string nonce;
    pplx::task<http::http_response> sent;
    try {
      http::http_request req(utility::conversions::to_string_t(method));
      req.set_request_uri(utility::conversions::to_string_t(target));
      const auto signature = sign_request(key_, self_, peer_, method, target, body, clock_.now());
      for (const auto& [name, value] : signature)
        req.headers().add(utility::conversions::to_string_t(name),
                          utility::conversions::to_string_t(value));
      req.headers().add(U("IOC-Protocol"), utility::conversions::to_string_t(kProtocolVersion));
      if (!body.empty()) req.set_body(body, "application/json");
      nonce = signature.at("IOC-Nonce");
      {
        std::lock_guard lock(mutex_);
        ++in_flight_;
      }
      sent = client_.request(req, cancel_.get_token());
    } catch (const std::exception& e) {
      return done(Response{0, {}, e.what()});
    }
    sent.then([this, nonce, done = std::move(done)](pplx::task<http::http_response> task) {
      Response r;
      try {
        r = verified(task.get(), nonce);
      } catch (const std::exception& e) {
        r = Response{0, {}, e.what()};
      }
      try {
        done(std::move(r));
      } catch (...) {
        // The caller's completion must not take down the client's thread.
      }
      std::lock_guard lock(mutex_);
      if (--in_flight_ == 0) idle_.notify_all();
    });
  }

 private:
  // The answer if the peer signed it for the call with `nonce`; else status 0 with the reason.
  Response verified(http::http_response res, const std::string& nonce) {
    const auto bytes = res.extract_vector().get();
    std::string text(bytes.begin(), bytes.end());
    const auto header = [&res](const std::string& name) {
      const auto it = res.headers().find(utility::conversions::to_string_t(name));
      return it == res.headers().end() ? std::string()
                                       : utility::conversions::to_utf8string(it->second);
    };
    const std::string unsigned_reason =
        verify_answer(*keys_(), peer_, res.status_code(), header, nonce, self_, text);
    if (!unsigned_reason.empty())
      return Response{0,
                      {},
                      "'" + peer_ + "' answered " + std::to_string(res.status_code()) + ", but " +
                          unsigned_reason};
    return Response{res.status_code(), std::move(text), {}};
  }

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
  std::string peer_;
  std::function<std::shared_ptr<const PeerKeys>()> keys_;
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
};

}  // namespace

std::unique_ptr<PeerClient> make_http_peer_client(
    const std::string& endpoint, const PrivateKey& key, const std::string& self,
    const std::string& peer, std::function<std::shared_ptr<const PeerKeys>()> keys,
    const Clock& clock) {
  return std::make_unique<HttpPeerClient>(endpoint, key, self, peer, std::move(keys), clock);
}

}  // namespace ioc::federation
