#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ioc {

/// A request as the API sees it, independent of the HTTP library.
struct HttpRequest {
  std::string method;                          ///< "GET", "POST", ...
  std::string target;                          ///< path and query as sent
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;

  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Completes a request; may be called from any thread, exactly once.
using Respond = std::function<void(HttpResponse)>;

/// The items of a comma-separated header value, each without surrounding spaces or tabs.
std::vector<std::string> header_list(const std::string& value);
/// True when the request's If-None-Match names `etag` (a weak "W/" form too) or is "*".
bool etag_matches(const HttpRequest& request, const std::string& etag);

/// Splits "a=1&b=x%20y" into decoded pairs (later duplicates win).
std::map<std::string, std::string> parse_query(const std::string& query);
std::string url_decode(const std::string& s);
/// Decodes an application/x-www-form-urlencoded body strictly: a malformed percent-escape or a
/// name or value that is not UTF-8 once decoded throws Error(kBadRequest) naming the field.
std::map<std::string, std::string> parse_form(const std::string& body);

}  // namespace ioc
