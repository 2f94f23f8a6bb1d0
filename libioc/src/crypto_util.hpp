#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ioc::crypto {

/// `bytes` random bytes from OpenSSL's CSPRNG, as lowercase hex.
std::string random_hex(std::size_t bytes);
/// `bytes` random bytes, base64url without padding.
std::string random_base64url(std::size_t bytes);
/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace ioc::crypto
