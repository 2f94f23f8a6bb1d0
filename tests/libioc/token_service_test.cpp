#include "token_service.hpp"

#include <catch2/catch.hpp>

#include "crypto_util.hpp"
#include "temp_dir.hpp"

using namespace ioc;

TEST_CASE("an issued token authenticates with its role and name, only its hash is stored",
          "[tokens]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  const std::string token = TokenService::issue(store, Role::kIngest, "gauges", std::nullopt, 1000);
  CHECK(token.rfind("ioc_", 0) == 0);
  CHECK(token.size() == 47);
  TokenService tokens(store, "city");
  const auto actor = tokens.authenticate(token, 2000);
  REQUIRE(actor);
  CHECK(actor->role == Role::kIngest);
  CHECK(actor->name == "gauges");
  CHECK(actor->node == "city");
  CHECK(store.tokens().at(0).hash == crypto::sha256_hex(token));
  CHECK_FALSE(tokens.authenticate(token + "x", 2000));
  CHECK_FALSE(tokens.authenticate("", 2000));
}

TEST_CASE("expired and revoked tokens stop working", "[tokens]") {
  ioc::test::TempDir dir;
  Store store({dir / "ioc.db"});
  const std::string expiring = TokenService::issue(store, Role::kViewer, "v", TimeMs{5000}, 1000);
  const std::string revoked = TokenService::issue(store, Role::kAdmin, "a", std::nullopt, 1000);
  TokenService tokens(store, "city");
  CHECK(tokens.authenticate(expiring, 4999));
  CHECK_FALSE(tokens.authenticate(expiring, 5000));
  CHECK(tokens.authenticate(revoked, 1000));
  store.write([&](Store::Writer& w) { w.revoke_token(2); });
  CHECK(tokens.authenticate(revoked, 1000 + TokenService::kCacheMs - 1));  // cached
  CHECK_FALSE(tokens.authenticate(revoked, 1000 + TokenService::kCacheMs));
}
