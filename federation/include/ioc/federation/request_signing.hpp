#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ioc/config.hpp"
#include "ioc/federation/node_keys.hpp"
#include "ioc/time.hpp"

namespace ioc::federation {

/// Federation protocol v1 request signatures (SPEC section 7).
inline constexpr const char* kSignatureScheme = "IOC1-ED25519";
inline constexpr TimeMs kMaxClockSkewMs = 300'000;
inline constexpr TimeMs kNonceMemoryMs = 600'000;

/// The text that is signed: the scheme, the method, the path with its query exactly as sent,
/// the IOC-Date, the IOC-Nonce and the lowercase hex SHA-256 of the body, joined by "\n".
std::string signing_string(std::string_view method, std::string_view target, std::string_view date,
                           std::string_view nonce, std::string_view body);

/// The four headers (IOC-Node, IOC-Date, IOC-Nonce, IOC-Signature) for a call by `node` at `now`
/// with a fresh 32-byte nonce.
std::map<std::string, std::string> sign_request(const PrivateKey& key, const std::string& node,
                                                std::string_view method, std::string_view target,
                                                std::string_view body, TimeMs now);

/// Remembers nonces across restarts. Implementations must be thread-safe.
class NonceCache {
 public:
  virtual ~NonceCache() = default;
  /// Records (node, nonce) seen at `now`; false if it was already seen in the last 600 s.
  virtual bool remember(const std::string& node, const std::string& nonce, TimeMs now) = 0;
};

struct Verification {
  bool ok = false;
  std::string node;    ///< the verified caller
  std::string reason;  ///< why it was refused
};

/// Checks signed calls against the public keys the federation file lists (one, or two during
/// rotation). Keys are loaded at construction and replaced whole on a reload. Thread-safe.
class RequestVerifier {
 public:
  /// `header` returns a request header by lower-case name, or "" if absent.
  using HeaderLookup = std::function<std::string(const std::string&)>;
  using Keys = std::map<std::string, std::vector<PublicKey>>;  ///< node id -> its public keys

  /// Loads every node's public keys; throws Error(kConfig) if one cannot be read.
  RequestVerifier(const FederationConfig& federation, NonceCache& nonces);
  ~RequestVerifier();

  /// Every node's public keys; throws Error(kConfig) if one cannot be read.
  static std::shared_ptr<const Keys> load_keys(const FederationConfig& federation);
  /// Verifies against `keys` from now on (a reload: nodes added, removed, keys rotated).
  void set_keys(std::shared_ptr<const Keys> keys);

  Verification verify(std::string_view method, std::string_view target, const HeaderLookup& header,
                      std::string_view body, TimeMs now) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Keys> keys_;
  NonceCache& nonces_;
};

}  // namespace ioc::federation
