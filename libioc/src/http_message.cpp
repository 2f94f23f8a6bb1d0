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

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const auto amp = query.find('&', pos);
    const std::string part =
        query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty()) {
      const auto eq = part.find('=');
      if (eq == std::string::npos)
        out[url_decode(part)] = "";
      else
        out[url_decode(part.substr(0, eq))] = url_decode(part.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const auto amp = body.find('&', pos);
    const std::string part =
        body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty()) {
      const auto eq = part.find('=');
      const std::string raw_name = part.substr(0, eq);
      const std::string raw_value = eq == std::string::npos ? "" : part.substr(eq + 1);
      const std::string name = url_decode(raw_name);
      if (!utf8::valid(name) || name.empty())
        throw Error(ErrorCode::kBadRequest, "a form field name is empty or not UTF-8", "body");
      for (const std::string* raw : {&raw_name, &raw_value})
        for (std::size_t i = raw->find('%'); i != std::string::npos; i = raw->find('%', i + 1))
          if (i + 2 >= raw->size() || !std::isxdigit(static_cast<unsigned char>((*raw)[i + 1])) ||
              !std::isxdigit(static_cast<unsigned char>((*raw)[i + 2])))
            throw Error(ErrorCode::kBadRequest,
                        name + ": '%' must start a two-digit hex escape in form encoding", name);
      std::string value = url_decode(raw_value);
      if (!utf8::valid(value))
        throw Error(ErrorCode::kBadRequest, name + ": not valid UTF-8 once decoded", name);
      out[name] = std::move(value);
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

}  // namespace ioc
