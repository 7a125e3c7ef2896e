// Small helpers shared by the benchmark tools in bench/: duration flags, percentiles, the
// loopback-only rule for targets, and the plumbing several tools need — child processes (run to
// completion, or kept in the background), /proc memory figures, a blocking loopback HTTP GET,
// and running the http_load tool and reading its JSON summary.
//
// The tools drive load at servers, so they refuse anything but loopback: a typo in a URL must
// never turn a benchmark into traffic against someone else's machine.
//
// Thread-safety: the free functions are safe from any thread; a BackgroundProcess belongs to
// one owner thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airunway::bench {

// "5s", "250ms", "1.5s", "2m", "800us", "10ns"; a bare number means seconds. nullopt when the
// text is malformed or negative.
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Nearest-rank percentile (0 < percent <= 100) of an ascending-sorted sample; 0 when empty.
// Nearest-rank returns a value that was actually observed, so p100 is the maximum.
std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double percent);

// Median of an unsorted sample (mean of the two middle values for an even count); 0 if empty.
double Median(std::vector<double> values);

// True for the spellings of loopback the tools accept: 127.0.0.1, localhost, ::1 (with or
// without brackets). Other 127/8 addresses are refused too, to keep the rule easy to state.
bool IsLoopbackHost(std::string_view host);

// ---- memory ------------------------------------------------------------------------------
// A "Name:  N kB" field of /proc/PID/status (VmRSS, VmHWM, ...) in KiB; `pid` 0 means this
// process. 0 when the process or the field is absent.
long ProcStatusKiB(pid_t pid, std::string_view field);
// Bytes the C heap has handed out and not taken back (mallinfo2: arena + mmapped blocks).
// Unlike VmRSS it does not count freed memory malloc keeps, so it prices what is still held.
std::size_t HeapInUseBytes();

// ---- processes ---------------------------------------------------------------------------
struct ProcessResult {
  int exit_code = -1;        // 128+signal when killed; -1 when it could not be started
  std::string out;           // stdout (stderr is discarded)
  long max_rss_kib = 0;      // peak RSS (getrusage of the child)
  std::chrono::nanoseconds elapsed{};  // spawn to exit
};
// Runs `argv` (argv[0] a path; no shell) to completion.
ProcessResult RunProcess(const std::vector<std::string>& argv);

// A program kept running while a tool measures it; stdout and stderr go to one temporary file.
// The destructor kills it (SIGKILL) if Stop was not called.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Waits until the output contains `needle`; the whole output then, nullopt on timeout or exit.
  std::optional<std::string> WaitForOutput(std::string_view needle, std::chrono::milliseconds timeout);
  std::string Output() const;
  // SIGTERM, then SIGKILL after `grace`; the exit code (128+signal when killed).
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));

 private:
  pid_t pid_ = -1;
  std::string output_path_;
};

// ---- loopback HTTP -------------------------------------------------------------------------
// A connected TCP socket to 127.0.0.1:port (TCP_NODELAY), or -1.
int ConnectLoopback(std::uint16_t port);
struct HttpReply {
  int status = 0;
  std::string body;
};
// One GET on keep-alive connection `fd` (responses must carry Content-Length); nullopt on a
// broken connection or an unreadable response.
std::optional<HttpReply> HttpGet(int fd, std::string_view target);
// One GET on a fresh connection, closed afterwards.
std::optional<HttpReply> HttpGet(std::uint16_t port, std::string_view target);

// ---- the http_load tool ----------------------------------------------------------------------
struct LoadOptions {
  int connections = 16;
  int threads = 1;
  std::string duration = "3s";
  std::string warmup = "1s";
};
struct LoadResult {
  double requests_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::int64_t requests = 0;
  std::int64_t non_2xx = 0;
  std::int64_t errors = 0;
  std::string raw;  // the tool's output, for diagnostics
};
// Runs `tool` (the http_load binary) against `url` with --json; nullopt when it does not
// report a summary.
std::optional<LoadResult> RunHttpLoad(const std::string& tool, const std::string& url, const LoadOptions& options);

}  // namespace airunway::bench
