#include "api_support.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc::api {

using codec::json;

HttpResponse json_response(int status, const json& body) {
  return HttpResponse{status, "application/json", codec::dump(body), {}};
}

std::string media_type(const HttpRequest& r) {
  std::string ct = r.header("content-type");
  ct = ct.substr(0, ct.find(';'));
  ct.erase(std::remove_if(ct.begin(), ct.end(), [](unsigned char c) { return std::isspace(c); }),
           ct.end());
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return std::tolower(c); });
  return ct;
}

void require_json(const HttpRequest& r) {
  if (media_type(r) != "application/json")
    throw Error(ErrorCode::kUnsupportedMedia,
                "expected Content-Type application/json, got '" + r.header("content-type") + "'",
                "content-type");
}

json parse_json_object(const std::string& body) {
  json j = codec::parse_external(body);
  if (!j.is_object()) throw Error(ErrorCode::kBadRequest, "body must be a JSON object", "body");
  return j;
}

void only_fields(const json& j, std::initializer_list<const char*> allowed,
                 const std::string& prefix) {
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
      throw Error(ErrorCode::kBadRequest, "unknown field '" + prefix + key + "'", prefix + key);
  }
}

std::string string_field(const json& j, const char* key, bool required, std::size_t max,
                         const std::string& prefix) {
  const std::string field = prefix + key;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw Error(ErrorCode::kBadRequest, field + " is required", field);
    return {};
  }
  if (!it->is_string()) throw Error(ErrorCode::kBadRequest, field + " must be a string", field);
  const auto& s = it->get_ref<const std::string&>();
  if (required && s.empty())
    throw Error(ErrorCode::kBadRequest, field + " must not be empty", field);
  if (s.size() > max)
    throw Error(ErrorCode::kBadRequest, field + " is longer than " + std::to_string(max), field);
  return s;
}

void only_params(const Query& q, std::initializer_list<const char*> allowed) {
  for (const auto& param : q) {
    const std::string& key = param.first;  // clang 14 does not capture structured bindings
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw Error(ErrorCode::kBadRequest,
                  "unknown parameter '" + key + "'; this route takes " + list, key);
    }
  }
}

std::int64_t query_int(const Query& q, const char* key, std::int64_t min, std::int64_t max,
                       std::int64_t fallback, const char* message) {
  const auto it = q.find(key);
  if (it == q.end()) return fallback;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kBadRequest, message, key);
}

int query_limit(const Query& q) {
  return static_cast<int>(
      query_int(q, "limit", 1, 10'000, 100, "limit must be a whole number from 1 to 10000"));
}

std::int64_t query_cursor(const Query& q) {
  const auto it = q.find("cursor");
  if (it == q.end() || it->second.empty()) return 0;
  return query_int(q, "cursor", 0, std::numeric_limits<std::int64_t>::max(), 0,
                   "cursor is not one this API returned");
}

std::optional<TimeMs> query_time(const Query& q, const char* key) {
  const auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  if (const auto t = parse_rfc3339(it->second)) return t;
  throw Error(ErrorCode::kBadRequest, std::string(key) + " must be an RFC 3339 time", key);
}

}  // namespace ioc::api
