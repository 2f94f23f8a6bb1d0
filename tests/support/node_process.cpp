#include "node_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "ioc/node.hpp"
#include "poll.hpp"
#include "temp_dir.hpp"

namespace ioc::test {

NodeProcess::NodeProcess(std::string federation, std::string node, std::string data_dir,
                         std::vector<std::string> extra)
    : federation_(std::move(federation)),
      node_(std::move(node)),
      data_dir_(std::move(data_dir)),
      extra_(std::move(extra)) {}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) stop();
}

std::string NodeProcess::log() const {
  return read_file(data_dir_ + "/iocd.log");
}

void NodeProcess::start() {
  std::filesystem::create_directories(data_dir_);
  const std::string port_file = data_dir_ + "/iocd.port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv{IOCD_PATH, "--federation", federation_, "--node",     node_,
                                "--data",  data_dir_,      "--listen",  "127.0.0.1:0"};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  pid_ = spawn(argv, data_dir_ + "/iocd.log");
  const bool serving = poll_until([&] {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("iocd exited during start: " + log());
    }
    if (!std::filesystem::exists(port_file)) return false;
    const std::string text = read_file(port_file);
    if (text.empty() || text.back() != '\n') return false;  // being written
    port_ = static_cast<std::uint16_t>(std::stoi(text));
    return true;
  });
  if (serving) return;
  kill_hard();
  throw std::runtime_error("iocd did not start in time: " + log());
}

int NodeProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void NodeProcess::signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

void NodeProcess::kill_hard() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string issue(const std::string& data_dir, const std::string& role) {
  return ioc::issue_token(data_dir, *ioc::parse_role(role), role + "-test", std::nullopt);
}

}  // namespace ioc::test
