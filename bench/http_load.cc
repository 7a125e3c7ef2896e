// http_load: a closed-loop HTTP/1.1 keep-alive load generator for loopback benchmarks.
//
// Each of `--connections` connections sends one GET, waits for the whole response, and sends
// the next (closed loop: the offered load adapts to the server, so latencies are service
// times under that concurrency, not latencies at a fixed arrival rate). Connections are spread
// over `--threads` threads, each with its own single-threaded io_context, so the generator
// shares no state between threads while it runs and never needs a lock.
//
// Every request completed inside the measurement window (after `--warmup`, for `--duration`)
// is recorded; percentiles come from the full sorted sample, so they are exact. Requests that
// complete during warm-up or after the window are not counted.
//
// Thread-safety: each Worker is touched by its own thread only; results are merged after all
// threads have been joined.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fmt/core.h>

#include "bench_util.h"

namespace airunway::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// What every connection needs to know; read-only while the workers run.
struct Plan {
  tcp::endpoint endpoint;
  std::string request;  // the serialised request, written as-is for every iteration
  Clock::time_point measure_start;
  Clock::time_point end;
  nanoseconds timeout{};
  // After `end`, in-flight requests get this long before their sockets are closed.
  nanoseconds drain{};
};

struct Totals {
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t non_2xx = 0;
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t connects = 0;
  std::uint64_t warmup_requests = 0;
  std::string first_error;
};

// One connection's state as the watchdog sees it.
struct Slot {
  tcp::socket* socket = nullptr;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
};

class Worker {
 public:
  Worker(const Plan& plan, std::size_t connections, std::size_t expected_requests)
      : plan_(plan), slots_(connections) {
    totals_.latencies_ns.reserve(expected_requests);
  }

  void Run() {
    for (Slot& slot : slots_) {
      asio::co_spawn(io_, RunConnection(slot), asio::detached);
    }
    live_ = slots_.size();
    asio::co_spawn(io_, Watchdog(), asio::detached);
    io_.run();
  }

  Totals& totals() { return totals_; }

 private:
  void RecordError(Clock::time_point when, const boost::system::error_code& error, bool timed_out) {
    if (when < plan_.measure_start || when >= plan_.end) {
      return;
    }
    if (timed_out) {
      ++totals_.timeouts;
    } else {
      ++totals_.errors;
    }
    if (totals_.first_error.empty()) {
      totals_.first_error = timed_out ? std::string("request timed out") : error.message();
    }
  }

  asio::awaitable<void> RunConnection(Slot& slot) {
    auto executor = co_await asio::this_coro::executor;
    boost::beast::flat_buffer buffer;
    asio::steady_timer backoff(executor);
    boost::system::error_code error;
    while (Clock::now() < plan_.end) {
      tcp::socket socket(executor);
      slot.socket = &socket;
      slot.timed_out = false;
      slot.deadline = Clock::now() + plan_.timeout;
      co_await socket.async_connect(plan_.endpoint, asio::redirect_error(asio::use_awaitable, error));
      if (error) {
        slot.socket = nullptr;
        RecordError(Clock::now(), error, slot.timed_out);
        // A refused connect returns at once; pause so a dead server does not spin the loop.
        backoff.expires_after(std::chrono::milliseconds(10));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, error));
        continue;
      }
      socket.set_option(tcp::no_delay(true), error);
      ++totals_.connects;
      buffer.clear();
      bool keep_alive = true;
      while (keep_alive && Clock::now() < plan_.end) {
        http::response<http::string_body> response;
        const Clock::time_point start = Clock::now();
        slot.deadline = start + plan_.timeout;
        co_await asio::async_write(socket, asio::buffer(plan_.request),
                                   asio::redirect_error(asio::use_awaitable, error));
        std::size_t received = 0;
        if (!error) {
          received = co_await http::async_read(socket, buffer, response,
                                               asio::redirect_error(asio::use_awaitable, error));
        }
        const Clock::time_point done = Clock::now();
        slot.deadline = Clock::time_point::max();
        if (error) {
          RecordError(done, error, slot.timed_out);
          break;
        }
        keep_alive = response.keep_alive();
        if (done < plan_.measure_start) {
          ++totals_.warmup_requests;
          continue;
        }
        if (done >= plan_.end) {
          break;
        }
        totals_.latencies_ns.push_back(std::chrono::duration_cast<nanoseconds>(done - start).count());
        totals_.bytes_received += received;
        const unsigned status = response.result_int();
        if (status < 200 || status > 299) {
          ++totals_.non_2xx;
        }
      }
      slot.socket = nullptr;
      socket.close(error);
    }
    --live_;
  }

  // Closes sockets whose request has outlived --timeout, and after the window closes every
  // socket still waiting once the drain period is over, so the run always ends on time.
  asio::awaitable<void> Watchdog() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    boost::system::error_code error;
    while (live_ > 0) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
      const Clock::time_point now = Clock::now();
      const bool draining_over = now >= plan_.end + plan_.drain;
      for (Slot& slot : slots_) {
        if (slot.socket != nullptr && (now >= slot.deadline || draining_over)) {
          slot.timed_out = !draining_over;
          slot.socket->close(error);
        }
      }
    }
  }

  const Plan& plan_;
  asio::io_context io_{1};
  std::vector<Slot> slots_;
  std::size_t live_ = 0;
  Totals totals_;
};

struct Target {
  std::string host;       // as written in the URL, for the Host header
  std::string address;    // numeric address to connect to
  std::uint16_t port = 80;
  std::string path;       // origin-form request target
};

// Parses --url and enforces the loopback rule. Returns an error message or the target.
std::variant<std::string, Target> ParseTarget(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return fmt::format("--url {:?} is not a valid URL: {}", url, parsed.error().message());
  }
  const auto& uri = *parsed;
  if (uri.scheme() != "http") {
    return fmt::format("--url must use http:// (got {:?}); TLS is not supported", std::string(uri.scheme()));
  }
  Target target;
  std::string host;
  if (uri.host_type() == boost::urls::host_type::ipv6) {
    host = uri.host_ipv6_address().to_string();
  } else {
    host = uri.host();
  }
  if (!IsLoopbackHost(host)) {
    return fmt::format("refusing host {:?}: http_load only targets loopback (127.0.0.1, localhost, ::1)",
                       host);
  }
  target.address = (host == "::1") ? std::string("::1") : std::string("127.0.0.1");
  target.host = std::string(uri.encoded_host_and_port());
  if (uri.has_port()) {
    const auto port = uri.port_number();
    if (port == 0) {
      return fmt::format("--url {:?} has an invalid port", url);
    }
    target.port = port;
  }
  target.path = std::string(uri.encoded_target());
  if (target.path.empty()) {
    target.path = "/";
  }
  return target;
}

std::string BuildRequest(const Target& target, const std::vector<std::string>& headers) {
  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: airunway-http_load\r\n",
                                    target.path, target.host);
  for (const std::string& header : headers) {
    request += header;
    request += "\r\n";
  }
  request += "\r\n";
  return request;
}

std::string FormatMillis(std::int64_t nanoseconds_value) {
  return fmt::format("{:.3f} ms", static_cast<double>(nanoseconds_value) / 1e6);
}

int Main(int argc, char** argv) {
  CLI::App app{"Closed-loop HTTP/1.1 keep-alive load generator (loopback only)"};
  std::string url;
  std::size_t connections = 32;
  std::size_t threads = 1;
  std::string duration_text = "5s";
  std::string warmup_text = "1s";
  std::string timeout_text = "5s";
  std::vector<std::string> headers;
  bool as_json = false;
  app.add_option("--url", url, "Target, e.g. http://127.0.0.1:8080/api/health")->required();
  app.add_option("-c,--connections", connections, "Concurrent keep-alive connections")
      ->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("-t,--threads", threads, "Threads, one io_context each")
      ->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  app.add_option("-d,--duration", duration_text, "Measurement window (5s, 500ms, 1m)")->capture_default_str();
  app.add_option("-w,--warmup", warmup_text, "Warm-up before measuring, not counted")->capture_default_str();
  app.add_option("--timeout", timeout_text, "Per-request timeout (connect, write and read)")
      ->capture_default_str();
  app.add_option("-H,--header", headers, "Extra request header \"Name: value\" (repeatable)");
  app.add_flag("--json", as_json, "Print the results as one JSON line");
  CLI11_PARSE(app, argc, argv);

  const auto duration = ParseDuration(duration_text);
  const auto warmup = ParseDuration(warmup_text);
  const auto timeout = ParseDuration(timeout_text);
  if (!duration || duration->count() == 0 || !warmup || !timeout || timeout->count() == 0) {
    fmt::print(stderr, "http_load: --duration, --warmup and --timeout take values like 5s, 500ms, 1m "
                       "(duration and timeout must be positive)\n");
    return 2;
  }
  for (const std::string& header : headers) {
    const auto colon = header.find(':');
    if (colon == std::string::npos || colon == 0 || header.find_first_of("\r\n") != std::string::npos) {
      fmt::print(stderr, "http_load: --header {:?} must look like \"Name: value\"\n", header);
      return 2;
    }
  }
  auto parsed_target = ParseTarget(url);
  if (const auto* message = std::get_if<std::string>(&parsed_target)) {
    fmt::print(stderr, "http_load: {}\n", *message);
    return 2;
  }
  const Target& target = std::get<Target>(parsed_target);
  threads = std::min(threads, connections);

  Plan plan;
  plan.endpoint = tcp::endpoint(asio::ip::make_address(target.address), target.port);
  plan.request = BuildRequest(target, headers);
  plan.timeout = *timeout;
  plan.drain = std::min<nanoseconds>(*timeout, std::chrono::seconds(1));
  const Clock::time_point start = Clock::now();
  plan.measure_start = start + *warmup;
  plan.end = plan.measure_start + *duration;

  // Reserve for a generous 200k req/s so that recording never reallocates mid-run in practice.
  const double seconds = std::chrono::duration<double>(*duration).count();
  const auto expected_per_thread = static_cast<std::size_t>(std::min(200'000.0 * seconds, 1e7)) / threads;

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < threads; ++i) {
    const std::size_t share = connections / threads + (i < connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(plan, share, expected_per_thread));
  }
  std::vector<std::thread> running;
  for (auto& worker : workers) {
    running.emplace_back([&worker] { worker->Run(); });
  }
  for (std::thread& thread : running) {
    thread.join();
  }

  Totals all;
  for (auto& worker : workers) {
    Totals& part = worker->totals();
    all.latencies_ns.insert(all.latencies_ns.end(), part.latencies_ns.begin(), part.latencies_ns.end());
    all.non_2xx += part.non_2xx;
    all.errors += part.errors;
    all.timeouts += part.timeouts;
    all.bytes_received += part.bytes_received;
    all.connects += part.connects;
    all.warmup_requests += part.warmup_requests;
    if (all.first_error.empty()) {
      all.first_error = part.first_error;
    }
  }
  std::sort(all.latencies_ns.begin(), all.latencies_ns.end());
  const auto requests = all.latencies_ns.size();
  const double rps = static_cast<double>(requests) / seconds;
  const double bytes_per_second = static_cast<double>(all.bytes_received) / seconds;
  const double mean_ns =
      requests == 0 ? 0.0
                    : static_cast<double>(std::accumulate(all.latencies_ns.begin(), all.latencies_ns.end(),
                                                          std::int64_t{0})) / static_cast<double>(requests);
  const std::int64_t p50 = Percentile(all.latencies_ns, 50);
  const std::int64_t p90 = Percentile(all.latencies_ns, 90);
  const std::int64_t p99 = Percentile(all.latencies_ns, 99);
  const std::int64_t p999 = Percentile(all.latencies_ns, 99.9);
  const std::int64_t max = all.latencies_ns.empty() ? 0 : all.latencies_ns.back();

  if (as_json) {
    // Integers only: Boost.JSON writes every double in exponent form ("9.2E4"), which is valid
    // but unreadable; microsecond and req/s resolution is all a loopback benchmark can resolve.
    auto whole = [](double value) { return static_cast<std::int64_t>(std::llround(value)); };
    auto micros = [&whole](double ns) { return whole(ns / 1e3); };
    json::object latency{
        {"p50", micros(static_cast<double>(p50))},   {"p90", micros(static_cast<double>(p90))},
        {"p99", micros(static_cast<double>(p99))},   {"p99_9", micros(static_cast<double>(p999))},
        {"max", micros(static_cast<double>(max))},   {"mean", micros(mean_ns)},
    };
    json::object result{
        {"url", url},
        {"connections", connections},
        {"threads", threads},
        {"duration_ms", whole(seconds * 1e3)},
        {"requests", requests},
        {"requests_per_s", whole(rps)},
        {"bytes_per_s", whole(bytes_per_second)},
        {"latency_us", std::move(latency)},
        {"non_2xx", all.non_2xx},
        {"errors", all.errors},
        {"timeouts", all.timeouts},
        {"connects", all.connects},
    };
    if (!all.first_error.empty()) {
      result["first_error"] = all.first_error;
    }
    fmt::print("{}\n", json::serialize(result));
  } else {
    fmt::print("http_load {}: {} connections, {} thread(s), {:.2f} s measured after {:.2f} s warm-up\n", url,
               connections, threads, seconds, std::chrono::duration<double>(*warmup).count());
    fmt::print("  requests    {} ({:.1f} req/s)\n", requests, rps);
    fmt::print("  latency     p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}\n", FormatMillis(p50),
               FormatMillis(p90), FormatMillis(p99), FormatMillis(p999), FormatMillis(max),
               FormatMillis(static_cast<std::int64_t>(mean_ns)));
    fmt::print("  received    {:.2f} MB/s\n", bytes_per_second / 1e6);
    fmt::print("  non-2xx     {}\n  errors      {} (timeouts {}), connections opened {}\n", all.non_2xx,
               all.errors, all.timeouts, all.connects);
    if (!all.first_error.empty()) {
      fmt::print("  first error {}\n", all.first_error);
    }
  }
  // A run in which nothing succeeded is a failed run, whatever else it printed.
  return requests == 0 ? 1 : 0;
}

}  // namespace
}  // namespace airunway::bench

int main(int argc, char** argv) { return airunway::bench::Main(argc, argv); }
