// startup_probe: measures how long a server takes from exec to its first successful health
// response, and how much memory it holds once idle.
//
//   startup_probe --port 18080 --runs 10 --rss-after 1s -- ./airunway serve --port 18080
//
// Each run forks and execs the command, then polls 127.0.0.1:PORT every `--interval` with a
// fresh connection and a `GET --path` until a 200 arrives; the time from just before fork to
// that response is the start-up time. On the first run, it also waits `--rss-after` and reads
// VmRSS/VmHWM from /proc/PID/status. Then it sends SIGTERM (SIGKILL after `--stop-timeout`)
// and records how long the server took to exit. Children die with the probe (PDEATHSIG), so an
// interrupted benchmark leaves no servers behind.
//
// Plain POSIX sockets and blocking calls: the probe runs one thing at a time, and polling with
// a sleep is the measurement itself, not a synchronisation shortcut.
//
// Thread-safety: single-threaded program.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/core.h>

#include "bench_util.h"

namespace airunway::bench {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// One connect + GET. True only for a complete status line saying 200.
bool ProbeOnce(std::uint16_t port, const std::string& request) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    return false;
  }
  // A server that accepts but never answers must not stall the probe past its deadline.
  timeval timeout{};
  timeout.tv_usec = 200'000;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // POSIX socket API: sockaddr_in is passed as the generic sockaddr it is designed to alias.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return false;
  }
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return false;
  }
  std::string received;
  char chunk[1024];
  while (received.find("\r\n") == std::string::npos && received.size() < 4096) {
    const ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    received.append(chunk, static_cast<std::size_t>(n));
  }
  return received.starts_with("HTTP/1.1 200 ") || received.starts_with("HTTP/1.0 200 ");
}

// VmRSS and VmHWM in KiB from /proc/PID/status; nullopt when unreadable.
struct Memory {
  std::int64_t rss_kib = 0;
  std::int64_t hwm_kib = 0;
};

std::optional<Memory> ReadMemory(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  if (!status) {
    return std::nullopt;
  }
  Memory memory;
  bool found = false;
  std::string line;
  while (std::getline(status, line)) {
    auto value = [&line](std::string_view key) -> std::optional<std::int64_t> {
      if (!line.starts_with(key)) {
        return std::nullopt;
      }
      return std::strtoll(line.c_str() + key.size(), nullptr, 10);
    };
    if (auto rss = value("VmRSS:")) {
      memory.rss_kib = *rss;
      found = true;
    } else if (auto hwm = value("VmHWM:")) {
      memory.hwm_kib = *hwm;
    }
  }
  return found ? std::optional<Memory>(memory) : std::nullopt;
}

pid_t Spawn(const std::vector<std::string>& command, const std::string& log_path) {
  std::vector<char*> argv;
  for (const std::string& word : command) {
    argv.push_back(const_cast<char*>(word.c_str()));
  }
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) {
    return pid;
  }
  // Child: only async-signal-safe calls until exec.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) {
    ::_exit(127);
  }
  const int null_in = ::open("/dev/null", O_RDONLY);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (null_in >= 0) {
    ::dup2(null_in, STDIN_FILENO);
  }
  if (log >= 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
  }
  ::execvp(argv[0], argv.data());
  ::_exit(127);
}

// SIGTERM, then SIGKILL after `grace`. Returns how long the process took to exit after SIGTERM.
std::chrono::nanoseconds Stop(pid_t pid, std::chrono::nanoseconds grace, bool* killed) {
  const Clock::time_point start = Clock::now();
  ::kill(pid, SIGTERM);
  *killed = false;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      return Clock::now() - start;
    }
    if (Clock::now() - start > grace && !*killed) {
      ::kill(pid, SIGKILL);
      *killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

struct RunResult {
  double startup_us = 0;
  double stop_us = 0;
  bool killed = false;
  std::optional<Memory> memory;
};

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {}", WTERMSIG(status));
  }
  return "stopped";
}

int Main(int argc, char** argv) {
  CLI::App app{"Start a server repeatedly and time its first successful health response"};
  std::uint16_t port = 0;
  int runs = 10;
  std::string path = "/api/health";
  std::string interval_text = "1ms";
  std::string timeout_text = "10s";
  std::string rss_after_text = "1s";
  std::string stop_timeout_text = "3s";
  std::string log_path = "/dev/null";
  bool as_json = false;
  std::vector<std::string> command;
  app.add_option("--port", port, "Port the command will listen on (127.0.0.1)")->required()
      ->check(CLI::Range(1, 65535));
  app.add_option("--runs", runs, "How many start-ups to time")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--path", path, "Health path to GET")->capture_default_str();
  app.add_option("--interval", interval_text, "Pause between polls")->capture_default_str();
  app.add_option("--timeout", timeout_text, "Give up on a run after this long")->capture_default_str();
  app.add_option("--rss-after", rss_after_text, "Read VmRSS this long after ready (first run; 0 = skip)")
      ->capture_default_str();
  app.add_option("--stop-timeout", stop_timeout_text, "SIGKILL if SIGTERM has not worked by then")
      ->capture_default_str();
  app.add_option("--log", log_path, "Append the command's stdout and stderr here")->capture_default_str();
  app.add_flag("--json", as_json, "Print the results as one JSON line");
  app.add_option("command", command, "The server command line, after --")->required();
  CLI11_PARSE(app, argc, argv);

  const auto interval = ParseDuration(interval_text);
  const auto timeout = ParseDuration(timeout_text);
  const auto rss_after = ParseDuration(rss_after_text);
  const auto stop_timeout = ParseDuration(stop_timeout_text);
  if (!interval || !timeout || !rss_after || !stop_timeout) {
    fmt::print(stderr, "startup_probe: durations take values like 1ms, 500ms, 10s\n");
    return 2;
  }
  const std::string request =
      fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", path, port);

  // Nothing must already answer on the port, or we would time someone else's server.
  if (ProbeOnce(port, request)) {
    fmt::print(stderr, "startup_probe: something already answers on 127.0.0.1:{}; pick a free port\n", port);
    return 2;
  }

  std::vector<RunResult> results;
  for (int run = 0; run < runs; ++run) {
    const Clock::time_point start = Clock::now();
    const pid_t pid = Spawn(command, log_path);
    if (pid < 0) {
      fmt::print(stderr, "startup_probe: fork failed: {}\n", std::strerror(errno));
      return 1;
    }
    RunResult result;
    bool ready = false;
    while (!ready) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        fmt::print(stderr, "startup_probe: {} {} before answering (see --log)\n", command[0],
                   DescribeExit(status));
        return 1;
      }
      if (ProbeOnce(port, request)) {
        ready = true;
        result.startup_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
        break;
      }
      if (Clock::now() - start > *timeout) {
        bool killed = false;
        Stop(pid, *stop_timeout, &killed);
        fmt::print(stderr, "startup_probe: no 200 from 127.0.0.1:{}{} within {} ms\n", port, path,
                   std::chrono::duration_cast<std::chrono::milliseconds>(*timeout).count());
        return 1;
      }
      std::this_thread::sleep_for(*interval);
    }
    if (run == 0 && rss_after->count() > 0) {
      std::this_thread::sleep_for(*rss_after);
      result.memory = ReadMemory(pid);
    }
    result.stop_us = std::chrono::duration<double, std::micro>(Stop(pid, *stop_timeout, &result.killed)).count();
    results.push_back(result);
  }

  std::vector<double> startups;
  std::vector<double> stops;
  int killed = 0;
  for (const RunResult& result : results) {
    startups.push_back(result.startup_us);
    stops.push_back(result.stop_us);
    killed += result.killed ? 1 : 0;
  }
  const double startup_median = Median(startups);
  const double stop_median = Median(stops);
  const auto [min_it, max_it] = std::minmax_element(startups.begin(), startups.end());
  const std::optional<Memory>& memory = results.front().memory;

  if (as_json) {
    json::array each;
    for (double value : startups) {
      each.push_back(std::llround(value));
    }
    json::object out{
        {"command", command[0]},
        {"runs", runs},
        {"startup_us", json::object{{"median", std::llround(startup_median)},
                                    {"min", std::llround(*min_it)},
                                    {"max", std::llround(*max_it)},
                                    {"each", std::move(each)}}},
        {"stop_us_median", std::llround(stop_median)},
        {"killed", killed},
    };
    if (memory) {
      out["rss_kib"] = memory->rss_kib;
      out["hwm_kib"] = memory->hwm_kib;
    }
    fmt::print("{}\n", json::serialize(out));
  } else {
    fmt::print("startup_probe {}: {} runs\n", command[0], runs);
    fmt::print("  start-up to first 200   median {:.2f} ms  min {:.2f} ms  max {:.2f} ms\n",
               startup_median / 1000, *min_it / 1000, *max_it / 1000);
    fmt::print("  SIGTERM to exit         median {:.2f} ms{}\n", stop_median / 1000,
               killed > 0 ? fmt::format(" ({} needed SIGKILL)", killed) : std::string());
    if (memory) {
      fmt::print("  idle memory after {:.1f} s  VmRSS {:.1f} MiB  VmHWM {:.1f} MiB\n",
                 std::chrono::duration<double>(*rss_after).count(), static_cast<double>(memory->rss_kib) / 1024,
                 static_cast<double>(memory->hwm_kib) / 1024);
    }
  }
  return 0;
}

}  // namespace
}  // namespace airunway::bench

int main(int argc, char** argv) { return airunway::bench::Main(argc, argv); }
