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
  const auto signer = PrivateKey::load(a.private_key);
  const std::string message = "IOC1-ED25519\nGET\n/federation/v1/hello";
  const std::string sig = signer.sign(message);
  CHECK(sig.size() == 64);
  CHECK(PublicKey::load(a.public_key).verify(message, sig));
  CHECK_FALSE(PublicKey::load(a.public_key).verify(message + "!", sig));
  CHECK_FALSE(PublicKey::load(b.public_key).verify(message, sig));
  CHECK_FALSE(PublicKey::load(a.public_key).verify(message, sig.substr(0, 63)));
  CHECK_THROWS_AS(PublicKey::load(a.private_key), ioc::Error);
  CHECK_THROWS_AS(PrivateKey::load(a.public_key), ioc::Error);
  CHECK_THROWS_AS(PublicKey::load(dir / "missing.pub"), ioc::Error);
  CHECK(key_file_stem("danang/health") == "danang_health");
}
