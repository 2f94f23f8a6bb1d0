#include "ioc/federation/topology.hpp"

#include <regex>
#include <sstream>

#include "ioc/error.hpp"
#include "ioc/federation/node_keys.hpp"

namespace ioc::federation {

std::string to_dot(const FederationConfig& federation) {
  const auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\\\"") : std::string(1, c);
    return q + "\"";
  };
  std::ostringstream out;
  out << "digraph G {\n";
  for (const auto& n : federation.nodes)
    out << quote(n.id) << "[label=" << quote(n.id + " (" + std::string(to_string(n.kind)) + ")")
        << "];\n";
  for (const auto& n : federation.nodes)
    if (n.parent) out << quote(*n.parent) << "->" << quote(n.id) << ";\n";
  out << "}\n";
  return out.str();
}

void check_federation(const FederationConfig& federation) {
  static const std::regex kEndpoint(R"(^https?://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}/?$)");
  for (std::size_t i = 0; i < federation.nodes.size(); ++i) {
    const auto& n = federation.nodes[i];
    const std::string at = "nodes[" + std::to_string(i) + "].";
    // A node alone needs neither; in a federation its peers reach it and verify its calls.
    if (federation.nodes.size() > 1 && n.endpoint.empty())
      throw Error(ErrorCode::kConfig,
                  n.where + ": error: " + at +
                      "endpoint: required in a federation (its peers call it there)",
                  at + "endpoint");
    if (federation.nodes.size() > 1 && n.public_keys.empty())
      throw Error(ErrorCode::kConfig,
                  n.where + ": error: " + at +
                      "publicKey: required in a federation (its peers verify its calls with it)",
                  at + "publicKey");
    if (!n.endpoint.empty() && !std::regex_match(n.endpoint, kEndpoint))
      throw Error(ErrorCode::kConfig,
                  n.endpoint_where + ": error: " + at +
                      "endpoint: expected http://HOST:PORT or https://HOST:PORT, got '" +
                      n.endpoint + "'",
                  at + "endpoint");
    for (const auto& key : n.public_keys) {
      try {
        PublicKey::load(key);
      } catch (const Error& e) {
        throw Error(ErrorCode::kConfig, n.key_where + ": error: " + at + "publicKey: " + e.what(),
                    at + "publicKey");
      }
    }
  }
}

}  // namespace ioc::federation
