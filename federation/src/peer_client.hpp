#pragma once

#include <memory>
#include <string>

#include "ioc/federation/node_keys.hpp"
#include "ioc/time.hpp"

namespace ioc::federation {

/// Calls one peer under /federation/v1, signing every request. An interface so tests and
/// in-process simulations can swap the transport.
class PeerClient {
 public:
  struct Response {
    int status = 0;  ///< 0 when the peer could not be reached
    std::string body;
    std::string error;  ///< transport error text when status is 0
  };
  virtual ~PeerClient() = default;
  /// `target` is the path with its query, e.g. "/federation/v1/events".
  virtual Response call(const std::string& method, const std::string& target,
                        const std::string& body) = 0;
  /// Ends calls in flight (a long-poll) and every later call at once; used when stopping.
  virtual void cancel() = 0;
};

/// The cpprestsdk client: one per peer, signing with this node's key.
std::unique_ptr<PeerClient> make_http_peer_client(const std::string& endpoint,
                                                  const PrivateKey& key, const std::string& self,
                                                  const Clock& clock);

}  // namespace ioc::federation
