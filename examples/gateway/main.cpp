// A flood-sensor gateway: reads readings from its standard input, one per line,
//
//   SENSOR METRIC VALUE UNIT          e.g.  gauge-3 water_level 2.41 m
//
// and feeds them to the node it embeds, in batches, each durable before the next is read. The
// node serves its API (alerts, incidents, the live stream) for the operations room. SIGTERM or
// SIGINT (or the end of the input) stops it cleanly: what was ingested is committed.
//
//   gateway FEDERATION_FILE NODE_ID DATA_DIR [HOST:PORT]
#include <ioc/error.hpp>
#include <ioc/node.hpp>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: gateway FEDERATION_FILE NODE_ID DATA_DIR [HOST:PORT]\n";
    return 2;
  }
  // Block the stop signals before the node starts its threads (they inherit the mask); one
  // thread of ours waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::ios::sync_with_stdio(false);  // buffered input: a batch takes what has arrived
  try {
    ioc::NodeOptions options;
    options.federation_file = argv[1];
    options.node_id = argv[2];
    options.data_dir = argv[3];
    options.listen = argc > 4 ? argv[4] : "127.0.0.1:0";
    ioc::Node node(std::move(options));
    const auto port = node.start();
    std::cerr << "gateway: node " << node.id() << " serving on port " << port << "\n";

    std::atomic<bool> stopping{false};
    std::thread signal_waiter([&] {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      if (!stopping.exchange(true)) std::cerr << "gateway: stopping on signal " << signal << "\n";
    });
    // Waits for input, waking to notice a stop; false once stopping.
    const auto input_ready = [&] {
      while (!stopping) {
        if (std::cin.rdbuf()->in_avail() > 0) return true;
        pollfd in{0, POLLIN, 0};
        if (::poll(&in, 1, 200) > 0) return true;  // a line, or the end of the input
      }
      return false;
    };

    std::vector<ioc::Observation> batch;
    std::size_t ingested = 0, refused = 0;
    const auto flush = [&] {
      if (batch.empty()) return;
      try {
        node.ingest(batch);  // durable, and the rules applied, when it returns
        ingested += batch.size();
      } catch (const ioc::Error& e) {
        // A bad row refuses the whole batch; say which and go on with the next.
        std::cerr << "gateway: batch refused: " << e.what() << " (" << e.field() << ")\n";
        refused += batch.size();
      }
      batch.clear();
    };
    std::string line;
    while (input_ready() && std::getline(std::cin, line)) {
      std::istringstream in(line);
      ioc::Observation o;
      if (!(in >> o.source >> o.metric >> o.value >> o.unit)) {
        std::cerr << "gateway: skipped a line that is not 'SENSOR METRIC VALUE UNIT'\n";
        continue;
      }
      o.area = node.id();
      o.ts = ioc::SystemClock().now();
      batch.push_back(std::move(o));
      // A batch is what has arrived, up to 500 readings: no reading waits for others.
      if (batch.size() == 500 || std::cin.rdbuf()->in_avail() == 0) flush();
    }
    flush();
    node.stop();  // drains the writer: everything ingested is committed
    std::cerr << "gateway: " << ingested << " readings ingested, " << refused << " refused, "
              << node.active_alerts().size() << " alerts active\n";
    // The input ended: release the signal thread.
    if (!stopping.exchange(true)) kill(getpid(), SIGTERM);
    signal_waiter.join();
    return 0;
  } catch (const ioc::Error& e) {
    std::cerr << "gateway: " << e.what() << "\n";
    return 1;
  }
}
