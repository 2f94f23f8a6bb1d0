#include "ingest_parser.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ioc/error.hpp"

using namespace ioc;

namespace {

bool known(const std::string& area) {
  return area == "city" || area == "city/north";
}

Error parse_error(const std::string& body, BodyFormat format = BodyFormat::kJsonArray,
                  IngestLimits limits = {}) {
  try {
    parse_observations(body, format, known, limits);
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected an error for " << body);
  return Error(ErrorCode::kInternal, "");
}

const char* kRow =
    R"({"source":"s","metric":"m","ts":"2025-10-27T08:00:00Z","value":1.5,"unit":"m","area":"city"})";

}  // namespace

TEST_CASE("a JSON array batch parses every field", "[ingest]") {
  const auto rows = parse_observations(
      R"([{"source":"g1","metric":"river_level","ts":"2025-10-27T15:00:00+07:00","value":2.5,"unit":"m",
           "area":"city/north","tags":{"river":"han"}},
          {"source":"g2","metric":"rain","ts":1761552000000,"value":-3,"area":"city"}])",
      BodyFormat::kJsonArray, known);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].source == "g1");
  CHECK(rows[0].ts == 1761552000000);
  CHECK(rows[0].value == 2.5);
  CHECK(rows[0].area == "city/north");
  CHECK(rows[0].tags.at("river") == "han");
  CHECK(rows[1].ts == 1761552000000);
  CHECK(rows[1].unit.empty());
  CHECK(rows[1].value == -3);
}

TEST_CASE("an NDJSON batch skips blank lines and counts elements", "[ingest]") {
  const std::string body = std::string(kRow) + "\r\n\n" + kRow + "\n";
  CHECK(parse_observations(body, BodyFormat::kNdjson, known).size() == 2);
  const auto e = parse_error(std::string(kRow) + "\n\n{\"source\":1}\n", BodyFormat::kNdjson);
  CHECK(e.field() == "[1].source");
  CHECK(parse_error(std::string(kRow) + "\nnot json\n", BodyFormat::kNdjson).field() == "[1]");
}

TEST_CASE("each bad element names its index and field", "[ingest]") {
  const auto row_with = [](const std::string& field, const std::string& value) {
    nlohmann::json j = nlohmann::json::parse(kRow);
    if (value == "<drop>")
      j.erase(field);
    else
      j[field] = nlohmann::json::parse(value);
    return "[" + std::string(kRow) + "," + j.dump() + "]";
  };
  CHECK(parse_error(row_with("value", "\"1\"")).field() == "[1].value");
  CHECK(parse_error(row_with("value", "<drop>")).field() == "[1].value");
  const auto overflow = parse_error("[" + std::string(kRow) +
                                    R"(,{"source":"s","metric":"m","ts":0,"value":-1e999}])");
  CHECK(overflow.field() == "[1].value");
  CHECK(std::string(overflow.what()).find("not finite") != std::string::npos);
  CHECK(parse_error(std::string(kRow) + "\n" + R"({"value":1e999})", BodyFormat::kNdjson).field() ==
        "[1].value");
  CHECK(parse_error(row_with("ts", "\"yesterday\"")).field() == "[1].ts");
  CHECK(parse_error(row_with("ts", "1.5")).field() == "[1].ts");
  CHECK(parse_error(row_with("ts", "-5")).field() == "[1].ts");
  // Found by the fuzzer: an RFC 3339 time before 1970 came through as a negative time.
  const auto ancient = parse_error(row_with("ts", "\"1012-10-27T15:00:00.5+07:00\""));
  CHECK(ancient.field() == "[1].ts");
  CHECK(std::string(ancient.what()).find("before 1970") != std::string::npos);
  CHECK(parse_error(row_with("area", "\"atlantis\"")).field() == "[1].area");
  CHECK(std::string(parse_error(row_with("area", "\"atlantis\"")).what()).find("atlantis") !=
        std::string::npos);
  CHECK(parse_error(row_with("metric", "\"\"")).field() == "[1].metric");
  CHECK(parse_error(row_with("source", "<drop>")).field() == "[1].source");
  CHECK(parse_error(row_with("tags", "[1]")).field() == "[1].tags");
  CHECK(parse_error(row_with("tags", "{\"a\":1}")).field() == "[1].tags");
  CHECK(parse_error(row_with("colour", "\"red\"")).field() == "[1].colour");
  CHECK(parse_error(row_with("unit", "5")).field() == "[1].unit");
  CHECK(parse_error("[" + std::string(kRow) + ",5]").field() == "[1]");
}

TEST_CASE("whole-body problems name the body", "[ingest]") {
  CHECK(parse_error("{").field() == "body");
  CHECK(parse_error(kRow).field() == "body");
  CHECK(parse_error("[]").field() == "body");
  CHECK(parse_error("", BodyFormat::kNdjson).field() == "body");
  CHECK(parse_error("[NaN]").code() == ErrorCode::kBadRequest);
}

TEST_CASE("batch and string limits are enforced", "[ingest]") {
  IngestLimits limits;
  limits.max_rows = 2;
  const std::string three = "[" + std::string(kRow) + "," + kRow + "," + kRow + "]";
  CHECK(parse_error(three, BodyFormat::kJsonArray, limits).code() == ErrorCode::kPayloadTooLarge);
  const std::string nd = std::string(kRow) + "\n" + kRow + "\n" + kRow + "\n";
  CHECK(parse_error(nd, BodyFormat::kNdjson, limits).code() == ErrorCode::kPayloadTooLarge);
  nlohmann::json j = nlohmann::json::parse(kRow);
  j["source"] = std::string(300, 'x');
  CHECK(parse_error("[" + j.dump() + "]").field() == "[0].source");
}
