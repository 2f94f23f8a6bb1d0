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

/// The federation protocol version this build speaks (the IOC-Protocol header, hello's
/// protocolVersions). Version 2 signs who a call is for, and signs answers.
inline constexpr const char* kProtocolVersion = "2";
/// The first line of a call's signing string, and of an answer's.
inline constexpr const char* kSignatureScheme = "IOC2-ED25519";
inline constexpr const char* kAnswerScheme = "IOC2-ED25519-ANSWER";
inline constexpr TimeMs kMaxClockSkewMs = 300'000;
inline constexpr TimeMs kNonceMemoryMs = 600'000;

/// What a call signs, lines joined by "\n": the scheme, the method, the path with its query
/// exactly as sent, the IOC-Date, the IOC-Nonce, the caller (IOC-Node), the node the call is for
/// (IOC-To), and the lowercase hex SHA-256 of the body. A call made for one node is refused by
/// every other.
std::string signing_string(std::string_view method, std::string_view target, std::string_view date,
                           std::string_view nonce, std::string_view caller,
                           std::string_view receiver, std::string_view body);

/// The five headers (IOC-Node, IOC-To, IOC-Date, IOC-Nonce, IOC-Signature) for a call by `node`
/// to `receiver` at `now` with a fresh 32-byte nonce.
std::map<std::string, std::string> sign_request(const PrivateKey& key, const std::string& node,
                                                const std::string& receiver,
                                                std::string_view method, std::string_view target,
                                                std::string_view body, TimeMs now);

/// What an answer signs, lines joined by "\n": the answer scheme, the HTTP status, the IOC-Nonce
/// of the call it answers, the caller that made that call, and the lowercase hex SHA-256 of the
/// answer's body. The nonce ties an answer to one call, so an old answer cannot be passed off as
/// a new one.
std::string answer_signing_string(int status, std::string_view nonce, std::string_view caller,
                                  std::string_view body);

/// The headers (IOC-Node, IOC-Signature) that sign an answer by `node`.
std::map<std::string, std::string> sign_answer(const PrivateKey& key, const std::string& node,
                                               int status, std::string_view nonce,
                                               std::string_view caller, std::string_view body);

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

/// Every node's public keys (one, or two during rotation), by node id. Immutable once loaded.
using PeerKeys = std::map<std::string, std::vector<PublicKey>>;

/// `header` returns a header by lower-case name, or "" if absent.
using HeaderLookup = std::function<std::string(const std::string&)>;

/// Checks an answer from `peer` to this node's call (`nonce`, made as `caller`): signed by a key
/// `keys` lists for `peer`. Empty if it is; else why not.
std::string verify_answer(const PeerKeys& keys, const std::string& peer, int status,
                          const HeaderLookup& header, std::string_view nonce,
                          std::string_view caller, std::string_view body);

/// Checks signed calls made for node `self` against the public keys the federation file lists.
/// Keys are loaded at construction and replaced whole on a reload. Thread-safe.
class RequestVerifier {
 public:
  using Keys = PeerKeys;
  using HeaderLookup = federation::HeaderLookup;

  /// Loads every node's public keys; throws Error(kConfig) if one cannot be read.
  RequestVerifier(const FederationConfig& federation, std::string self, NonceCache& nonces);
  ~RequestVerifier();

  /// Every node's public keys; throws Error(kConfig) if one cannot be read.
  static std::shared_ptr<const Keys> load_keys(const FederationConfig& federation);
  /// Verifies against `keys` from now on (a reload: nodes added, removed, keys rotated).
  void set_keys(std::shared_ptr<const Keys> keys);
  /// The keys in force.
  std::shared_ptr<const Keys> keys() const;

  Verification verify(std::string_view method, std::string_view target, const HeaderLookup& header,
                      std::string_view body, TimeMs now) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Keys> keys_;
  std::string self_;
  NonceCache& nonces_;
};

}  // namespace ioc::federation
