#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ioc::test {

/// A real iocd process on 127.0.0.1 with an ephemeral port. Stopped (SIGTERM) on destruction.
class NodeProcess {
 public:
  NodeProcess(std::string federation, std::string node, std::string data_dir,
              std::vector<std::string> extra = {});
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  /// Starts iocd and waits until it serves; throws with its stderr if it exits instead.
  void start();
  /// SIGTERM and wait; returns the exit code.
  int stop();
  /// Sends `sig` (e.g. SIGHUP) without waiting.
  void signal(int sig);
  /// SIGKILL and wait: a crash.
  void kill_hard();
  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  std::string log() const;

 private:
  std::string federation_, node_, data_dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

/// Issues a token of `role` in `data_dir` through the library (as `iocctl token issue` does).
std::string issue(const std::string& data_dir, const std::string& role);

}  // namespace ioc::test
