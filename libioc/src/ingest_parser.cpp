#include "ingest_parser.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "ioc/error.hpp"

namespace ioc {
namespace {

using nlohmann::json;

[[noreturn]] void reject(std::size_t index, const char* field, const std::string& what) {
  const std::string where = "[" + std::to_string(index) + "]" + (*field ? std::string(".") + field : "");
  throw Error(ErrorCode::kBadRequest, "element " + std::to_string(index) + ": " +
                                          (*field ? std::string(field) + " " : "") + what, where);
}

std::string read_string(const json& obj, const char* field, std::size_t index, bool required,
                        const IngestLimits& limits) {
  const auto it = obj.find(field);
  if (it == obj.end()) {
    if (required) reject(index, field, "is required");
    return {};
  }
  if (!it->is_string()) reject(index, field, std::string("must be a string, got ") + it->type_name());
  const auto& s = it->get_ref<const std::string&>();
  if (required && s.empty()) reject(index, field, "must not be empty");
  if (s.size() > limits.max_string)
    reject(index, field, "is longer than " + std::to_string(limits.max_string) + " bytes");
  return s;
}

Observation read_element(const json& e, std::size_t index,
                         const std::function<bool(const std::string&)>& known_area, const IngestLimits& limits) {
  if (!e.is_object()) reject(index, "", std::string("must be an object, got ") + e.type_name());
  for (const auto& [key, _] : e.items())
    if (key != "source" && key != "metric" && key != "ts" && key != "value" && key != "unit" &&
        key != "area" && key != "tags")
      reject(index, key.c_str(), "is not a known field (source, metric, ts, value, unit, area, tags)");
  Observation o;
  o.source = read_string(e, "source", index, true, limits);
  o.metric = read_string(e, "metric", index, true, limits);
  o.unit = read_string(e, "unit", index, false, limits);
  o.area = read_string(e, "area", index, true, limits);
  if (!known_area(o.area)) reject(index, "area", "'" + o.area + "' is not a node of the federation");

  const auto ts = e.find("ts");
  if (ts == e.end()) reject(index, "ts", "is required");
  if (ts->is_string()) {
    const auto t = parse_rfc3339(ts->get_ref<const std::string&>());
    if (!t) reject(index, "ts", "must be RFC 3339 (e.g. 2025-10-27T08:00:00Z) or epoch milliseconds");
    o.ts = *t;
  } else if (ts->is_number_integer()) {
    o.ts = ts->get<std::int64_t>();
    if (o.ts < 0) reject(index, "ts", "must not be negative");
  } else {
    reject(index, "ts", std::string("must be an RFC 3339 string or integer epoch milliseconds, got ") + ts->type_name());
  }

  const auto value = e.find("value");
  if (value == e.end()) reject(index, "value", "is required");
  if (!value->is_number()) reject(index, "value", std::string("must be a number, got ") + value->type_name());
  o.value = value->get<double>();
  if (!std::isfinite(o.value)) reject(index, "value", "must be finite");

  if (const auto tags = e.find("tags"); tags != e.end() && !tags->is_null()) {
    if (!tags->is_object()) reject(index, "tags", "must be an object of strings");
    if (tags->size() > limits.max_tags) reject(index, "tags", "has more than " + std::to_string(limits.max_tags) + " entries");
    for (const auto& [k, v] : tags->items()) {
      if (!v.is_string()) reject(index, "tags", "value of '" + k + "' must be a string");
      if (k.size() > limits.max_string || v.get_ref<const std::string&>().size() > limits.max_string)
        reject(index, "tags", "entry '" + k + "' is too long");
      o.tags.emplace(k, v.get<std::string>());
    }
  }
  return o;
}

void check_count(std::size_t n, const IngestLimits& limits) {
  if (n > limits.max_rows)
    throw Error(ErrorCode::kPayloadTooLarge,
                "batch has more than " + std::to_string(limits.max_rows) + " observations; split it", "body");
}

}  // namespace

std::vector<Observation> parse_observations(std::string_view body, BodyFormat format,
                                            const std::function<bool(const std::string&)>& known_area,
                                            const IngestLimits& limits) {
  std::vector<Observation> rows;
  if (format == BodyFormat::kJsonArray) {
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded()) throw Error(ErrorCode::kBadRequest, "body is not valid JSON", "body");
    if (!doc.is_array()) throw Error(ErrorCode::kBadRequest, "body must be a JSON array of observations", "body");
    check_count(doc.size(), limits);
    rows.reserve(doc.size());
    for (std::size_t i = 0; i < doc.size(); ++i) rows.push_back(read_element(doc[i], i, known_area, limits));
  } else {
    std::size_t index = 0;
    while (!body.empty()) {
      const auto nl = body.find('\n');
      std::string_view line = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      check_count(index + 1, limits);
      json doc = json::parse(line, nullptr, false);
      if (doc.is_discarded())
        throw Error(ErrorCode::kBadRequest, "element " + std::to_string(index) + ": line is not valid JSON",
                    "[" + std::to_string(index) + "]");
      rows.push_back(read_element(doc, index, known_area, limits));
      ++index;
    }
  }
  if (rows.empty()) throw Error(ErrorCode::kBadRequest, "batch has no observations", "body");
  return rows;
}

}  // namespace ioc
