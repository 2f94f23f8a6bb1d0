#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ioc::test {

/// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

/// A Federation file with a city, two districts and a sector, plus Rules and Services files,
/// written into `dir`; returns the federation file's path. Rules: `river_level` above 2.2 with
/// hysteresis 0.1 opening a severe flood incident; `pm25` above 55 for 5m. Key pairs are
/// generated into DIR/keys (NAME.key, NAME.pub) unless `with_keys` is false.
std::string write_test_federation(const std::string& dir, bool with_keys = true);

/// Writes each (file name, text) of `policies` into `dir`; returns the Federation file's
/// `policies:` list naming them, or "" when there are none.
std::string write_policy_files(const std::string& dir,
                               const std::vector<std::pair<std::string, std::string>>& policies);

/// Gives the test federation's city (write_test_federation) the config files `files`, relative to
/// the federation file, in place of its Rules and Services files.
void set_city_config(const std::string& federation, const std::vector<std::string>& files);

/// A TCP port on 127.0.0.1 that was free a moment ago (for a node that must keep its port
/// across restarts).
int free_port();

/// Starts a program with arguments (no shell) in the background, its output appended to
/// `log_path`; returns its pid.
int spawn(const std::vector<std::string>& argv, const std::string& log_path);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
/// Runs a program with arguments (no shell) and captures its output.
CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace ioc::test
