#include "bench_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

extern char** environ;

namespace airunway::bench {

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.')) {
    ++unit_at;
  }
  if (unit_at == 0) {
    return std::nullopt;
  }
  // std::from_chars for double is in libstdc++ 11+, so no locale surprises from strtod.
  double amount = 0;
  const char* first = text.data();
  const char* last = text.data() + unit_at;
  auto [end, error] = std::from_chars(first, last, amount);
  if (error != std::errc() || end != last || !std::isfinite(amount)) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(unit_at);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60e9;
  } else {
    return std::nullopt;
  }
  const double nanoseconds = amount * scale;
  // A day is far beyond any benchmark; the bound keeps the cast below defined.
  if (nanoseconds > 86400e9) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(nanoseconds)));
}

std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double percent) {
  if (sorted.empty()) {
    return 0;
  }
  const double clamped = std::clamp(percent, 0.0, 100.0);
  auto rank = static_cast<std::size_t>(std::ceil(clamped / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

double Median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) {
    return values[middle];
  }
  return (values[middle - 1] + values[middle]) / 2;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "127.0.0.1" || lower == "localhost" || lower == "::1";
}

long ProcStatusKiB(pid_t pid, std::string_view field) {
  std::ifstream status(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return 0;
}

std::size_t HeapInUseBytes() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

namespace {

std::vector<char*> Argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv) {
  ProcessResult result;
  int pipe_fds[2];
  if (argv.empty() || pipe2(pipe_fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  auto args = Argv(argv);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return result;
  }
  char buffer[65536];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) result.out.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  result.elapsed = std::chrono::steady_clock::now() - start;
  result.exit_code = ExitCodeOf(status);
  result.max_rss_kib = usage.ru_maxrss;
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv) {
  char path[] = "/tmp/airunway-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0 || argv.empty()) return;
  output_path_ = path;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  auto args = Argv(argv);
  if (posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(fd);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!output_path_.empty()) std::remove(output_path_.c_str());
}

std::string BackgroundProcess::Output() const {
  std::ifstream file(output_path_);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<std::string> BackgroundProcess::WaitForOutput(std::string_view needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    std::string text = Output();
    if (text.find(needle) != std::string::npos) return text;
    if (std::chrono::steady_clock::now() > deadline || waitpid(pid_, nullptr, WNOHANG) == pid_) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

int BackgroundProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return ExitCodeOf(status);
}

int ConnectLoopback(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::optional<HttpReply> HttpGet(int fd, std::string_view target) {
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return std::nullopt;
    sent += static_cast<std::size_t>(n);
  }
  std::string buffer;
  char chunk[65536];
  std::size_t header_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buffer.append(chunk, static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      std::string head = buffer.substr(0, header_end);
      std::transform(head.begin(), head.end(), head.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto at = head.find("\r\ncontent-length:");
      if (at == std::string::npos) return std::nullopt;
      length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
    }
    if (buffer.size() >= header_end + 4 + length) {
      HttpReply reply;
      reply.status = std::atoi(buffer.c_str() + 9);  // "HTTP/1.1 200"
      reply.body = buffer.substr(header_end + 4, length);
      return reply;
    }
  }
}

std::optional<HttpReply> HttpGet(std::uint16_t port, std::string_view target) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return std::nullopt;
  auto reply = HttpGet(fd, target);
  close(fd);
  return reply;
}

std::optional<LoadResult> RunHttpLoad(const std::string& tool, const std::string& url, const LoadOptions& options) {
  auto run = RunProcess({tool, "--url", url, "--connections", std::to_string(options.connections), "--threads",
                         std::to_string(options.threads), "--duration", options.duration, "--warmup", options.warmup,
                         "--json"});
  LoadResult result;
  result.raw = run.out;
  const auto brace = run.out.find('{');
  if (brace == std::string::npos) return std::nullopt;
  boost::system::error_code error;
  auto parsed = boost::json::parse(std::string_view(run.out).substr(brace), error);
  if (error || !parsed.is_object()) return std::nullopt;
  const auto& object = parsed.get_object();
  auto number = [](const boost::json::value* value) {
    if (value == nullptr) return 0.0;
    if (value->is_int64()) return static_cast<double>(value->get_int64());
    if (value->is_uint64()) return static_cast<double>(value->get_uint64());
    if (value->is_double()) return value->get_double();
    return 0.0;
  };
  if (object.if_contains("requests_per_s") == nullptr) return std::nullopt;
  result.requests_per_s = number(object.if_contains("requests_per_s"));
  result.requests = static_cast<std::int64_t>(number(object.if_contains("requests")));
  result.non_2xx = static_cast<std::int64_t>(number(object.if_contains("non_2xx")));
  result.errors = static_cast<std::int64_t>(number(object.if_contains("errors")));
  if (const auto* latency = object.if_contains("latency_us"); latency != nullptr && latency->is_object()) {
    result.p50_us = number(latency->get_object().if_contains("p50"));
    result.p99_us = number(latency->get_object().if_contains("p99"));
  }
  return result;
}

}  // namespace airunway::bench
