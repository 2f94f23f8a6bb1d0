// A federated summary over a national two-tier federation: a root, 63
// provinces and 3,024 districts (48 per province), 3,088 nodes. Each district's minute buckets
// for the last 15 minutes reach its province through the real receipt code (receive_events),
// and each province relays everything up to the root in the real wire form (Outbound), all
// in-process with real SQLite stores. The figure is the time the root takes to answer its
// 15-minute summary from what it holds; the bar is 1 s.
//
//   national_summary_bench [--provinces N] [--districts-per-province N] [--minutes N]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto_util.hpp"
#include "federation_tables.hpp"
#include "json_codec.hpp"
#include "outbound.hpp"
#include "replication.hpp"
#include "summary_service.hpp"
#include "temp_dir.hpp"

using namespace ioc;
using Steady = std::chrono::steady_clock;
using nlohmann::json;

namespace {

class NullSink final : public EventSink {
 public:
  void publish(const std::string&) override {}
};

class FixedClock final : public ioc::Clock {
 public:
  TimeMs now() const override { return t; }
  TimeMs t = 1761555600000;  // 2025-10-27T09:00:00Z
};

/// One node's store and services, without HTTP.
struct InProcessNode {
  InProcessNode(std::shared_ptr<const FederationConfig> fed, const std::string& id,
                const std::string& dir, const ioc::Clock& clock)
      : policies(std::move(fed)),
        store({(std::filesystem::create_directories(dir), dir + "/ioc.db")},
              {federation::federation_schema()}),
        writes(store, {}),
        authorizer(make_local_operator_authorizer(id)),
        ctx(NodeContext{id, local, store, writes, clock, sink, metrics, *authorizer, policies},
            policies) {}
  NodeLocalConfig local;
  federation::PolicyState policies;
  Store store;
  WriteQueue writes;
  NullSink sink;
  Metrics metrics;
  std::unique_ptr<Authorizer> authorizer;
  federation::FederationContext ctx;
};

double seconds_since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  int provinces = 63, per_province = 48, minutes = 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--provinces")
      provinces = std::stoi(argv[i + 1]);
    else if (a == "--districts-per-province")
      per_province = std::stoi(argv[i + 1]);
    else if (a == "--minutes")
      minutes = std::stoi(argv[i + 1]);
  }
  test::TempDir dir;
  // The federation file: root, provinces, districts.
  std::string yaml =
      "apiVersion: ioc/v1\nkind: Federation\nname: national\nnodes:\n"
      "  - {id: vn, kind: city, endpoint: \"http://127.0.0.1:1\", publicKey: k.pub}\n";
  for (int p = 0; p < provinces; ++p) {
    const std::string province = "vn/p" + std::to_string(p);
    yaml += "  - {id: " + province +
            ", kind: city, parent: vn, endpoint: \"http://127.0.0.1:1\", publicKey: k.pub}\n";
    for (int d = 0; d < per_province; ++d)
      yaml += "  - {id: " + province + "/d" + std::to_string(d) +
              ", kind: district, parent: " + province +
              ", endpoint: \"http://127.0.0.1:1\", publicKey: k.pub}\n";
  }
  test::write_file(dir / "national.yaml", yaml);
  const auto shared =
      std::make_shared<const FederationConfig>(load_federation(dir / "national.yaml"));
  const FederationConfig& fed = *shared;
  FixedClock clock;
  const TimeMs window_end = clock.t;
  const TimeMs first_bucket = window_end - minutes * 60'000LL;
  std::printf(
      "national federation: 1 root, %d provinces, %d districts (%zu nodes); %d minute buckets "
      "each\n",
      provinces, provinces * per_province, fed.nodes.size(), minutes);
  std::fflush(stdout);

  const auto setup = Steady::now();
  InProcessNode root(shared, "vn", dir / "vn", clock);
  std::uint64_t rows = 0;
  for (int p = 0; p < provinces; ++p) {
    const std::string province = "vn/p" + std::to_string(p);
    InProcessNode node(shared, province, dir / ("p" + std::to_string(p)), clock);
    // Districts -> province: each district's buckets, one entry per minute, through receive_events.
    for (int d = 0; d < per_province; ++d) {
      const std::string district = province + "/d" + std::to_string(d);
      federation::EventBatch batch;
      for (int m = 0; m < minutes; ++m) {
        SummarySketch s;
        for (int v = 0; v < 60; ++v) s.add(20 + (d * 7 + m * 13 + v) % 80);  // one reading a second
        rows += 60;
        batch.events.push_back(
            {district, "e-" + district, m + 1, "aggregates", first_bucket + m * 60'000LL,
             json{{"buckets", json::array({{{"metric", "pm25"},
                                            {"area", district},
                                            {"start", first_bucket + m * 60'000LL},
                                            {"sketch", crypto::base64_encode(s.encode())}}})}}});
      }
      node.writes.run(
          [&](WriteContext& w) { federation::receive_events(node.ctx, w, district, batch); });
    }
    // Province -> root: everything the province relayed, in the wire form its uplink sends.
    federation::EventBatch up;
    federation::Outbound outbound(node.store, fed, node.policies.engine()->policies(), province,
                                  "vn");
    for (const auto& e : node.store.events_after(0, 1'000'000)) {
      const json w = outbound.to_wire(e);
      up.events.push_back({w["origin"], w["epoch"], w["seq"], w["type"],
                           *parse_rfc3339(w["ts"].get<std::string>()), w["body"]});
    }
    for (std::size_t i = 0; i < up.events.size(); i += federation::kMaxEventsPerBatch) {
      federation::EventBatch part;
      part.events.assign(
          up.events.begin() + static_cast<long>(i),
          up.events.begin() +
              static_cast<long>(std::min(up.events.size(), i + federation::kMaxEventsPerBatch)));
      root.writes.run(
          [&](WriteContext& w) { federation::receive_events(root.ctx, w, province, part); });
    }
  }
  std::printf("set-up (every bucket received by its province, relayed to the root): %.1f s\n",
              seconds_since(setup));
  std::fflush(stdout);

  SummaryService summary(root.ctx);
  const auto window = SummaryService::align(window_end - minutes * 60'000LL, window_end);
  double best = 1e9, worst = 0;
  json answer;
  for (int run = 0; run < 3; ++run) {
    const auto start = Steady::now();
    answer = codec::to_json(summary.summary(window, {}));  // as the API answers it
    const double s = seconds_since(start);
    best = std::min(best, s);
    worst = std::max(worst, s);
  }
  const auto& pm = answer["metrics"]["pm25"];
  const bool exact = pm["count"].get<std::uint64_t>() == rows;
  std::printf("root summary: count %llu (%s), p50 %.1f, p99 %.1f, %zu children listed\n",
              static_cast<unsigned long long>(pm["count"].get<std::uint64_t>()),
              exact ? "every row, once" : "WRONG COUNT", pm["p50"].get<double>(),
              pm["p99"].get<double>(), answer["children"].size());
  std::printf(
      "federated summary over %zu nodes: best %.3f s, worst %.3f s of 3 (limit 1 s): ratio %.2f "
      "%s\n",
      fed.nodes.size(), best, worst, worst / 1.0, worst < 1.0 && exact ? "pass" : "FAIL");
  return worst < 1.0 && exact ? 0 : 1;
}
