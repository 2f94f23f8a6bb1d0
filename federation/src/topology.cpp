#include "ioc/federation/topology.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include <regex>
#include <sstream>
#include <unordered_map>

#include "ioc/error.hpp"
#include "ioc/federation/node_keys.hpp"

namespace ioc::federation {

namespace {

struct Vertex {
  std::string id;
  std::string kind;
};
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Vertex>;
using VertexId = Graph::vertex_descriptor;

}  // namespace

struct Topology::Impl {
  Graph graph;
  std::unordered_map<std::string, VertexId> index;
  std::string root;

  VertexId at(const std::string& id) const {
    const auto it = index.find(id);
    if (it == index.end())
      throw Error(ErrorCode::kNotFound, "no node '" + id + "' in the federation", "node");
    return it->second;
  }
};

Topology::Topology(const FederationConfig& federation) : impl_(std::make_unique<Impl>()) {
  for (const auto& n : federation.nodes)
    impl_->index[n.id] =
        boost::add_vertex(Vertex{n.id, std::string(to_string(n.kind))}, impl_->graph);
  for (const auto& n : federation.nodes) {
    if (n.parent)
      boost::add_edge(impl_->index.at(*n.parent), impl_->index.at(n.id), impl_->graph);
    else
      impl_->root = n.id;
  }
}

Topology::~Topology() = default;
Topology::Topology(Topology&&) noexcept = default;

const std::string& Topology::root() const {
  return impl_->root;
}
bool Topology::contains(const std::string& id) const {
  return impl_->index.count(id) > 0;
}

std::optional<std::string> Topology::parent(const std::string& id) const {
  const auto [first, last] = boost::in_edges(impl_->at(id), impl_->graph);
  if (first == last) return std::nullopt;
  return impl_->graph[boost::source(*first, impl_->graph)].id;
}

std::vector<std::string> Topology::children(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto e : boost::make_iterator_range(boost::out_edges(impl_->at(id), impl_->graph)))
    out.push_back(impl_->graph[boost::target(e, impl_->graph)].id);
  return out;
}

std::vector<std::string> Topology::ancestors(const std::string& id) const {
  std::vector<std::string> out;
  for (auto p = parent(id); p; p = parent(*p)) out.push_back(*p);
  return out;
}

std::vector<std::string> Topology::subtree(const std::string& id) const {
  std::vector<std::string> out;
  struct Collect : boost::default_bfs_visitor {
    std::vector<std::string>* out;
    void discover_vertex(VertexId v, const Graph& g) const { out->push_back(g[v].id); }
  } visitor;
  visitor.out = &out;
  std::vector<boost::default_color_type> colors(boost::num_vertices(impl_->graph));
  boost::breadth_first_search(impl_->graph, impl_->at(id),
                              boost::visitor(visitor).color_map(boost::make_iterator_property_map(
                                  colors.begin(), boost::get(boost::vertex_index, impl_->graph))));
  return out;
}

std::size_t Topology::depth(const std::string& id) const {
  return ancestors(id).size();
}

std::string Topology::to_dot() const {
  const auto& g = impl_->graph;
  const auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\\\"") : std::string(1, c);
    return q + "\"";
  };
  std::ostringstream out;
  out << "digraph G {\n";
  for (const auto v : boost::make_iterator_range(boost::vertices(g)))
    out << quote(g[v].id) << "[label=" << quote(g[v].id + " (" + g[v].kind + ")") << "];\n";
  for (const auto e : boost::make_iterator_range(boost::edges(g)))
    out << quote(g[boost::source(e, g)].id) << "->" << quote(g[boost::target(e, g)].id) << ";\n";
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
