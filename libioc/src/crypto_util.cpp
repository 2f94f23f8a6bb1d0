#include "crypto_util.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <vector>

#include "ioc/error.hpp"

namespace ioc::crypto {
namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1)
    throw Error(ErrorCode::kInternal, "random number generator failed");
  return b;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  const auto b = random_bytes(bytes);
  return to_hex(b.data(), b.size());
}

std::string random_base64url(std::size_t bytes) {
  const auto b = random_bytes(bytes);
  std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(),
                                static_cast<int>(b.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, bool url) {
  std::string in(text);
  if (url) {
    if (in.find_first_of("+/=") != std::string::npos) return std::nullopt;
    for (auto& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
    if (in.size() % 4 == 1) return std::nullopt;
    in.append((4 - in.size() % 4) % 4, '=');
  } else if (in.size() % 4 != 0 || in.find_first_of("-_") != std::string::npos) {
    return std::nullopt;
  }
  if (in.empty()) return std::string();
  std::size_t padding = 0;
  while (padding < 2 && in[in.size() - 1 - padding] == '=') ++padding;
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  // Reject non-canonical text: it must re-encode to exactly what was given.
  std::string again = base64_encode(out);
  if (url) {
    for (auto& c : again) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!again.empty() && again.back() == '=') again.pop_back();
  }
  if (again != text) return std::nullopt;
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return to_hex(md, sizeof md);
}

}  // namespace ioc::crypto
