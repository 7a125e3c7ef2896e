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

// ---- ConnectProxy -------------------------------------------------------------------------

ConnectProxy::ConnectProxy(std::uint16_t target_port) : target_port_(target_port) {
  listener_ = Listen(port_);
  acceptor_ = std::thread([this] {
    for (;;) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0 || stopping_) {
        if (fd >= 0) ::close(fd);
        return;
      }
      std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

ConnectProxy::~ConnectProxy() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
}

void ConnectProxy::Serve(int client) {
  std::string early;  // bytes read past the CONNECT head
  std::string head;
  if (!ReadRequest(client, early, head) || !head.starts_with("CONNECT ")) {
    WriteAll(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
    ::close(client);
    return;
  }
  ++connects_;
  int upstream = ConnectTo(target_port_);
  if (upstream < 0) {
    ::close(client);
    return;
  }
  WriteAll(client, "HTTP/1.1 200 Connection established\r\n\r\n");
  if (!early.empty()) WriteAll(upstream, early);
  {
    std::lock_guard lock(mutex_);
    fds_.push_back(client);
    fds_.push_back(upstream);
  }
  if (stopping_) {
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
