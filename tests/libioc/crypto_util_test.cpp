#include "crypto_util.hpp"

#include <catch2/catch.hpp>

using namespace ioc;

TEST_CASE("sha256_hex matches the standard test vectors", "[crypto]") {
  CHECK(crypto::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(crypto::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("random ids have the requested size and alphabet and differ", "[crypto]") {
  const auto a = crypto::random_hex(8), b = crypto::random_hex(8);
  CHECK(a.size() == 16);
  CHECK(a != b);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  const auto u = crypto::random_base64url(32);
  CHECK(u.size() == 43);
  CHECK(u.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
}
