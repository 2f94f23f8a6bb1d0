#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "http_message.hpp"
#include "ioc/error.hpp"
#include "ioc/time.hpp"
#include "store.hpp"

namespace ioc::api {

/// Reading requests and writing answers of the JSON API: one definition for the node's routes and
/// the federation's. Every refusal is an Error naming the field.

using Query = std::map<std::string, std::string>;

HttpResponse json_response(int status, const nlohmann::json& body);
/// The media type without parameters, lower-cased.
std::string media_type(const HttpRequest& r);
/// Refuses (415) a body that is not declared application/json.
void require_json(const HttpRequest& r);
/// The body as a JSON object (depth-limited as all outside JSON).
nlohmann::json parse_json_object(const std::string& body);
/// Refuses a key of `j` that is not in `allowed` (the field named with `prefix`).
void only_fields(const nlohmann::json& j, std::initializer_list<const char*> allowed,
                 const std::string& prefix = "");
/// A string field; missing or null gives "" unless `required`. Errors name the field with
/// `prefix` (the path of the object `j` within the body, e.g. "translations[1].").
std::string string_field(const nlohmann::json& j, const char* key, bool required,
                         std::size_t max = 1000, const std::string& prefix = "");

/// Refuses (400, naming it) a query parameter that is not in `allowed`.
void only_params(const Query& q, std::initializer_list<const char*> allowed);
/// A whole number query parameter within [min, max]; `fallback` when absent. Anything else is
/// refused with `message`.
std::int64_t query_int(const Query& q, const char* key, std::int64_t min, std::int64_t max,
                       std::int64_t fallback, const char* message);
/// `limit`: 1 to 10000, 100 by default.
int query_limit(const Query& q);
/// `cursor`: a cursor this API returned (0, the start, when absent or empty).
std::int64_t query_cursor(const Query& q);
/// A query parameter read by `parse` (a name to std::optional<T>), if given; a value `parse`
/// does not know is refused (400) as "unknown KEY 'VALUE'", followed by `known` when given.
template <typename Parse>
auto query_parsed(const Query& q, const char* key, Parse&& parse, const std::string& known = "")
    -> decltype(parse(std::string())) {
  const auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  auto value = parse(it->second);
  if (!value)
    throw Error(ErrorCode::kBadRequest,
                std::string("unknown ") + key + " '" + it->second + "'" +
                    (known.empty() ? "" : " (" + known + ")"),
                key);
  return value;
}
/// An RFC 3339 time parameter, if given.
std::optional<TimeMs> query_time(const Query& q, const char* key);

/// {"items": [...], "next": cursor or null} for a page of a list.
template <typename T, typename F>
nlohmann::json page_json(const Page<std::pair<std::int64_t, T>>& page, F&& render) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [_, item] : page.items) items.push_back(render(item));
  return nlohmann::json{
      {"items", items},
      {"next", page.next ? nlohmann::json(std::to_string(*page.next)) : nlohmann::json(nullptr)}};
}

}  // namespace ioc::api
