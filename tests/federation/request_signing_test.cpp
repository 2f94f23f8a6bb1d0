#include "ioc/federation/request_signing.hpp"

#include <catch2/catch.hpp>

#include <set>

#include "crypto_util.hpp"
#include "federation_tables.hpp"
#include "store_nonce_cache.hpp"
#include "temp_dir.hpp"
#include "write_queue.hpp"

using namespace ioc;
using namespace ioc::federation;

namespace {

class MemoryNonces final : public NonceCache {
 public:
  bool remember(const std::string& node, const std::string& nonce, TimeMs) override {
    return seen.insert(node + " " + nonce).second;
  }
  std::set<std::string> seen;
};

constexpr TimeMs kNow = 1761552000000;  // 2025-10-27T08:00:00Z

// Header lookup by lower-case name, as the HTTP layer provides it.
RequestVerifier::HeaderLookup lookup(const std::map<std::string, std::string>& headers) {
  return [headers](const std::string& lower) {
    for (const auto& [k, v] : headers) {
      std::string name = k;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == lower) return v;
    }
    return std::string();
  };
}

struct Fixture {
  test::TempDir dir;
  FederationConfig fed = load_federation(test::write_test_federation(dir.path()));
  MemoryNonces nonces;
  RequestVerifier verifier{fed, "city", nonces};
  PrivateKey north = PrivateKey::load(dir / "keys/city_north.key");

  Verification check(const std::map<std::string, std::string>& headers,
                     const std::string& method = "POST",
                     const std::string& target = "/federation/v1/events?x=1",
                     const std::string& body = "{}", TimeMs now = kNow) {
    return verifier.verify(method, target, lookup(headers), body, now);
  }
  std::map<std::string, std::string> signed_headers(const std::string& node = "city/north") {
    return sign_request(north, node, "city", "POST", "/federation/v1/events?x=1", "{}", kNow);
  }
};

}  // namespace

TEST_CASE("the signing string names the call, its caller and the node it is for", "[signing]") {
  CHECK(signing_string("GET", "/federation/v1/events?after=5&limit=10", "2025-10-27T08:00:00Z",
                       "bm9uY2Vub25jZW5vbmNl", "city/north", "city", "") ==
        "IOC2-ED25519\nGET\n/federation/v1/"
        "events?after=5&limit=10\n2025-10-27T08:00:00Z\nbm9uY2Vub25jZW5vbmNl\ncity/north\ncity\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(answer_signing_string(200, "bm9uY2Vub25jZW5vbmNl", "city/north", "") ==
        "IOC2-ED25519-ANSWER\n200\nbm9uY2Vub25jZW5vbmNl\ncity/north\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("a correctly signed call verifies and names its caller", "[signing]") {
  Fixture f;
  const auto headers = f.signed_headers();
  CHECK(headers.at("IOC-Date") == "2025-10-27T08:00:00Z");
  CHECK(crypto::base64_decode(headers.at("IOC-Nonce"), true)->size() == 32);
  const auto v = f.check(headers);
  CHECK(v.ok);
  CHECK(v.node == "city/north");
  CHECK(v.reason.empty());
}

TEST_CASE("unsigned, unknown, stale, malformed, forged, tampered and replayed calls are refused",
          "[signing]") {
  Fixture f;
  auto h = f.signed_headers();
  SECTION("unsigned") {
    h.erase("IOC-Signature");
    CHECK(f.check(h).reason == "unsigned request: no IOC-Signature header");
    CHECK(f.check({}).reason == "unsigned request: no IOC-Node header");
  }
  SECTION("unknown node") {
    h["IOC-Node"] = "atlantis";
    CHECK(f.check(h).reason == "unknown node 'atlantis'");
  }
  SECTION("stale or from the future") {
    CHECK(f.check(h, "POST", "/federation/v1/events?x=1", "{}", kNow + 301'000)
              .reason.find("stale request") == 0);
    CHECK(f.check(h, "POST", "/federation/v1/events?x=1", "{}", kNow - 301'000)
              .reason.find("stale request") == 0);
    CHECK(f.check(h, "POST", "/federation/v1/events?x=1", "{}", kNow + 299'000).ok);
  }
  SECTION("malformed date, nonce or signature") {
    auto bad = h;
    bad["IOC-Date"] = "2025-10-27T08:00:00.000Z";
    CHECK(f.check(bad).reason.find("IOC-Date must read") == 0);
    bad = h;
    bad["IOC-Nonce"] = "c2hvcnQ";  // "short"
    CHECK(f.check(bad).reason.find("IOC-Nonce must be 16 to 64") == 0);
    bad = h;
    bad["IOC-Signature"] = "not base64!";
    CHECK(f.check(bad).reason.find("IOC-Signature must be") == 0);
  }
  SECTION("forged: signed by another node's key") {
    h["IOC-Node"] = "city/south";
    CHECK(f.check(h).reason.find("bad signature") == 0);
  }
  SECTION("tampered body, path or method") {
    CHECK(
        f.check(h, "POST", "/federation/v1/events?x=1", "{\"x\":1}").reason.find("bad signature") ==
        0);
    CHECK(f.check(h, "POST", "/federation/v1/events?x=2").reason.find("bad signature") == 0);
    CHECK(f.check(h, "PUT").reason.find("bad signature") == 0);
    CHECK(f.nonces.seen.empty());  // refused calls leave no nonce behind
  }
  SECTION("replayed") {
    CHECK(f.check(h).ok);
    CHECK(f.check(h).reason == "replayed request: nonce already seen");
  }
  SECTION("made for another node") {
    auto other = sign_request(f.north, "city/north", "city/south", "POST",
                              "/federation/v1/events?x=1", "{}", kNow);
    CHECK(f.check(other).reason ==
          "misdirected call: it was made for 'city/south', this node is 'city'");
    other["IOC-To"] = "city";  // the header changed, but not what was signed
    CHECK(f.check(other).reason.find("bad signature") == 0);
    CHECK(f.nonces.seen.empty());
  }
}

TEST_CASE("an answer verifies only as the peer's answer to that call", "[signing]") {
  Fixture f;
  const PrivateKey city = PrivateKey::load(f.dir / "keys/city.key");
  const auto keys = RequestVerifier::load_keys(f.fed);
  const std::string nonce = "bm9uY2Vub25jZW5vbmNlbm9uY2U";
  const auto answer = sign_answer(city, "city", 200, nonce, "city/north", "{\"acked\":{}}");
  const auto check = [&](const std::map<std::string, std::string>& h, int status,
                         const std::string& call_nonce, const std::string& body) {
    return verify_answer(*keys, "city", status, lookup(h), call_nonce, "city/north", body);
  };
  CHECK(check(answer, 200, nonce, "{\"acked\":{}}").empty());
  CHECK(check(answer, 401, nonce, "{\"acked\":{}}").find("bad answer signature") == 0);
  CHECK(check(answer, 200, nonce, "{\"acked\":{\"x\":[]}}").find("bad answer signature") == 0);
  CHECK(check(answer, 200, "b3RoZXJub25jZW90aGVybm9uY2U", "{\"acked\":{}}")
            .find("bad answer signature") == 0);  // an old answer to another call
  CHECK(check({}, 200, nonce, "").find("the answer is not signed") == 0);
  // Signed by another node's key, or naming another node.
  const auto forged = sign_answer(f.north, "city", 200, nonce, "city/north", "{\"acked\":{}}");
  CHECK(check(forged, 200, nonce, "{\"acked\":{}}").find("bad answer signature") == 0);
  const auto other = sign_answer(f.north, "city/north", 200, nonce, "city/north", "{}");
  CHECK(check(other, 200, nonce, "{}").find("signed as another node") != std::string::npos);
}

TEST_CASE("during rotation either listed key verifies", "[signing]") {
  test::TempDir dir;
  test::write_test_federation(dir.path());
  generate_keys("next", dir / "keys");
  test::write_file(dir / "rotating.yaml", R"(apiVersion: ioc/v1
kind: Federation
name: t
nodes:
  - {id: city, kind: city, endpoint: "http://127.0.0.1:1", publicKey: [keys/city.pub, keys/next.pub]}
)");
  const auto fed = load_federation(dir / "rotating.yaml");
  MemoryNonces nonces;
  RequestVerifier verifier(fed, "city", nonces);
  for (const char* key : {"keys/city.key", "keys/next.key"}) {
    const auto h = sign_request(PrivateKey::load(dir / key), "city", "city", "GET",
                                "/federation/v1/hello", "", kNow);
    const auto v = verifier.verify("GET", "/federation/v1/hello", lookup(h), "", kNow);
    CHECK(v.ok);
  }
}

TEST_CASE("nonces kept in the store survive reopening and are forgotten after 600 s", "[signing]") {
  test::TempDir dir;
  {
    Store store({dir / "ioc.db"}, {federation_schema()});
    WriteQueue writes(store, {});
    StoreNonceCache cache(store, writes, kNow);
    CHECK(cache.remember("city/north", "abc", kNow));
    CHECK_FALSE(cache.remember("city/north", "abc", kNow + 1000));
    CHECK(cache.remember("city/south", "abc", kNow));
    CHECK(cache.remember("city/south", "old", kNow - kNonceMemoryMs + 100));
    writes.stop();  // what was queued is committed
  }
  Store reopened({dir / "ioc.db"}, {federation_schema()});
  WriteQueue writes(reopened, {});
  StoreNonceCache cache(reopened, writes, kNow + 2000);
  CHECK_FALSE(cache.remember("city/north", "abc", kNow + 2000));
  CHECK_FALSE(cache.remember("city/south", "abc", kNow + 2000));
  // Forgotten once older than the window, in memory and in the store.
  CHECK(cache.remember("city/south", "old", kNow + 2000));
  CHECK(cache.remember("city/north", "abc", kNow + kNonceMemoryMs + 1));
  writes.stop();
  CHECK(Nonces::since(reopened, 0).size() == 2);  // the store forgot north's and south's first
}

TEST_CASE("the worked example in docs/protocol.md verifies", "[signing]") {
  test::TempDir dir;
  test::write_file(dir / "hai-chau.pub", R"(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAG5hn590A0wZdPvV2R01t7HfUGc3whF28PkTD0rSsAdE=
-----END PUBLIC KEY-----
)");
  test::write_file(dir / "danang.pub", R"(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA8HoppiqsJ2uQrAtkPn5xOF7p8Z5Y/B6q5keQtVKuxbs=
-----END PUBLIC KEY-----
)");
  const std::string nonce = "q3JxV2f9mXyZ1a2b3c4d5e6f7g8h9i0jK_LmNoPqRsT";
  const std::string call =
      signing_string("POST", "/federation/v1/events", "2026-11-30T04:00:00Z", nonce,
                     "danang/hai-chau", "danang", R"({"events":[],"backlog":0})");
  CHECK(call == "IOC2-ED25519\nPOST\n/federation/v1/events\n2026-11-30T04:00:00Z\n" + nonce +
                    "\ndanang/hai-chau\ndanang\n"
                    "3d5d2c9da7abcef40f57c774aed5b7b7768ec60eacdfe1bfa2150fb4ca1871fa");
  CHECK(PublicKey::load(dir / "hai-chau.pub")
            .verify(call, *crypto::base64_decode("U5LgDQZ68rHFU5+GoiVdgie21xn4+kfE6yk8uv77m22+"
                                                 "SZifBlx1x367ZDEowpndG87ecRkrOwZYP0zBzW0VBQ==",
                                                 false)));
  const std::string answer =
      answer_signing_string(200, nonce, "danang/hai-chau", R"({"acked":{}})");
  CHECK(answer == "IOC2-ED25519-ANSWER\n200\n" + nonce +
                      "\ndanang/hai-chau\n"
                      "d8f1524db1a8785afd2e7a95d42a7402bb8039263be7667715ce7978b1e6f342");
  CHECK(
      PublicKey::load(dir / "danang.pub")
          .verify(answer, *crypto::base64_decode("kLBQvvSBwXWme+p9X6sMjRmmMuJcYH3vpoYuPMwJMOUioVbX"
                                                 "2M1S/ARaZjm+u8mEu6XgqzTpp3FJdrTtPF/xBA==",
                                                 false)));
}
