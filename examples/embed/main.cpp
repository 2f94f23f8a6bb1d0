// Embedding libioc in your own program: run the Da Nang city node in-process, feed it a rising
// river, and act on the incident the rule opened, without any HTTP in between.
//
//   embed_example path/to/federation.yaml [DATA_DIR]
#include <ioc/error.hpp>
#include <ioc/node.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

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
    const auto port = node.start();
    std::cout << "node " << node.id() << " serving on 127.0.0.1:" << port << "\n";

    // The river at Hai Chau rises through alarm level 2 (2.20 m).
    std::vector<ioc::Observation> rows;
    const ioc::TimeMs t0 = ioc::SystemClock().now();
    for (double level : {1.6, 1.9, 2.1, 2.35})
      rows.push_back(
          {"gauge-han-1", "river_level", t0, level, "m", "danang/hai-chau", {{"river", "han"}}});
    node.ingest(rows);

    for (const auto& alert : node.active_alerts())
      std::cout << "active alert " << alert.identifier << ": " << alert.headline << "\n";

    const ioc::Actor duty{"duty-officer", ioc::Role::kOperator, node.id()};
    auto incident = node.report_incident(duty, ioc::Domain::kFlood, ioc::Severity::kSevere,
                                         "danang/hai-chau", "Underpass flooded at Dien Bien Phu");
    incident =
        node.act_on_incident(duty, incident.id, ioc::IncidentAction::kDispatch, "pump truck 3");
    std::cout << "incident " << incident.id << " is " << ioc::to_string(incident.status)
              << " (version " << incident.version << ")\n";
    node.stop();
    return node.active_alerts().empty() ? 1 : 0;
  } catch (const ioc::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
