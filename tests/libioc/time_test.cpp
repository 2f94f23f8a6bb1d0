#include "ioc/time.hpp"

#include <catch2/catch.hpp>

using namespace ioc;

TEST_CASE("parse_rfc3339 reads UTC, offsets and fractions", "[time]") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2025-10-27T08:00:00Z") == 1761552000000);
  CHECK(parse_rfc3339("2025-10-27T15:00:00+07:00") == 1761552000000);
  CHECK(parse_rfc3339("2025-10-27T08:00:00.250Z") == 1761552000250);
  CHECK(parse_rfc3339("2025-10-27T08:00:00.1z") == 1761552000100);
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
  CHECK(parse_rfc3339("1969-12-31T23:59:59Z") == -1000);
}

TEST_CASE("parse_rfc3339 rejects malformed times", "[time]") {
  for (const char* bad :
       {"", "2025-10-27", "2025-10-27T08:00:00", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2025-10-27T24:00:00Z", "2025-10-27T08:00:00+0700", "2025-10-27T08:00:00Zjunk",
        "2025-10-27T08:00:00.Z", "yesterday"})
    CHECK_FALSE(parse_rfc3339(bad).has_value());
}

TEST_CASE("format_rfc3339 writes UTC with milliseconds and round-trips", "[time]") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1761552000250) == "2025-10-27T08:00:00.250Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  for (TimeMs t : {TimeMs{0}, TimeMs{951782400123}, TimeMs{4102444799999}})
    CHECK(parse_rfc3339(format_rfc3339(t)) == t);
}

TEST_CASE("parse_duration understands ms, s, m, h and d", "[time]") {
  CHECK(parse_duration("250ms") == 250);
  CHECK(parse_duration("90s") == 90'000);
  CHECK(parse_duration("5m") == 300'000);
  CHECK(parse_duration("48h") == 172'800'000);
  CHECK(parse_duration("7d") == 604'800'000);
  for (const char* bad : {"", "5", "m", "-5m", "5 m", "5w", "1.5h", "99999999999999999999d"})
    CHECK_FALSE(parse_duration(bad).has_value());
}
