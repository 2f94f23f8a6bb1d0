#pragma once

// city > city/north > city/north/ward-1 as three real iocd processes, each on a port of its own,
// with a viewer token for each.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http_client.hpp"
#include "ioc/federation/node_keys.hpp"
#include "node_process.hpp"
#include "temp_dir.hpp"

namespace ioc::test {

struct ThreeTiers {
  TempDir dir;
  int city_port = free_port(), north_port = free_port(), ward_port = free_port();
  std::string federation;
  std::unique_ptr<NodeProcess> city, north, ward;
  std::string city_token, north_token, ward_token;

  /// `policies`: (file name, text) pairs written next to the federation file and listed in it.
  explicit ThreeTiers(const std::vector<std::pair<std::string, std::string>>& policies = {}) {
    for (const char* node : {"city", "city/north", "city/north/ward-1"})
      ioc::federation::generate_keys(node, dir / "keys");
    const auto entry = [&](const std::string& id, const std::string& kind,
                           const std::string& parent, int port) {
      return "  - {id: " + id + ", kind: " + kind + (parent.empty() ? "" : ", parent: " + parent) +
             ", endpoint: \"http://127.0.0.1:" + std::to_string(port) + "\", publicKey: keys/" +
             ioc::federation::key_file_stem(id) + ".pub}\n";
    };
    federation = dir / "federation.yaml";
    write_file(federation, "apiVersion: ioc/v1\nkind: Federation\nname: tiers\nnodes:\n" +
                               entry("city", "city", "", city_port) +
                               entry("city/north", "district", "city", north_port) +
                               entry("city/north/ward-1", "ward", "city/north", ward_port) +
                               write_policy_files(dir.path(), policies));
    const auto node = [&](const std::string& id, const std::string& data, int port) {
      return std::make_unique<NodeProcess>(
          federation, id, dir / data,
          std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port), "--key",
                                   dir / ("keys/" + ioc::federation::key_file_stem(id) + ".key")});
    };
    city = node("city", "city", city_port);
    north = node("city/north", "north", north_port);
    ward = node("city/north/ward-1", "ward", ward_port);
    city_token = issue(dir / "city", "viewer");
    north_token = issue(dir / "north", "viewer");
    ward_token = issue(dir / "ward", "viewer");
    city->start();
    north->start();
    ward->start();
  }

  HttpClient at_city() const { return HttpClient(city->port(), city_token); }
  HttpClient at_north() const { return HttpClient(north->port(), north_token); }
  HttpClient at_ward() const { return HttpClient(ward->port(), ward_token); }
};

}  // namespace ioc::test
