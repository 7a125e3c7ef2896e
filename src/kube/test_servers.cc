#include "kube/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace airunway::kube::testing {

namespace {

int Listen(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::listen(fd, 64);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

int ConnectTo(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads one request head (and its Content-Length body); false at end of stream.
bool ReadRequest(int fd, std::string& buffer, std::string& head) {
  for (;;) {
    auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buffer.substr(0, end);
      std::size_t length = 0;
      std::string lower = head;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (auto at = lower.find("content-length:"); at != std::string::npos) {
        length = std::stoul(lower.substr(at + 15));
      }
      while (buffer.size() < end + 4 + length) {
        char chunk[4096];
        ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      buffer.erase(0, end + 4 + length);
      return true;
    }
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

// ---- ScriptedServer -----------------------------------------------------------------------

ScriptedServer::ScriptedServer() {
  listener_ = Listen(port_);
  acceptor_ = std::thread([this] {
    for (;;) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0 || stopping_) {
        if (fd >= 0) ::close(fd);
        return;
      }
      std::lock_guard lock(mutex_);
      connections_.push_back(fd);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

ScriptedServer::~ScriptedServer() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
  for (int fd : connections_) ::close(fd);
}

std::string ScriptedServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void ScriptedServer::Push(CannedResponse response) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(response));
}

std::vector<std::string> ScriptedServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ScriptedServer::Serve(int fd) {
  std::string buffer;
  std::string head;
  while (ReadRequest(fd, buffer, head)) {
    CannedResponse response{404, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404})"};
    {
      std::lock_guard lock(mutex_);
      auto line_end = head.find("\r\n");
      std::string line = head.substr(0, line_end);
      requests_.push_back(line.substr(0, line.rfind(' ')));
      if (!queue_.empty()) {
        response = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (response.delay.count() > 0) std::this_thread::sleep_for(response.delay);
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " Canned\r\nContent-Type: application/json\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
    if (!WriteAll(fd, out)) return;
  }
}

// ---- TcpRelay -----------------------------------------------------------------------------

TcpRelay::TcpRelay(std::uint16_t target_port, bool connect_proxy)
    : target_port_(target_port), connect_proxy_(connect_proxy) {
  listener_ = Listen(port_);
  acceptor_ = std::thread([this] {
    for (;;) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0 || stopping_) {
        if (fd >= 0) ::close(fd);
        return;
      }
      if (down_) {
        ::close(fd);
        continue;
      }
      std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

TcpRelay::~TcpRelay() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  SetDown(true);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
}

void TcpRelay::SetDown(bool down) {
  down_ = down;
  if (!down) return;
  std::lock_guard lock(mutex_);
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

void TcpRelay::Serve(int client) {
  std::string early;  // bytes read past a CONNECT head
  if (connect_proxy_) {
    std::string head;
    if (!ReadRequest(client, early, head) || !head.starts_with("CONNECT ")) {
      WriteAll(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
      ::close(client);
      return;
    }
    ++connects_;
  }
  int upstream = ConnectTo(target_port_);
  if (upstream < 0) {
    ::close(client);
    return;
  }
  if (connect_proxy_) WriteAll(client, "HTTP/1.1 200 Connection established\r\n\r\n");
  if (!early.empty()) WriteAll(upstream, early);
  {
    std::lock_guard lock(mutex_);
    fds_.push_back(client);
    fds_.push_back(upstream);
  }
  if (down_) {
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(upstream, SHUT_RDWR);
  }
  auto pump = [](int from, int to) {
    char chunk[16384];
    for (;;) {
      ssize_t n = ::recv(from, chunk, sizeof(chunk), 0);
      if (n <= 0 || !WriteAll(to, std::string_view(chunk, static_cast<std::size_t>(n)))) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
  };
  std::thread back(pump, upstream, client);
  pump(client, upstream);
  back.join();
  {
    std::lock_guard lock(mutex_);
    fds_.erase(std::remove_if(fds_.begin(), fds_.end(), [&](int fd) { return fd == client || fd == upstream; }),
               fds_.end());
  }
  ::close(client);
  ::close(upstream);
}

}  // namespace airunway::kube::testing
