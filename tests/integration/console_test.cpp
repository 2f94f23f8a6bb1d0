// The web console in real headless Chromium (Debian's chromium, driven by the npm-pinned
// playwright-core in tests/browser/) against a real city node and its district. The browser side
// is tests/browser/console.mjs; screenshots land in BUILD/console-screenshots/ (a CI artefact).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "city_and_district.hpp"

using namespace ioc::test;
using nlohmann::json;

namespace {

// The city and the district on the map, the city's console in Vietnamese.
std::string with_places(std::string federation, const std::string& dir) {
  write_file(dir + "/north.geojson",
             R"({"type": "Polygon", "coordinates": [[[108.15, 16.05], [108.20, 16.05],)"
             R"( [108.20, 16.09], [108.15, 16.09], [108.15, 16.05]]]})");
  write_file(dir + "/city.geojson",
             R"({"type": "Polygon", "coordinates": [[[108.10, 16.00], [108.30, 16.00],)"
             R"( [108.30, 16.12], [108.10, 16.12], [108.10, 16.00]]]})");
  write_file(dir + "/console.yaml", "apiVersion: ioc/v1\nkind: Console\nlanguage: vi\n");
  const auto place = [&](const std::string& id, const std::string& extra) {
    const std::string key = "{id: " + id + ", ";
    federation.replace(federation.find(key), key.size(), key + extra);
  };
  place("city", "location: {lat: 16.06, lon: 108.2}, boundary: " + dir + "/city.geojson, ");
  place("city/north", "location: {lat: 16.07, lon: 108.17}, boundary: " + dir + "/north.geojson, ");
  const std::string config = "config: [rules.yaml, services.yaml";
  federation.replace(federation.find(config), config.size(), config + ", " + dir + "/console.yaml");
  return federation;
}

}  // namespace

TEST_CASE("the console in a browser: sign-in, each view, live events, actions, sign-out",
          "[integration][console]") {
  const std::string modules = std::string(IOC_SOURCE_DIR) + "/tests/browser/node_modules";
  if (!std::filesystem::exists(modules + "/playwright-core"))
    FAIL(
        "the browser driver is not installed: scripts/test.sh installs it (npm ci in "
        "tests/browser)");
  TempDir places;
  CityAndDistrict f({},
                    [&](std::string text) { return with_places(std::move(text), places.path()); });
  const std::string operator_token = issue(f.dir / "city", "operator");
  // A citizen's request at the city, for the requests view.
  REQUIRE(f.at_city()
              .post("/open311/v2/requests.json",
                    {{"service_code", "pothole"}, {"address_string", "12 Bach Dang"}})
              .status == 201);
  const json cfg{
      {"chromium", "/usr/bin/chromium"},
      {"screenshots", std::string(IOC_BINARY_DIR) + "/console-screenshots"},
      {"city",
       {{"url", "http://127.0.0.1:" + std::to_string(f.city->port())}, {"token", operator_token}}},
      {"north",
       {{"url", "http://127.0.0.1:" + std::to_string(f.north->port())}, {"token", f.north_token}}},
      {"expect", {{"openRequests", 1}}}};
  REQUIRE(setenv("IOC_CONSOLE", cfg.dump().c_str(), 1) == 0);
  const auto run =
      run_command({"/usr/bin/node", std::string(IOC_SOURCE_DIR) + "/tests/browser/console.mjs"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
}
