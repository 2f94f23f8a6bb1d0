// Embedding libioc in your own program: run a node alone (ioc::core: no keys, no peers), feed it
// a rising river, watch its live events, and act on the incident the rule opened, without any
// HTTP in between (the node still serves its API on a free port).
//
//   embed_example examples/embed/federation.yaml [DATA_DIR]
#include <ioc/error.hpp>
#include <ioc/node.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embed_example FEDERATION_FILE [DATA_DIR]\n";
    return 2;
  }
  const std::string data =
      argc > 2 ? argv[2] : (std::filesystem::temp_directory_path() / "ioc-embed").string();
  std::filesystem::remove_all(data);
  try {
    ioc::NodeOptions options;
    options.federation_file = argv[1];
    options.node_id = "danang";
    options.data_dir = data;
    options.listen = "127.0.0.1:0";
    ioc::Node node(std::move(options));
    // Live events arrive on the node's writer thread: copy what you need and return.
    std::mutex seen_mutex;
    std::vector<std::string> seen;
    const auto subscription = node.subscribe([&](const std::string& event) {
      std::lock_guard lock(seen_mutex);
      const auto at = event.find("\"type\":\"") + 8;  // the document is {"data":...,"type":"..."}
      seen.push_back(event.substr(at, event.find('"', at) - at));
    });
    const auto port = node.start();
    std::cout << "node " << node.id() << " serving on 127.0.0.1:" << port << "\n";

    // The river rises through alarm levels 1 (1.70 m) and 2 (2.20 m).
    std::vector<ioc::Observation> rows;
    const ioc::TimeMs t0 = ioc::SystemClock().now();
    for (double level : {1.6, 1.9, 2.1, 2.35})
      rows.push_back({"gauge-han-1", "river_level", t0, level, "m", "danang", {{"river", "han"}}});
    node.ingest(rows);

    for (const auto& alert : node.active_alerts())
      std::cout << "active alert " << alert.identifier << ": " << alert.headline << "\n";

    // Alarm level 2 opened a flood incident; the duty officer dispatches a pump truck.
    const ioc::Actor duty{"duty-officer", ioc::Role::kOperator, node.id()};
    const auto open = node.incidents({ioc::IncidentStatus::kReported, ioc::Domain::kFlood});
    if (open.empty()) {
      std::cerr << "error: the river crossed alarm level 2 but no incident was opened\n";
      return 1;
    }
    const auto incident =
        node.act_on_incident(duty, open[0].id, ioc::IncidentAction::kDispatch, "pump truck 3");
    std::cout << "incident " << incident.id << " (" << incident.title << ") is "
              << ioc::to_string(incident.status) << ", version " << incident.version << "\n";
    const auto river =
        node.summary(t0 - 60'000, t0 + 60'000, {"river_level"}).metrics.at("river_level");
    std::cout << "river level: " << river.count << " readings, max " << river.max << " m, p90 "
              << river.p90 << " m\n";
    node.stop();
    std::lock_guard lock(seen_mutex);
    std::cout << seen.size() << " live events:";
    for (const auto& type : seen) std::cout << " " << type;
    std::cout << "\n";
    return node.active_alerts().size() == 2 ? 0 : 1;
  } catch (const ioc::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
