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

// Parses into a DOM like json::parse, but remembers where in the document it is, so that a
// failure (a number overflowing to infinity, a syntax error) names the element and field.
class PathTrackingSax {
 public:
  explicit PathTrackingSax(json& root) : dom_(root, false) {}

  bool null() { return scalar() && dom_.null(); }
  bool boolean(bool v) { return scalar() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return scalar() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) { return scalar() && dom_.number_float(v, s); }
  bool string(std::string& v) { return scalar() && dom_.string(v); }
  bool binary(json::binary_t& v) { return scalar() && dom_.binary(v); }
  bool start_object(std::size_t n) {
    frames_.push_back({false, 0, {}});
    return dom_.start_object(n);
  }
  bool key(std::string& k) {
    frames_.back().key = k;
    return dom_.key(k);
  }
  bool end_object() { return close() && dom_.end_object(); }
  bool start_array(std::size_t n) {
    frames_.push_back({true, 0, {}});
    return dom_.start_array(n);
  }
  bool end_array() { return close() && dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& ex) {
    std::string where;
    for (const auto& f : frames_) where += f.array ? "[" + std::to_string(f.count) + "]" : (where.empty() ? "" : ".") + f.key;
    const bool overflow = ex.id == 406;
    const std::string what = overflow ? "number '" + token + "' is not finite"
                                      : "invalid JSON at byte " + std::to_string(position) + " near '" + token + "'";
    if (where.empty()) throw Error(ErrorCode::kBadRequest, "body: " + what, "body");
    throw Error(ErrorCode::kBadRequest, where + ": " + what, where);
  }

 private:
  struct Frame {
    bool array;
    std::size_t count;
    std::string key;
  };
  bool scalar() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
    return true;
  }
  bool close() {
    frames_.pop_back();
    return scalar();
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<Frame> frames_;
};

json parse_document(std::string_view text) {
  json doc;
  PathTrackingSax sax(doc);
  json::sax_parse(text.begin(), text.end(), &sax);
  return doc;
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
    const json doc = parse_document(body);
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
      json doc;
      try {
        doc = parse_document(line);
      } catch (const Error& e) {
        // Inside a line the path is relative to the element; prefix the element's index.
        const std::string at = "[" + std::to_string(index) + "]";
        const std::string field = e.field() == "body" ? at : at + (e.field()[0] == '[' ? "" : ".") + e.field();
        throw Error(ErrorCode::kBadRequest, "element " + std::to_string(index) + ": " + e.what(), field);
      }
      rows.push_back(read_element(doc, index, known_area, limits));
      ++index;
    }
  }
  if (rows.empty()) throw Error(ErrorCode::kBadRequest, "batch has no observations", "body");
  return rows;
}

}  // namespace ioc
