#include "ioc/federation/node_keys.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "ioc/error.hpp"
#include "temp_dir.hpp"

using namespace ioc::federation;

TEST_CASE("generated keys are PEM Ed25519 files and the private one is 0600", "[keys]") {
  ioc::test::TempDir dir;
  const auto files = generate_keys("danang/hai-chau", dir / "keys");
  CHECK(files.private_key == dir / "keys/danang_hai-chau.key");
  CHECK(files.public_key == dir / "keys/danang_hai-chau.pub");
  CHECK(ioc::test::read_file(files.private_key).rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(ioc::test::read_file(files.public_key).rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  struct stat st {};
  REQUIRE(stat(files.private_key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_THROWS_AS(generate_keys("danang/hai-chau", dir / "keys"), ioc::Error);
}

TEST_CASE("a signature verifies with the matching key only", "[keys]") {
  ioc::test::TempDir dir;
  const auto a = generate_keys("a", dir.path());
  const auto b = generate_keys("b", dir.path());
  const std::string sig = sign(a.private_key, "IOC1-ED25519\nGET\n/federation/v1/hello");
  CHECK(sig.size() == 64);
  CHECK(verify(a.public_key, "IOC1-ED25519\nGET\n/federation/v1/hello", sig));
  CHECK_FALSE(verify(a.public_key, "IOC1-ED25519\nGET\n/federation/v1/hellO", sig));
  CHECK_FALSE(verify(b.public_key, "IOC1-ED25519\nGET\n/federation/v1/hello", sig));
  CHECK_THROWS_AS(verify(a.private_key, "x", sig), ioc::Error);
  CHECK(key_file_stem("danang/health") == "danang_health");
}
