#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ioc/config.hpp"

namespace ioc::federation {

/// Paths of a node's key pair.
struct KeyFiles {
  std::string private_key;  ///< DIR/NAME.key, PKCS#8 PEM, mode 0600
  std::string public_key;   ///< DIR/NAME.pub, SubjectPublicKeyInfo PEM
};

/// NAME for a node id: "danang/hai-chau" -> "danang_hai-chau".
std::string key_file_stem(std::string_view node_id);

/// Generates an Ed25519 key pair for `node_id` into `out_dir` (created if missing). Refuses to
/// overwrite existing files. Throws Error.
KeyFiles generate_keys(std::string_view node_id, const std::string& out_dir);

/// An Ed25519 public key, loaded once. Immutable; thread-safe.
class PublicKey {
 public:
  /// Reads a SubjectPublicKeyInfo PEM file; throws Error(kConfig) naming the file.
  static PublicKey load(const std::string& pem_file);
  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  ~PublicKey();
  /// True if `signature` (64 raw bytes) is this key's signature of `message`.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  struct Impl;
  explicit PublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// True if `signature_base64` (standard base64) is a signature of `message` by one of the keys
/// the federation lists for `node` (two during a rotation): what signed entries (alerts, shared
/// records, policy updates) are checked with, whoever relayed them.
bool signed_by(const NodeConfig& node, std::string_view message,
               const std::string& signature_base64);

/// An Ed25519 private key, loaded once. Immutable; thread-safe.
class PrivateKey {
 public:
  /// Reads a PKCS#8 PEM file; throws Error(kConfig) naming the file.
  static PrivateKey load(const std::string& pem_file);
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();
  /// The 64-byte raw Ed25519 signature of `message`.
  std::string sign(std::string_view message) const;

 private:
  struct Impl;
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioc::federation
