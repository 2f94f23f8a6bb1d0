#include "ingest_parser.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "ioc/error.hpp"
#include "utf8.hpp"

namespace ioc {
namespace {

using nlohmann::json;

enum class Field { kNone, kSource, kMetric, kTs, kValue, kUnit, kArea, kTags };

Field field_of(const std::string& key) {
  if (key == "source") return Field::kSource;
  if (key == "metric") return Field::kMetric;
  if (key == "ts") return Field::kTs;
  if (key == "value") return Field::kValue;
  if (key == "unit") return Field::kUnit;
  if (key == "area") return Field::kArea;
  if (key == "tags") return Field::kTags;
  return Field::kNone;
}

/// SAX handler that reads observations straight into structs, checking each value as it
/// arrives; the first problem throws an Error naming "[INDEX].FIELD". `index_base` offsets the
/// element index (NDJSON parses one element per document).
class ObservationSax {
 public:
  ObservationSax(std::vector<Observation>& rows, bool top_is_array, std::size_t index_base,
                 const IngestLimits& limits)
      : rows_(rows), top_is_array_(top_is_array), index_(index_base), limits_(limits) {}

  bool null() {
    if (depth_ == 2 && field_ == Field::kTags) return done_value();
    return bad_value("null");
  }
  bool boolean(bool) { return bad_value("boolean"); }
  bool number_integer(json::number_integer_t v) { return number(static_cast<double>(v), true, v); }
  bool number_unsigned(json::number_unsigned_t v) {
    return number(static_cast<double>(v), v <= static_cast<json::number_unsigned_t>(INT64_MAX),
                  static_cast<std::int64_t>(v));
  }
  bool number_float(json::number_float_t v, const std::string&) { return number(v, false, 0); }
  bool binary(json::binary_t&) { return bad_value("binary"); }

  bool string(std::string& v) {
    if (depth_ == 3) {
      if (v.size() > limits_.max_string) reject("tags", "entry '" + tag_key_ + "' is too long");
      row().tags.emplace(std::move(tag_key_), std::move(v));
      return true;
    }
    if (depth_ != 2) return bad_value("string");
    if (v.size() > limits_.max_string)
      reject(key_, "is longer than " + std::to_string(limits_.max_string) + " bytes");
    auto& o = row();
    switch (field_) {
      case Field::kSource:
        o.source = std::move(v);
        break;
      case Field::kMetric:
        o.metric = std::move(v);
        break;
      case Field::kUnit:
        o.unit = std::move(v);
        break;
      case Field::kArea:
        o.area = std::move(v);
        break;
      case Field::kTs: {
        const auto t = parse_rfc3339(v);
        if (!t) reject("ts", "must be RFC 3339 (e.g. 2025-10-27T08:00:00Z) or epoch milliseconds");
        if (*t < 0) reject("ts", "must not be before 1970-01-01T00:00:00Z");
        o.ts = *t;
        break;
      }
      default:
        return bad_value("string");
    }
    seen_ |= bit(field_);
    return done_value();
  }

  bool start_object(std::size_t) {
    if (depth_ == 0 && !top_is_array_) return open_element();
    if (depth_ == 1 && top_is_array_) return open_element();
    if (depth_ == 2 && field_ == Field::kTags) {
      depth_ = 3;
      return true;
    }
    return bad_value("object");
  }
  bool key(std::string& k) {
    if (depth_ == 3) {
      if (row().tags.size() >= limits_.max_tags)
        reject("tags", "has more than " + std::to_string(limits_.max_tags) + " entries");
      if (k.size() > limits_.max_string)
        reject("tags", "entry '" + k.substr(0, 32) + "...' is too long");
      tag_key_ = std::move(k);
      return true;
    }
    field_ = field_of(k);
    key_ = std::move(k);
    if (field_ == Field::kNone)
      reject(key_, "is not a known field (source, metric, ts, value, unit, area, tags)");
    return true;
  }
  bool end_object() {
    if (depth_ == 3) {
      depth_ = 2;
      seen_ |= bit(Field::kTags);
      return done_value();
    }
    close_element();
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0 && top_is_array_) {
      depth_ = 1;
      return true;
    }
    return bad_value("array");
  }
  bool end_array() {
    depth_ = 0;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& ex) {
    // The token is echoed only if it is text: bytes that are not UTF-8 would spoil the answer.
    const std::string near = utf8::valid(token) ? " near '" + token + "'" : " (not valid UTF-8)";
    const std::string what = ex.id == 406 && utf8::valid(token)
                                 ? "number '" + token + "' is not finite"
                                 : "invalid JSON at byte " + std::to_string(position) + near;
    if (depth_ >= 2) reject(depth_ == 3 ? "tags" : key_, what);
    if (depth_ == 1 || !top_is_array_) reject("", what);
    throw Error(ErrorCode::kBadRequest, "body: " + what, "body");
  }

 private:
  static unsigned bit(Field f) { return 1u << static_cast<unsigned>(f); }
  Observation& row() { return rows_.back(); }

  [[noreturn]] void reject(const std::string& field, const std::string& what) const {
    const std::string where =
        "[" + std::to_string(index_) + "]" + (field.empty() ? "" : "." + field);
    throw Error(
        ErrorCode::kBadRequest,
        "element " + std::to_string(index_) + ": " + (field.empty() ? "" : field + " ") + what,
        where);
  }

  bool bad_value(const char* type) {
    if (depth_ == 3) reject("tags", "value of '" + tag_key_ + "' must be a string");
    if (depth_ == 2) {
      if (field_ == Field::kTs)
        reject("ts", std::string("must be an RFC 3339 string or integer epoch milliseconds, got ") +
                         type);
      if (field_ == Field::kTags) reject("tags", "must be an object of strings");
      if (field_ == Field::kValue) reject("value", std::string("must be a number, got ") + type);
      reject(key_, std::string("must be a string, got ") + type);
    }
    if (depth_ == 1 || !top_is_array_) reject("", std::string("must be an object, got ") + type);
    throw Error(ErrorCode::kBadRequest, "body must be a JSON array of observations", "body");
  }

  bool number(double v, bool integral, std::int64_t as_int) {
    if (depth_ != 2) return bad_value("number");
    auto& o = row();
    if (field_ == Field::kValue) {
      o.value = v;
    } else if (field_ == Field::kTs) {
      if (!integral)
        reject("ts", "must be an RFC 3339 string or integer epoch milliseconds, got number");
      if (as_int < 0) reject("ts", "must not be negative");
      o.ts = as_int;
    } else {
      return bad_value("number");
    }
    seen_ |= bit(field_);
    return done_value();
  }

  bool done_value() {
    field_ = Field::kNone;
    return true;
  }

  bool open_element() {
    if (rows_.size() >= limits_.max_rows)
      throw Error(
          ErrorCode::kPayloadTooLarge,
          "batch has more than " + std::to_string(limits_.max_rows) + " observations; split it",
          "body");
    depth_ = 2;
    seen_ = 0;
    rows_.emplace_back();
    return true;
  }

  void close_element() {
    for (const Field f :
         {Field::kSource, Field::kMetric, Field::kTs, Field::kValue, Field::kArea}) {
      if (seen_ & bit(f)) continue;
      static const char* kNames[] = {"", "source", "metric", "ts", "value", "unit", "area", "tags"};
      reject(kNames[static_cast<int>(f)], "is required");
    }
    depth_ = top_is_array_ ? 1 : 0;
    ++index_;
  }

  std::vector<Observation>& rows_;
  bool top_is_array_;
  std::size_t index_;
  const IngestLimits& limits_;
  int depth_ = 0;  // 0 document, 1 top array, 2 element object, 3 tags object
  Field field_ = Field::kNone;
  std::string key_;
  std::string tag_key_;
  unsigned seen_ = 0;
};

}  // namespace

void check_observation(const Observation& o, std::size_t index,
                       const std::function<bool(const std::string&)>& area_allowed) {
  const auto fail = [index](const char* field, const std::string& what) {
    throw Error(ErrorCode::kBadRequest,
                "element " + std::to_string(index) + ": " + field + " " + what,
                "[" + std::to_string(index) + "]." + field);
  };
  if (o.source.empty()) fail("source", "must not be empty");
  if (o.metric.empty()) fail("metric", "must not be empty");
  if (o.area.empty()) fail("area", "must not be empty");
  if (!std::isfinite(o.value)) fail("value", "must be finite");
  if (!area_allowed(o.area))
    fail("area", "'" + o.area + "' is not this node or a node below it in the federation");
}

std::vector<Observation> parse_observations(
    std::string_view body, BodyFormat format,
    const std::function<bool(const std::string&)>& area_allowed, const IngestLimits& limits) {
  std::vector<Observation> rows;
  if (format == BodyFormat::kJsonArray) {
    ObservationSax sax(rows, true, 0, limits);
    json::sax_parse(body.begin(), body.end(), &sax);
  } else {
    while (!body.empty()) {
      const auto nl = body.find('\n');
      std::string_view line = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      if (rows.size() >= limits.max_rows)
        throw Error(
            ErrorCode::kPayloadTooLarge,
            "batch has more than " + std::to_string(limits.max_rows) + " observations; split it",
            "body");
      ObservationSax sax(rows, false, rows.size(), limits);
      json::sax_parse(line.begin(), line.end(), &sax);
    }
  }
  if (rows.empty()) throw Error(ErrorCode::kBadRequest, "batch has no observations", "body");
  for (std::size_t i = 0; i < rows.size(); ++i) check_observation(rows[i], i, area_allowed);
  return rows;
}

}  // namespace ioc
