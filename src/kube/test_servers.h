// Loopback fixture for the kube tests, only for what kubesim cannot do itself:
//   ConnectProxy  an HTTP CONNECT proxy that tunnels every connection to one local port
//                 (kubesim's), counting the CONNECT requests, for the proxy-url tests.
// Failures, latency, Retry-After and outages come from kubesim's fault injection and
// Pause/Resume (see kubesim_fixture.h), not from here.
//
// Thread-safety: port() and connects() may be called from the test thread while the proxy
// serves on its own threads. The destructor cuts every tunnel and joins.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace airunway::kube::testing {

class ConnectProxy {
 public:
  explicit ConnectProxy(std::uint16_t target_port);
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::uint16_t port() const { return port_; }
  int connects() const { return connects_.load(); }  // CONNECT requests seen

 private:
  void Serve(int fd);
  int listener_ = -1;
  std::uint16_t port_ = 0;
  const std::uint16_t target_port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connects_{0};
  std::mutex mutex_;
  std::vector<int> fds_;              // guarded by mutex_
  std::vector<std::thread> threads_;  // guarded by mutex_
  std::thread acceptor_;
};

}  // namespace airunway::kube::testing
