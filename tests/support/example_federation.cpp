#include "example_federation.hpp"

#include <filesystem>
#include <regex>
#include <thread>

#include "ioc/config.hpp"
#include "ioc/federation/node_keys.hpp"
#include "poll.hpp"

namespace ioc::test {

namespace fs = std::filesystem;

ExampleFederation::ExampleFederation(const std::string& example,
                                     const std::vector<std::string>& files) {
  fs::copy(fs::path(IOC_SOURCE_DIR) / "examples" / example, dir.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::remove_all(dir / "keys");
  std::map<std::string, std::string> example_port;  // "7200" -> node
  for (const auto& file : files)
    for (const auto& n : load_federation(dir / file).nodes)
      example_port[n.endpoint.substr(n.endpoint.rfind(':') + 1)] = n.id;
  for (const auto& [port, node] : example_port) {
    ports[node] = free_port();
    federation::generate_keys(node, dir / "keys");
  }
  for (const auto& file : files) {
    std::string text = read_file(dir / file);
    for (const auto& [port, node] : example_port)
      text = std::regex_replace(text, std::regex("127\\.0\\.0\\.1:" + port + "\\b"),
                                "127.0.0.1:" + std::to_string(ports.at(node)));
    // Policies shared from the repository's policies/ (Da Nang's) are read where they are.
    text = std::regex_replace(text, std::regex("\\.\\./\\.\\./policies/"),
                              std::string(IOC_SOURCE_DIR) + "/policies/");
    write_file(dir / file, text);
  }
}

std::string ExampleFederation::data(const std::string& id) const {
  return dir / federation::key_file_stem(id);
}

void ExampleFederation::start(const std::string& id, const std::string& file,
                              std::vector<std::string> extra) {
  std::vector<std::string> args{"--listen", "127.0.0.1:" + std::to_string(ports.at(id)), "--key",
                                dir / ("keys/" + federation::key_file_stem(id) + ".key")};
  args.insert(args.end(), extra.begin(), extra.end());
  nodes_[id] = std::make_unique<NodeProcess>(dir / file, id, data(id), std::move(args));
  if (!tokens_.count(id)) tokens_[id] = issue(data(id), "admin");
  nodes_[id]->start();
}

HttpClient ExampleFederation::at(const std::string& id, const std::string& token) const {
  return HttpClient(nodes_.at(id)->port(), token.empty() ? tokens_.at(id) : token);
}

nlohmann::json ExampleFederation::wait_for(const std::string& id, const std::string& path,
                                           const std::string& key,
                                           const nlohmann::json& value) const {
  nlohmann::json got;
  ioc::test::poll_until([&] {
    const auto res = at(id).get(path);
    got = res.status == 200 ? res.json() : nlohmann::json();
    return got.is_object() && got.value(key, nlohmann::json()) == value;
  });
  return got;
}

}  // namespace ioc::test
