#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ioc::cli {

/// "--name value" and "--flag" arguments after the subcommand words; positional words kept in
/// order. Unknown options are errors, so a typo never silently falls back to a default.
class Args {
 public:
  /// `with_value`: options that take a value; `flags`: options that do not.
  Args(int argc, char** argv, int first, const std::set<std::string>& with_value,
       const std::set<std::string>& flags);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace ioc::cli
