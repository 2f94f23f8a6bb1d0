#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ioc::crypto {

/// `bytes` random bytes from OpenSSL's CSPRNG, as lowercase hex.
std::string random_hex(std::size_t bytes);
/// `bytes` random bytes, base64url without padding.
std::string random_base64url(std::size_t bytes);
/// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
/// Decodes standard padded base64 (`url` false) or base64url without padding (`url` true);
/// nullopt if the text is not exactly that.
std::optional<std::string> base64_decode(std::string_view text, bool url);
/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace ioc::crypto
