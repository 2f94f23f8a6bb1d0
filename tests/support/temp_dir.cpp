#include "temp_dir.hpp"

#include "ioc/federation/node_keys.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ioc::test {

TempDir::TempDir() {
  char pattern[] = "/tmp/ioc-test-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string write_test_federation(const std::string& dir, bool with_keys) {
  write_file(dir + "/rules.yaml", R"(apiVersion: ioc/v1
kind: Rules
rules:
  - id: river-2
    metric: river_level
    area: city
    above: 2.2
    hysteresis: 0.1
    alert: {event: River flood alarm level 2, category: Met, severity: Severe, urgency: Immediate,
            certainty: Observed, headline: River at alarm level 2}
    incident: {domain: flood, severity: severe}
  - id: pm25
    metric: pm25
    area: city/north
    above: 55
    for: 5m
    alert: {event: Unhealthy air, category: Env, severity: Moderate, headline: PM2.5 high}
)");
  write_file(dir + "/services.yaml", R"(apiVersion: ioc/v1
kind: Services
services:
  - {code: pothole, name: Pothole, group: Streets, domain: traffic, sla: 72h}
  - {code: flooding, name: Street flooding, group: Drainage, domain: flood, sla: 4h}
)");
  const std::string path = dir + "/federation.yaml";
  write_file(path, R"(apiVersion: ioc/v1
kind: Federation
name: testcity
nodes:
  - {id: city, kind: city, endpoint: "http://127.0.0.1:1", publicKey: keys/city.pub,
     config: [rules.yaml, services.yaml]}
  - {id: city/north, kind: district, parent: city, endpoint: "http://127.0.0.1:2", publicKey: keys/city_north.pub}
  - {id: city/south, kind: district, parent: city, endpoint: "http://127.0.0.1:3", publicKey: keys/city_south.pub}
  - {id: city/health, kind: sector, parent: city, endpoint: "http://127.0.0.1:4", publicKey: keys/city_health.pub}
)");
  if (with_keys && !std::filesystem::exists(dir + "/keys/city.pub"))
    for (const char* node : {"city", "city/north", "city/south", "city/health"})
      ioc::federation::generate_keys(node, dir + "/keys");
  return path;
}

std::string write_policy_files(const std::string& dir,
                               const std::vector<std::pair<std::string, std::string>>& policies) {
  if (policies.empty()) return "";
  std::string list = "policies:\n";
  for (const auto& [name, text] : policies) {
    write_file(dir + "/" + name, text);
    list += "  - " + name + "\n";
  }
  return list;
}

void set_city_config(const std::string& federation, const std::vector<std::string>& files) {
  const std::string was = "config: [rules.yaml, services.yaml]";
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
  std::string text = read_file(federation);
  text.replace(text.find(was), was.size(), "config: [" + list + "]");
  write_file(federation, text);
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot find a free port");
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// In a forked child: runs `argv` with these descriptors as its stdin (-1: the parent's), stdout
// and stderr.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, int in, int out, int err) {
  if (in >= 0) dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

int spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    exec_child(argv, -1, out, out);
  }
  return pid;
}

CommandResult run_command(const std::vector<std::string>& argv) {
  TempDir scratch;
  const std::string out_path = scratch / "out", err_path = scratch / "err";
  const pid_t pid = fork();
  if (pid == 0) {
    exec_child(argv, open("/dev/null", O_RDONLY),
               open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600),
               open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return CommandResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out_path),
                       read_file(err_path)};
}

}  // namespace ioc::test
