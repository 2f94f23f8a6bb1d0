#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

namespace ioc::test {

/// Certificates a test makes for a TLS broker: a CA, the broker's certificate for 127.0.0.1 and
/// a client's certificate (CN "tamky-ioc"), both signed by it (openssl, into `dir`).
struct TestCa {
  explicit TestCa(const std::string& dir);
  std::string ca, cert, key;
  std::string client_cert, client_key;
};

/// A real Mosquitto broker on a free 127.0.0.1 port, with persistence (sessions survive its
/// restart) and no limit on what it queues for a client that is away. Stopped on destruction.
class MosquittoBroker {
 public:
  struct Options {
    const TestCa* tls = nullptr;  ///< a TLS listener with these certificates
    std::string user, password;   ///< set: only this user may connect
    /// With `tls`: a client must present a certificate the CA signed (its CN is its user name).
    bool client_certificates = false;
  };
  MosquittoBroker(const std::string& dir, Options options);
  explicit MosquittoBroker(const std::string& dir) : MosquittoBroker(dir, Options{}) {}
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  /// Starts it (on the same port each time) and waits until it accepts connections.
  void start();
  /// SIGTERM (it saves its sessions) and wait.
  void stop();
  int port() const { return port_; }
  std::string log() const;

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

/// Publishes at QoS 1 through libmosquitto, as a device would.
class MqttPublisher {
 public:
  explicit MqttPublisher(int port, const MosquittoBroker::Options& options = {});
  ~MqttPublisher();
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;
  void publish(const std::string& topic, const std::string& payload);
  /// Waits until the broker acknowledged everything published; false at the deadline.
  bool wait_acknowledged();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ioc::test
