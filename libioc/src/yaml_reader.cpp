#include "yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "ioc/error.hpp"

namespace ioc::yaml {

YAML::Node load_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(ErrorCode::kConfig, path + ":1:1: error: cannot open file", path);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorCode::kConfig, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                        std::to_string(e.mark.column + 1) +
                                        ": error: invalid YAML: " + e.msg);
  }
}

YAML::Node load_text(const std::string& path, const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorCode::kConfig, path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                        std::to_string(e.mark.column + 1) +
                                        ": error: invalid YAML: " + e.msg);
  }
}

std::string location(const std::string& file, const YAML::Node& at) {
  const auto mark = at.Mark();
  const int line = mark.line < 0 ? 1 : mark.line + 1;
  const int col = mark.column < 0 ? 1 : mark.column + 1;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

void fail(const std::string& file, const YAML::Node& at, const std::string& key,
          const std::string& message) {
  throw Error(ErrorCode::kConfig,
              location(file, at) + ": error: " + (key.empty() ? "" : key + ": ") + message, key);
}

namespace {
std::string describe(const YAML::Node& n) {
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}
}  // namespace

MapReader::MapReader(std::string file, const YAML::Node& node, std::string path)
    : file_(std::move(file)), node_(node), path_(std::move(path)) {
  if (!node_.IsMap()) fail(file_, node_, path_, "expected a mapping, got " + describe(node_));
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar())
      fail(file_, kv.first, path_, "a key must be a plain string, got " + describe(kv.first));
    const auto key = kv.first.Scalar();
    if (!seen.insert(key).second) fail(file_, kv.first, key_path(key), "duplicate key");
  }
}

std::string MapReader::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void MapReader::fail_at(const std::string& key, const std::string& message) const {
  const YAML::Node n = node_[key];
  fail(file_, n.IsDefined() ? n : node_, key_path(key), message);
}

bool MapReader::has(const std::string& key) const {
  asked_.insert(key);
  return node_[key].IsDefined();
}

YAML::Node MapReader::take(const std::string& key) {
  used_.insert(key);
  asked_.insert(key);
  return node_[key];
}

YAML::Node MapReader::node(const std::string& key) {
  YAML::Node n = take(key);
  if (!n.IsDefined() || n.IsNull()) fail(file_, node_, key_path(key), "required key is missing");
  return n;
}

std::string MapReader::str(const std::string& key) {
  YAML::Node n = node(key);
  if (!n.IsScalar() || n.Scalar().empty())
    fail(file_, n, key_path(key), "expected a non-empty string, got " + describe(n));
  return n.Scalar();
}

std::optional<std::string> MapReader::opt_str(const std::string& key) {
  if (!has(key)) {
    used_.insert(key);
    asked_.insert(key);
    return std::nullopt;
  }
  return str(key);
}

double MapReader::number(const std::string& key) {
  YAML::Node n = node(key);
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    fail(file_, n, key_path(key), "expected a finite number, got " + describe(n));
  return v;
}

std::optional<double> MapReader::opt_number(const std::string& key) {
  if (!has(key)) {
    used_.insert(key);
    asked_.insert(key);
    return std::nullopt;
  }
  return number(key);
}

std::string MapReader::one_of(const std::string& key, const std::vector<std::string>& allowed,
                              const std::optional<std::string>& fallback) {
  const std::string v = fallback ? opt_str(key).value_or(*fallback) : str(key);
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
  std::string expected;
  for (std::size_t i = 0; i < allowed.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
  fail_at(key, "expected " + expected + ", got '" + v + "'");
}

YAML::Node MapReader::list(const std::string& key) {
  YAML::Node n = node(key);
  if (!n.IsSequence()) fail(file_, n, key_path(key), "expected a list, got " + describe(n));
  return n;
}

YAML::Node MapReader::opt_list(const std::string& key) {
  if (!has(key)) {
    used_.insert(key);
    asked_.insert(key);
    return YAML::Node(YAML::NodeType::Sequence);
  }
  return list(key);
}

std::vector<std::string> MapReader::str_list(const std::string& key) {
  std::vector<std::string> out;
  const YAML::Node n = list(key);
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar() || n[i].Scalar().empty())
      fail(file_, n[i], key_path(key) + "[" + std::to_string(i) + "]",
           "expected a non-empty string, got " + describe(n[i]));
    out.push_back(n[i].Scalar());
  }
  return out;
}

std::vector<std::string> MapReader::str_or_list(const std::string& key) {
  if (node(key).IsScalar()) return {str(key)};
  return str_list(key);
}

namespace {

// Edit distance, case-insensitive: "mingroupsize" is one of "minGroupSize".
std::size_t distance(const std::string& a, const std::string& b) {
  const auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void MapReader::finish() const {
  for (const auto& kv : node_) {
    const auto key = kv.first.as<std::string>();
    if (used_.count(key)) continue;
    std::string nearest;
    std::size_t best = std::max<std::size_t>(2, key.size() / 3) + 1;
    for (const auto& known : asked_)
      if (const std::size_t d = distance(key, known); d < best) best = d, nearest = known;
    fail(file_, kv.first, key_path(key),
         nearest.empty() ? "unknown key" : "unknown key; did you mean '" + nearest + "'?");
  }
}

void expect_kind(MapReader& doc, const std::string& kind) {
  if (const auto v = doc.str("apiVersion"); v != "ioc/v1")
    doc.fail_at("apiVersion", "expected 'ioc/v1', got '" + v + "'");
  if (const auto k = doc.str("kind"); k != kind)
    doc.fail_at("kind", "expected '" + kind + "', got '" + k + "'");
}

std::string resolve_path(const std::string& file, const std::string& relative) {
  const std::filesystem::path p(relative);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (std::filesystem::path(file).parent_path() / p).lexically_normal().string();
}

Domain domain_at(MapReader& r, const std::string& key) {
  const auto name = r.str(key);
  const auto d = parse_domain(name);
  if (!d) r.fail_at(key, "unknown domain '" + name + "'");
  return *d;
}

Severity severity_at(MapReader& r, const std::string& key) {
  return *parse_severity(r.one_of(key, {"minor", "moderate", "severe", "extreme"}));
}

}  // namespace ioc::yaml
