#pragma once

#include <string>
#include <string_view>

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

/// Signs `message` with the PEM private key in `private_key_file`; returns the raw signature.
std::string sign(const std::string& private_key_file, std::string_view message);
/// Verifies a raw Ed25519 signature against the PEM public key in `public_key_file`.
bool verify(const std::string& public_key_file, std::string_view message,
            std::string_view signature);

}  // namespace ioc::federation
