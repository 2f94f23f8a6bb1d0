#include "http_message.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"

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

TEST_CASE("form bodies decode strictly: bad escapes and text that is not UTF-8 are 400s",
          "[http]") {
  CHECK(parse_form("a=1&b=x%20y+z&c=") ==
        std::map<std::string, std::string>{{"a", "1"}, {"b", "x y z"}, {"c", ""}});
  CHECK(parse_form("name=L%C5%A9") == std::map<std::string, std::string>{{"name", "L\xc5\xa9"}});
  const auto field_of = [](const std::string& body) {
    try {
      parse_form(body);
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kBadRequest);
      return e.field();
    }
    return std::string("(accepted)");
  };
  CHECK(field_of("description=%FF") == "description");
  CHECK(field_of("description=%G1") == "description");
  CHECK(field_of("description=abc%4") == "description");
  CHECK(field_of("d=\xc0\xaf") == "d");
  CHECK(field_of("%FF=1") == "body");
  CHECK(field_of("=1") == "body");
}
