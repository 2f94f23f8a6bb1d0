#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ioc/model.hpp"

namespace ioc::yaml {

/// Parses a YAML file; syntax errors become Error(kConfig) with file:line:col.
YAML::Node load_file(const std::string& path);
/// Parses `text` as if it were the file `path` (errors name `path`).
YAML::Node load_text(const std::string& path, const std::string& text);

/// Throws Error(kConfig): "file:line:col: error: KEY: message" (1-based line and column).
[[noreturn]] void fail(const std::string& file, const YAML::Node& at, const std::string& key,
                       const std::string& message);

/// Strict reader over one YAML mapping: typed getters record the keys they consume, `finish`
/// rejects any key left unread (suggesting the nearest key it looked for, when one is close);
/// duplicate keys are rejected on construction.
class MapReader {
 public:
  MapReader(std::string file, const YAML::Node& node, std::string path);

  bool has(const std::string& key) const;
  YAML::Node node(const std::string& key);  ///< required, any type
  std::string str(const std::string& key);
  std::optional<std::string> opt_str(const std::string& key);
  double number(const std::string& key);
  std::optional<double> opt_number(const std::string& key);
  std::vector<std::string> str_list(const std::string& key);
  /// A string or a list of strings.
  std::vector<std::string> str_or_list(const std::string& key);
  /// A string that must be one of `allowed`; `fallback` when absent (required if none given).
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed,
                     const std::optional<std::string>& fallback = std::nullopt);
  YAML::Node list(const std::string& key);  ///< required sequence
  YAML::Node opt_list(const std::string& key);
  void finish() const;

  [[noreturn]] void fail_at(const std::string& key, const std::string& message) const;
  std::string key_path(const std::string& key) const;
  const std::string& file() const { return file_; }

 private:
  YAML::Node take(const std::string& key);
  std::string file_;
  YAML::Node node_;
  std::string path_;
  std::set<std::string> used_;
  mutable std::set<std::string>
      asked_;  ///< every key looked for: what an unknown key may have meant
};

/// The domain named at `key` (traffic, flood, ...); an unknown name fails at the key.
Domain domain_at(MapReader& r, const std::string& key);
/// The incident severity named at `key`: minor, moderate, severe or extreme.
Severity severity_at(MapReader& r, const std::string& key);

/// "file:line:col" (1-based) of a node.
std::string location(const std::string& file, const YAML::Node& at);

/// Checks the header of a document: apiVersion ioc/v1 and the expected kind.
void expect_kind(MapReader& doc, const std::string& kind);
/// Resolves `relative` against the directory of `file`.
std::string resolve_path(const std::string& file, const std::string& relative);

}  // namespace ioc::yaml
