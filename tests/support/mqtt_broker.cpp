#include "mqtt_broker.hpp"

#include <mosquitto.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "poll.hpp"
#include "temp_dir.hpp"

namespace ioc::test {
namespace {

void run_or_throw(const std::vector<std::string>& argv) {
  const auto r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + r.err);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TestCa::TestCa(const std::string& dir)
    : ca(dir + "/ca.pem"),
      cert(dir + "/broker.pem"),
      key(dir + "/broker.key"),
      client_cert(dir + "/client.pem"),
      client_key(dir + "/client.key") {
  const std::string ca_key = dir + "/ca.key";
  run_or_throw({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=ioc test CA", "-keyout", ca_key, "-out", ca});
  const auto sign = [&](const std::string& name, const std::string& cn, const std::string& ext,
                        const std::string& out_cert, const std::string& out_key) {
    const std::string csr = dir + "/" + name + ".csr", ext_file = dir + "/" + name + ".ext";
    write_file(ext_file, ext);
    run_or_throw({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn,
                  "-keyout", out_key, "-out", csr});
    run_or_throw({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                  "-CAcreateserial", "-days", "2", "-extfile", ext_file, "-out", out_cert});
  };
  sign("broker", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\n", cert, key);
  sign("client", "tamky-ioc", "extendedKeyUsage=clientAuth\n", client_cert, client_key);
}

MosquittoBroker::MosquittoBroker(const std::string& dir, Options options)
    : dir_(dir), port_(free_port()) {
  std::filesystem::create_directories(dir);
  // Run as root it would switch to the mosquitto user, who may not write the test's directory.
  const passwd* me = getpwuid(geteuid());
  std::string conf = "user " + std::string(me ? me->pw_name : "root") + "\n" + "listener " +
                     std::to_string(port_) + " 127.0.0.1\n" +
                     "persistence true\npersistence_location " + dir + "/\n" +
                     "max_queued_messages 0\nmax_inflight_messages 1000\n";
  if (options.tls)
    conf += "cafile " + options.tls->ca + "\ncertfile " + options.tls->cert + "\nkeyfile " +
            options.tls->key + "\n";
  if (options.tls && options.client_certificates)
    conf += "require_certificate true\nuse_identity_as_username true\n";
  if (options.user.empty()) {
    conf += "allow_anonymous true\n";
  } else {
    run_or_throw({"/usr/bin/mosquitto_passwd", "-c", "-b", dir + "/passwords", options.user,
                  options.password});
    conf += "allow_anonymous false\npassword_file " + dir + "/passwords\n";
  }
  write_file(dir + "/mosquitto.conf", conf);
  start();
}

MosquittoBroker::~MosquittoBroker() {
  stop();
}

void MosquittoBroker::start() {
  pid_ = spawn({"/usr/sbin/mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log");
  if (!poll_until([&] { return accepts(port_); }))
    throw std::runtime_error("mosquitto did not start: " + log());
}

void MosquittoBroker::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string MosquittoBroker::log() const {
  return std::filesystem::exists(dir_ + "/mosquitto.log") ? read_file(dir_ + "/mosquitto.log") : "";
}

struct MqttPublisher::State {
  mosquitto* m = nullptr;
  std::atomic<int> published{0}, acknowledged{0};
};

MqttPublisher::MqttPublisher(int port, const MosquittoBroker::Options& options)
    : state_(std::make_unique<State>()) {
  mosquitto_lib_init();
  state_->m = mosquitto_new(nullptr, true, state_.get());
  mosquitto_publish_callback_set(
      state_->m, [](mosquitto*, void* self, int) { ++static_cast<State*>(self)->acknowledged; });
  if (!options.user.empty())
    mosquitto_username_pw_set(state_->m, options.user.c_str(), options.password.c_str());
  if (options.tls)
    mosquitto_tls_set(state_->m, options.tls->ca.c_str(), nullptr,
                      options.client_certificates ? options.tls->client_cert.c_str() : nullptr,
                      options.client_certificates ? options.tls->client_key.c_str() : nullptr,
                      nullptr);
  mosquitto_max_inflight_messages_set(state_->m, 1000);
  if (mosquitto_connect(state_->m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
    throw std::runtime_error("the publisher cannot connect");
  mosquitto_loop_start(state_->m);
}

MqttPublisher::~MqttPublisher() {
  mosquitto_disconnect(state_->m);
  mosquitto_loop_stop(state_->m, false);
  mosquitto_destroy(state_->m);
}

void MqttPublisher::publish(const std::string& topic, const std::string& payload) {
  const int rc = mosquitto_publish(state_->m, nullptr, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS)
    throw std::runtime_error(std::string("publish: ") + mosquitto_strerror(rc));
  ++state_->published;
}

bool MqttPublisher::wait_acknowledged() {
  return poll_until([&] { return state_->acknowledged.load() >= state_->published.load(); });
}

}  // namespace ioc::test
