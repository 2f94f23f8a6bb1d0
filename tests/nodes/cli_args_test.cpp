#include "cli_args.hpp"

#include <catch2/catch.hpp>

using ioc::cli::Args;

namespace {
Args parse(std::vector<std::string> words) {
  static std::vector<std::string> storage;
  storage = std::move(words);
  static std::vector<char*> argv;
  argv.clear();
  for (auto& w : storage) argv.push_back(w.data());
  return Args(static_cast<int>(argv.size()), argv.data(), 1, {"data", "role"}, {"power-safe"});
}
}  // namespace

TEST_CASE("options, flags and positional words", "[cli]") {
  const auto a = parse({"iocctl", "check", "--data", "d", "--power-safe", "file.yaml"});
  REQUIRE(a.ok());
  CHECK(a.get("data") == "d");
  CHECK(a.flag("power-safe"));
  CHECK_FALSE(a.get("role"));
  CHECK(a.get_or("role", "viewer") == "viewer");
  CHECK(a.positional() == std::vector<std::string>{"check", "file.yaml"});
}

TEST_CASE("unknown options and missing values are errors", "[cli]") {
  CHECK(parse({"x", "--colour", "red"}).error() == "unknown option --colour");
  CHECK(parse({"x", "--data"}).error() == "option --data needs a value");
}
