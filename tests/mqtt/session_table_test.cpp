#include "session_table.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace ioc;
using namespace ioc::mqtt;
using ioc::test::TempDir;

namespace {

struct Sessions {
  SessionTable::Begun begin(bool resumed, const std::vector<std::string>& filters = {"ioc/#"}) {
    SessionTable::Begun b;
    store.write([&](Store::Writer& w) { b = SessionTable(w).begin("c", resumed, filters); });
    return b;
  }
  // Takes message `mid` with `digest` in session `b`, as a batch would; true if it was a
  // redelivery.
  bool take(SessionTable::Begun& b, int mid, const std::string& digest) {
    const bool again = b.delivered_again(mid, digest);
    store.write([&](Store::Writer& w) {
      SessionTable t(w);
      t.taken("c", mid, digest, b.session);
      t.delivered("c", b.session);
    });
    return again;
  }
  void subscribed(const std::vector<std::string>& filters) {
    store.write([&](Store::Writer& w) { SessionTable(w).subscribed("c", filters); });
  }
  TempDir dir;
  Store store{Store::Options{dir / "ioc.db"}, {mqtt_schema()}};
};

}  // namespace

TEST_CASE("a message delivered again after a reconnect is taken once", "[mqtt][store]") {
  Sessions s;
  auto first = s.begin(false);
  CHECK(first.subscribe == std::vector<std::string>{"ioc/#"});
  s.subscribed({"ioc/#"});
  CHECK_FALSE(s.take(first, 1, "aaa"));
  CHECK_FALSE(s.take(first, 2, "bbb"));
  // The acknowledgement of 2 was lost: the broker delivers it again in the resumed session.
  auto second = s.begin(true);
  CHECK(second.subscribe.empty());  // the broker kept the subscription
  CHECK(s.take(second, 2, "bbb"));
  // A new message may reuse a packet id once it was acknowledged.
  CHECK_FALSE(s.take(second, 1, "ccc"));
  CHECK_FALSE(s.take(second, 2, "bbb"));  // the same content again, in the same session: new
}

TEST_CASE("a session that took nothing does not hide the one before it", "[mqtt][store]") {
  Sessions s;
  auto first = s.begin(false);
  CHECK_FALSE(s.take(first, 5, "x"));
  s.begin(true);  // connected, then lost before anything came
  auto third = s.begin(true);
  CHECK(s.take(third, 5, "x"));
}

TEST_CASE("a message first delivered in a session that ended before storing it is taken",
          "[mqtt][store]") {
  Sessions s;
  auto first = s.begin(false);
  CHECK_FALSE(s.take(first, 5, "same"));
  auto second = s.begin(true);
  CHECK_FALSE(s.take(second, 6, "other"));  // id 5 came again with the same content, not stored
  auto third = s.begin(true);
  CHECK_FALSE(s.take(third, 5, "same"));
}

TEST_CASE("a broker that lost the session redelivers nothing, and gets every subscription again",
          "[mqtt][store]") {
  Sessions s;
  auto first = s.begin(false, {"ioc/#", "old/#"});
  s.subscribed({"ioc/#", "old/#"});
  CHECK_FALSE(s.take(first, 1, "a"));
  auto kept = s.begin(true, {"ioc/#", "new/+"});
  CHECK(kept.subscribe == std::vector<std::string>{"new/+"});
  CHECK(kept.unsubscribe == std::vector<std::string>{"old/#"});
  auto fresh = s.begin(false, {"ioc/#"});
  CHECK(fresh.subscribe == std::vector<std::string>{"ioc/#"});
  CHECK_FALSE(s.take(fresh, 1, "a"));
}
