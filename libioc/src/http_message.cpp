#include "http_message.hpp"

#include <cctype>

#include "ioc/error.hpp"
#include "utf8.hpp"

namespace ioc {

std::string url_decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

namespace {

// Calls `take(raw_name, raw_value)` for each non-empty "name=value" part of `text`, split at '&',
// still percent-encoded ("name" alone gives an empty value).
template <typename F>
void for_each_pair(const std::string& text, F&& take) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto amp = text.find('&', pos);
    const std::string part =
        text.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty()) {
      const auto eq = part.find('=');
      take(part.substr(0, eq), eq == std::string::npos ? std::string() : part.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
}

bool well_escaped(const std::string& raw) {
  for (std::size_t i = raw.find('%'); i != std::string::npos; i = raw.find('%', i + 1))
    if (i + 2 >= raw.size() || !std::isxdigit(static_cast<unsigned char>(raw[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(raw[i + 2])))
      return false;
  return true;
}

}  // namespace

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  for_each_pair(query, [&out](const std::string& name, const std::string& value) {
    out[url_decode(name)] = url_decode(value);
  });
  return out;
}

std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  for_each_pair(body, [&out](const std::string& raw_name, const std::string& raw_value) {
    const std::string name = url_decode(raw_name);
    if (name.empty() || !utf8::valid(name) || !well_escaped(raw_name))
      throw Error(ErrorCode::kBadRequest, "a form field name is empty, badly escaped or not UTF-8",
                  "body");
    if (!well_escaped(raw_value))
      throw Error(ErrorCode::kBadRequest,
                  name + ": '%' must start a two-digit hex escape in form encoding", name);
    std::string value = url_decode(raw_value);
    if (!utf8::valid(value))
      throw Error(ErrorCode::kBadRequest, name + ": not valid UTF-8 once decoded", name);
    out[name] = std::move(value);
  });
  return out;
}

std::vector<std::string> header_list(const std::string& value) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= value.size();) {
    std::size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    std::string item = value.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

bool etag_matches(const HttpRequest& request, const std::string& etag) {
  for (auto tag : header_list(request.header("if-none-match"))) {
    if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
    if (tag == etag || tag == "*") return true;
  }
  return false;
}

}  // namespace ioc
