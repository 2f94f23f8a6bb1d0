#include "metrics.hpp"

#include <catch2/catch.hpp>

using namespace ioc;

TEST_CASE("metrics render in Prometheus text format with the node label", "[metrics]") {
  Metrics m;
  m.observations_ingested += 42;
  m.count_response(202);
  m.count_response(404);
  m.count_response(413);
  const std::string text = m.render("danang/hai-chau");
  CHECK(text.find("# HELP ioc_observations_ingested_total ") != std::string::npos);
  CHECK(text.find("# TYPE ioc_observations_ingested_total counter\n") != std::string::npos);
  CHECK(text.find("ioc_observations_ingested_total{node=\"danang/hai-chau\"} 42\n") !=
        std::string::npos);
  CHECK(text.find("ioc_http_responses_total{node=\"danang/hai-chau\",code=\"4xx\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("ioc_http_responses_total{node=\"danang/hai-chau\",code=\"2xx\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("# TYPE ioc_open_connections gauge\n") != std::string::npos);
  CHECK(text.back() == '\n');
}
