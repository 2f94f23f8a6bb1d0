// Embedding libioc with its federation (ioc::ioc): a harbour district's node joins its city over
// the signed federation protocol. For the demonstration both nodes run in this one process; in a
// deployment each runs on its own machine, with the same code. A reading ingested at the harbour
// reaches the city's summary through the link the harbour opens to the city.
//
//   embed_federation_example [WORK_DIR]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ioc/error.hpp>
#include <ioc/federation/node_keys.hpp>
#include <ioc/federation/plugin.hpp>
#include <ioc/node.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

namespace fs = std::filesystem;

namespace {

// A loopback port free now, for the city's endpoint in the federation file.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot find a free port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The federation: the city and its harbour district, each with its key pair and endpoint.
std::string write_federation(const fs::path& dir, int city_port, int harbour_port) {
  for (const char* node : {"city", "city/harbour"})
    ioc::federation::generate_keys(node, (dir / "keys").string());
  const fs::path file = dir / "federation.yaml";
  std::ofstream(file) << "apiVersion: ioc/v1\n"
                         "kind: Federation\n"
                         "name: harbour-city\n"
                         "nodes:\n"
                         "  - {id: city, kind: city, endpoint: \"http://127.0.0.1:"
                      << city_port
                      << "\", publicKey: keys/city.pub}\n"
                         "  - {id: city/harbour, kind: district, parent: city, endpoint: "
                         "\"http://127.0.0.1:"
                      << harbour_port << "\", publicKey: keys/city_harbour.pub}\n";
  return file.string();
}

ioc::NodeOptions options_for(const std::string& federation, const fs::path& dir,
                             const std::string& id, int port) {
  ioc::NodeOptions o;
  o.federation_file = federation;
  o.node_id = id;
  o.data_dir = (dir / "data" / ioc::federation::key_file_stem(id)).string();
  o.listen = "127.0.0.1:" + std::to_string(port);
  o.key_file = (dir / "keys" / (ioc::federation::key_file_stem(id) + ".key")).string();
  o.plugin = ioc::federation::plugin();  // joins the node to its federation
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "ioc-embed-fed";
  fs::remove_all(dir);
  fs::create_directories(dir);
  try {
    const int city_port = free_port(), harbour_port = free_port();
    const std::string federation = write_federation(dir, city_port, harbour_port);
    ioc::Node city(options_for(federation, dir, "city", city_port));
    ioc::Node harbour(options_for(federation, dir, "city/harbour", harbour_port));
    city.start();
    harbour.start();
    std::cout << "city on 127.0.0.1:" << city_port << ", harbour on 127.0.0.1:" << harbour_port
              << "\n";

    const ioc::TimeMs t0 = ioc::SystemClock().now();
    harbour.ingest({{"tide-1", "water_level", t0, 1.8, "m", "city/harbour", {}},
                    {"tide-1", "water_level", t0 + 1000, 1.9, "m", "city/harbour", {}}});

    // The harbour's link sends its log to the city; poll the city's summary until both readings
    // are there (or give up after 30 s).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const auto count_at_city = [&] {
      const auto s = city.summary(t0 - 60'000, t0 + 60'000, {"water_level"});
      return s.metrics.count("water_level") ? s.metrics.at("water_level").count : 0;
    };
    while (count_at_city() < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto at_city = city.summary(t0 - 60'000, t0 + 60'000, {"water_level"});
    std::cout << "the city holds " << count_at_city() << " harbour readings; its child "
              << at_city.children.at(0).node << " is "
              << ioc::to_string(at_city.children.at(0).state) << "\n";
    harbour.stop();
    city.stop();
    return count_at_city() == 2 ? 0 : 1;
  } catch (const ioc::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
