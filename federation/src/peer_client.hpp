#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ioc/federation/node_keys.hpp"
#include "ioc/federation/request_signing.hpp"
#include "ioc/time.hpp"

namespace ioc::federation {

/// Calls one peer under /federation/v1, signing every request for that peer and checking that
/// every answer is signed by it for that request. An interface so tests and in-process
/// simulations can swap the transport.
class PeerClient {
 public:
  struct Response {
    int status = 0;  ///< 0 when the peer could not be reached or its answer is not its own
    std::string body;
    std::string error;  ///< why, when status is 0
  };
  using Done = std::function<void(Response)>;
  virtual ~PeerClient() = default;
  /// Calls and waits for the answer. `target` is the path with its query, e.g.
  /// "/federation/v1/events".
  virtual Response call(const std::string& method, const std::string& target,
                        const std::string& body) = 0;
  /// Calls without waiting: `done` gets the answer once, on a thread of the client's own (never
  /// the caller's). A client being destroyed first cancels and waits for the calls in flight.
  virtual void call_async(const std::string& method, const std::string& target,
                          const std::string& body, Done done) = 0;
  /// Ends calls in flight (a long-poll) and every later call at once; used when stopping.
  virtual void cancel() = 0;
};

/// The cpprestsdk client for calls from `self` to `peer` at `endpoint`, signing with this node's
/// key; answers are verified with the keys `keys` returns for `peer` (the set in force). An
/// answer that does not verify is a status 0 with the reason: nothing acts on it.
std::unique_ptr<PeerClient> make_http_peer_client(
    const std::string& endpoint, const PrivateKey& key, const std::string& self,
    const std::string& peer, std::function<std::shared_ptr<const PeerKeys>()> keys,
    const Clock& clock);

}  // namespace ioc::federation
