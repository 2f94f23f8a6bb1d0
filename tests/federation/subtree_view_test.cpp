#include "subtree_view.hpp"

#include <catch2/catch.hpp>

#include "federated_context.hpp"

using namespace ioc;
using namespace ioc::federation;
using nlohmann::json;

TEST_CASE("a child's relayed subtree is kept for the nodes below it only", "[federation]") {
  test::FederatedContext t("city");
  const json relayed = json::array({
      {{"node", "city/north"}, {"state", "fresh"}},  // the child itself: its own link says
      {{"node", "city/south"}, {"state", "fresh"}},  // a sibling: not the north's to tell
      {{"node", "atlantis"}, {"state", "fresh"}},    // not in the federation
  });
  t.writes.run([&](WriteContext& w) { keep_relayed_subtree(t.ctx, w, "city/north", relayed); });
  CHECK(relayed_states(t.ctx).empty());

  // The city's own view for its parent: its children as it sees them (never called: unreachable).
  const json view = subtree_view(t.ctx);
  REQUIRE(view.size() == 3);
  CHECK(view[0]["node"] == "city/north");
  CHECK(view[0]["state"] == "unreachable");
}
