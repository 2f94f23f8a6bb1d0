// iocd: runs one operations-centre node.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_args.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/plugin.hpp"
#include "ioc/mqtt.hpp"
#include "ioc/node.hpp"

namespace {

constexpr const char* kUsage =
    "usage: iocd --federation FILE --node ID [--data DIR] [--listen HOST:PORT] [--key FILE]\n"
    "            [--body-limit BYTES] [--threads N] [--summary-interval DURATION]\n"
    "            [--escalation-interval DURATION] [--log-limit ENTRIES] [--power-safe]\n"
    "            [--console DIR]\n"
    "  --data DIR          data directory (default: ./data/NODE)\n"
    "  --listen HOST:PORT  address to serve on (default 127.0.0.1:8080; port 0 picks one)\n"
    "  --summary-interval  how often stream clients get the summary (default 10s)\n"
    "  --escalation-interval  how often Escalation and missingFor rules and log retention run "
    "(default 5s)\n"
    "  --log-limit N       unsent log entries kept while the parent is away (default 20000000);\n"
    "                      beyond it the oldest are dropped and the parent told the lost ranges\n"
    "  --power-safe        make every commit survive power loss, not only a crash (slower)\n"
    "  --console DIR       the web console's files, served at / (default: share/ioc/console\n"
    "                      beside the installed program)\n";

// Written once the node serves, so scripts and tests can find an ephemeral port.
void write_port_file(const std::string& data_dir, std::uint16_t port) {
  const auto path = std::filesystem::path(data_dir) / "iocd.port";
  const auto tmp = path.string() + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::filesystem::rename(tmp, path);
}

// The console installed beside the program (PREFIX/bin/iocd, PREFIX/share/ioc/console), else the
// source tree's when run from a build directory, else none.
std::string default_console_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share/ioc/console";
    if (std::filesystem::exists(installed / "index.html")) return installed.string();
  }
  if (std::filesystem::exists(std::filesystem::path(IOC_CONSOLE_SOURCE_DIR) / "index.html"))
    return IOC_CONSOLE_SOURCE_DIR;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ioc::cli::Args args(argc, argv, 1,
                      {"federation", "node", "data", "listen", "key", "body-limit", "threads",
                       "summary-interval", "escalation-interval", "log-limit", "console"},
                      {"power-safe", "help"});
  if (args.flag("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (!args.ok() || !args.get("federation") || !args.get("node") || !args.positional().empty()) {
    std::cerr << "iocd: " << (args.ok() ? "--federation and --node are required" : args.error())
              << "\n"
              << kUsage;
    return 2;
  }
  // Block the signals we wait for before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ioc::NodeOptions options;
  options.federation_file = *args.get("federation");
  options.node_id = *args.get("node");
  options.data_dir = args.get_or("data", "data/" + options.node_id);
  options.listen = args.get_or("listen", "127.0.0.1:8080");
  options.key_file = args.get_or("key", "");
  options.plugin = ioc::federation::plugin();
  options.sources = ioc::mqtt::sources();
  options.power_safe = args.flag("power-safe");
  options.console_dir = args.get_or("console", default_console_dir());
  try {
    if (auto v = args.get("body-limit")) options.body_limit = std::stoull(*v);
    if (auto v = args.get("threads")) options.threads = std::stoi(*v);
    if (auto v = args.get("log-limit")) {
      options.log_limit = std::stoll(*v);
      if (options.log_limit < 1) throw std::invalid_argument("log-limit");
    }
    if (auto v = args.get("summary-interval")) {
      const auto d = ioc::parse_duration(*v);
      if (!d || *d <= 0) throw std::invalid_argument("summary-interval");
      options.summary_interval = *d;
    }
    if (auto v = args.get("escalation-interval")) {
      const auto d = ioc::parse_duration(*v);
      if (!d || *d <= 0) throw std::invalid_argument("escalation-interval");
      options.escalation_interval = *d;
    }
  } catch (const std::exception&) {
    std::cerr << "iocd: --body-limit, --threads and --log-limit take whole numbers, "
                 "--summary-interval and --escalation-interval a duration such as 10s\n";
    return 2;
  }
  try {
    ioc::Node node(std::move(options));
    const std::uint16_t port = node.start();
    const std::string data_dir = args.get_or("data", "data/" + node.id());
    write_port_file(data_dir, port);
    std::cout << "iocd: node " << node.id() << " serving on port " << port << " (epoch "
              << node.epoch() << ", data " << data_dir << ", policy version "
              << node.policy_version() << ")" << std::endl;
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        try {
          const std::string before = node.policy_version();
          const auto r = node.reload();
          std::cout << "iocd: SIGHUP: federation reloaded, policy version " << r.policy_version
                    << (r.changed ? " (was " + before + ")" : " (unchanged)") << std::endl;
          for (const auto& step : r.reorganised)
            std::cout << "iocd: reorganised: " << step << std::endl;
        } catch (const ioc::Error& e) {
          std::cerr << "iocd: SIGHUP: reload refused, the running federation and policy version "
                    << node.policy_version() << " stay in force: " << e.what() << std::endl;
        }
        continue;
      }
      std::cout << "iocd: stopping on signal " << sig << std::endl;
      break;
    }
    node.stop();
    std::cout << "iocd: stopped" << std::endl;
    return 0;
  } catch (const ioc::Error& e) {
    std::cerr << "iocd: " << e.what() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "iocd: fatal: " << e.what() << std::endl;
    return 1;
  }
}
