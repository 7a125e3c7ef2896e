// models_bench: server time of a cached HuggingFace search (issue 8: under 1 ms).
//
// Starts the models REST area in-process on 127.0.0.1 against the in-process Hub fixture (no
// internet), warms the search cache with one request, then:
//   1. times the cached search inside the server: the same request served through the router
//      without sockets, many times (median and p99 of the handler's wall time);
//   2. drives it over HTTP with the http_load tool (keep-alive, 8 connections), which adds the
//      loopback round trip, for a client's view.
//
//   models_bench [--http-load PATH] [--iterations 20000] [--duration 3s]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

#include "api/models.h"
#include "common/logging.h"
#include "bench_util.h"
#include "http/server.h"
#include "http/worker_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include "services/huggingface/fake_hub.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kSearch = "/api/models/search?q=qwen&limit=10";

int RunHttpLoad(const std::string& tool, std::uint16_t port, const std::string& duration) {
  std::string url = fmt::format("http://127.0.0.1:{}{}", port, kSearch);
  std::vector<std::string> args{tool, "--url", url, "--connections", "8", "--duration", duration, "--warmup", "1s"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, tool.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"models benchmark: server time of a cached HuggingFace search"};
  std::string http_load = "bench/http_load";
  int iterations = 20000;
  std::string duration = "3s";
  app.add_option("--http-load", http_load)->capture_default_str();
  app.add_option("--iterations", iterations)->capture_default_str();
  app.add_option("--duration", duration)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  airunway::common::InitLogging(airunway::common::LogLevel::kWarn);

  airunway::huggingface::testing::FakeHub hub(AIRUNWAY_HF_TESTDATA);
  if (!hub.Start()) return 1;
  airunway::http::WorkerPool pool(4, 256);
  auto deps = airunway::api::MakeModelsAreaDeps({.hf_endpoint = hub.endpoint()}, nullptr, pool);
  if (!deps) {
    std::cerr << deps.error().message << "\n";
    return 1;
  }
  auto router = std::make_shared<airunway::http::Router>();
  airunway::api::RegisterModelsArea(*router, *deps);
  airunway::http::ServerOptions options;
  options.access_log = false;
  options.threads = 2;
  airunway::http::Server server(options, router);
  if (!server.Listen()) return 1;
  server.Start();

  // Warm the cache through the real server, then count upstream calls to prove it is cached.
  int warm = RunHttpLoad(http_load, server.port(), "1s");
  int hits_before = hub.Hits();

  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(iterations));
  int status = RunHttpLoad(http_load, server.port(), duration);
  int hits_after = hub.Hits();
  (void)warm;
  (void)status;

  // In-server time: the handler chain for the cached request, timed around the router call
  // on an I/O thread (the request is answered from the cache without awaiting the pool).
  boost::asio::io_context io;
  auto match = router->Find("GET", "/api/models/search");
  for (int i = 0; i < iterations; ++i) {
    airunway::http::Request request;
    request.method = "GET";
    request.target = kSearch;
    (void)airunway::http::ParseTarget(request);
    request.params = match.params;
    auto start = Clock::now();
    if (const auto* sync = std::get_if<airunway::http::Handler>(&match.route->handler)) {
      (void)(*sync)(request);
    } else {
      boost::asio::co_spawn(io, std::get<airunway::http::AsyncHandler>(match.route->handler)(request),
                            boost::asio::detached);
      io.run();
      io.restart();
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  double p50 = airunway::bench::Median(micros);
  double p99 = micros[static_cast<std::size_t>(0.99 * static_cast<double>(micros.size() - 1))];
  std::cout << fmt::format("cached search (GET {}): server time median {:.1f} us, p99 {:.1f} us over {} calls "
                           "(target < 1000 us); upstream calls during the HTTP run: {}\n",
                           kSearch, p50, p99, iterations, hits_after - hits_before);
  server.Stop();
  server.Wait();
  hub.Stop();
  return 0;
}
