// Loopback fixtures for the kube tests, only for what kubesim cannot do:
//   ScriptedServer  a plain-HTTP server answering a queue of canned responses (429/5xx,
//                   Retry-After, slow answers) and recording what it was asked;
//   TcpRelay        a TCP pass-through to kubesim that can be cut and restored (an outage);
//                   with `connect_proxy` it is an HTTP CONNECT proxy instead.
//
// Thread-safety: all methods may be called from the test thread while the fixture serves
// on its own threads. The destructor stops everything and joins.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace airunway::kube::testing {

struct CannedResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};
};

class ScriptedServer {
 public:
  ScriptedServer();
  ~ScriptedServer();
  std::string url() const;
  void Push(CannedResponse response);  // answered in order; 404 when the queue is empty
  std::vector<std::string> requests() const;  // "METHOD /target"

 private:
  void Serve(int fd);
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::deque<CannedResponse> queue_;  // guarded by mutex_
  std::vector<std::string> requests_;  // guarded by mutex_
  std::vector<int> connections_;       // guarded by mutex_
  std::vector<std::thread> threads_;   // guarded by mutex_
  std::thread acceptor_;
};

class TcpRelay {
 public:
  TcpRelay(std::uint16_t target_port, bool connect_proxy = false);
  ~TcpRelay();
  std::uint16_t port() const { return port_; }
  // Down: every open connection is cut and new ones are closed at once.
  void SetDown(bool down);
  int connects() const { return connects_.load(); }  // CONNECT requests seen

 private:
  void Serve(int fd);
  int listener_ = -1;
  std::uint16_t port_ = 0;
  const std::uint16_t target_port_;
  const bool connect_proxy_;
  std::atomic<bool> down_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connects_{0};
  std::mutex mutex_;
  std::vector<int> fds_;              // guarded by mutex_
  std::vector<std::thread> threads_;  // guarded by mutex_
  std::thread acceptor_;
};

}  // namespace airunway::kube::testing
