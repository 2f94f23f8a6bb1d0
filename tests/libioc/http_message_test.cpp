#include "http_message.hpp"

#include <catch2/catch.hpp>

using namespace ioc;

TEST_CASE("query strings decode percent escapes and plus", "[http]") {
  const auto q = parse_query("metric=river_level&area=danang%2Fhai-chau&note=a+b&flag&=x&empty=");
  CHECK(q.at("metric") == "river_level");
  CHECK(q.at("area") == "danang/hai-chau");
  CHECK(q.at("note") == "a b");
  CHECK(q.at("flag").empty());
  CHECK(q.at("empty").empty());
  CHECK(parse_query("").empty());
}

TEST_CASE("url_decode leaves malformed escapes alone", "[http]") {
  CHECK(url_decode("100%") == "100%");
  CHECK(url_decode("%zz") == "%zz");
  CHECK(url_decode("%41%42") == "AB");
}
