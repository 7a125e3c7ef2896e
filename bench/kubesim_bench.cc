// kubesim_bench: the figures issue 3 asks of the simulated API server, measured in one run.
//
//   1. small-object GETs per second (GET one pod, keep-alive, by the http_load tool);
//   2. latency of a LIST of 10,000 pods (median and p99 of sequential requests);
//   3. one write fanned out to 100 watchers: time from the write to the last watcher
//      receiving the event (median and p99 over repeated writes);
//   4. memory per 10,000 pods (VmRSS before and after seeding).
//
// Everything runs on 127.0.0.1 over plain HTTP (no TLS: the figures are about the server).
//
//   kubesim_bench [--pods 10000] [--watchers 100] [--writes 30] [--lists 20]
//                 [--http-load PATH] [--duration 5s]
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench_objects.h"
#include "bench_util.h"
#include "kubesim/api_server.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

struct Stats {
  double median = 0;
  double p99 = 0;
};

Stats Summarise(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  if (samples.empty()) return {};
  std::size_t rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(samples.size())));
  return {airunway::bench::Median(samples), samples[std::min(samples.size(), std::max<std::size_t>(rank, 1)) - 1]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kubesim benchmark: GET throughput, 10k-object LIST latency, watch fan-out, memory"};
  int pods = 10000;
  int watchers = 100;
  int writes = 30;
  int lists = 20;
  std::string http_load = "bench/http_load";
  std::string duration = "5s";
  app.add_option("--pods", pods)->capture_default_str();
  app.add_option("--watchers", watchers)->capture_default_str();
  app.add_option("--writes", writes)->capture_default_str();
  app.add_option("--lists", lists)->capture_default_str();
  app.add_option("--http-load", http_load, "path of the http_load tool")->capture_default_str();
  app.add_option("--duration", duration, "GET load duration")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  airunway::kubesim::ApiServer sim({.tls = false, .threads = 2});
  if (auto started = sim.Start(); !started) {
    std::cerr << "cannot start kubesim: " << started.error().message << "\n";
    return 1;
  }
  auto pod_type = sim.registry().Find("", "v1", "pods");
  auto pod_resource = airunway::kubesim::ApiServer::StoreResourceFor(*pod_type);
  (void)sim.CreateObject(json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})").as_object());

  // 4. memory per 10k pods: realistic pods (labels, one container with resources, status).
  long rss_before = airunway::bench::ProcStatusKiB(0, "VmRSS");
  for (int i = 0; i < pods; ++i) {
    json::object pod = airunway::bench::RealisticPod(i, "bench");
    (void)sim.store().Create(pod_resource, "bench", std::move(pod), {.keep_status = true});
  }
  long rss_after = airunway::bench::ProcStatusKiB(0, "VmRSS");
  double mib_per_10k = static_cast<double>(rss_after - rss_before) / 1024.0 * 10000.0 / pods;

  // 2. LIST of all pods, sequential requests on one keep-alive connection.
  std::vector<double> list_ms;
  std::size_t list_bytes = 0;
  int fd = airunway::bench::ConnectLoopback(sim.port());
  for (int i = 0; i < lists + 2; ++i) {
    auto start = Clock::now();
    auto reply = airunway::bench::HttpGet(fd, "/api/v1/namespaces/bench/pods");
    list_bytes = reply ? reply->body.size() : 0;
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (i >= 2) list_ms.push_back(ms);  // two warm-up requests
  }
  close(fd);

  // 3. watch fan-out: `watchers` connections watch configmaps; each write must reach all.
  std::vector<int> watch_fds;
  for (int i = 0; i < watchers; ++i) {
    int w = airunway::bench::ConnectLoopback(sim.port());
    SendAll(w, "GET /api/v1/namespaces/bench/configmaps?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    watch_fds.push_back(w);
  }
  while (sim.store().WatcherCount() < static_cast<std::size_t>(watchers)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto cm_type = sim.registry().Find("", "v1", "configmaps");
  auto cm_resource = airunway::kubesim::ApiServer::StoreResourceFor(*cm_type);
  std::vector<double> fanout_ms;
  std::vector<std::thread> readers;
  std::atomic<int> round{-1};
  std::vector<std::atomic<long long>> arrival(static_cast<std::size_t>(watchers));
  for (int i = 0; i < watchers; ++i) {
    readers.emplace_back([&, i] {
      std::string buffer;
      char chunk[8192];
      int seen = 0;
      while (seen < writes) {
        ssize_t n = recv(watch_fds[static_cast<std::size_t>(i)], chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
        std::string marker = fmt::format("\"fanout-{}\"", seen);
        while (buffer.find(marker) != std::string::npos) {
          arrival[static_cast<std::size_t>(i)].store(Clock::now().time_since_epoch().count());
          ++seen;
          marker = fmt::format("\"fanout-{}\"", seen);
        }
        if (buffer.size() > 1 << 20) buffer.erase(0, buffer.size() - 4096);
      }
    });
  }
  for (int w = 0; w < writes; ++w) {
    for (auto& a : arrival) a.store(0);
    auto start = Clock::now();
    (void)sim.store().Create(cm_resource, "bench",
                             json::parse(fmt::format(R"({{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"fanout-{}"}}}})", w)).as_object());
    auto deadline = start + std::chrono::seconds(5);
    while (Clock::now() < deadline &&
           std::any_of(arrival.begin(), arrival.end(), [](const auto& a) { return a.load() == 0; })) {
      std::this_thread::yield();
    }
    long long last = 0;
    for (auto& a : arrival) last = std::max(last, a.load());
    fanout_ms.push_back(std::chrono::duration<double, std::milli>(Clock::duration(last) - start.time_since_epoch()).count());
  }
  for (int w : watch_fds) shutdown(w, SHUT_RDWR);
  for (auto& r : readers) r.join();
  for (int w : watch_fds) close(w);

  // 1. GET throughput with the http_load tool (a separate process, like a real client).
  auto load = airunway::bench::RunHttpLoad(
      http_load, fmt::format("http://127.0.0.1:{}/api/v1/namespaces/bench/pods/pod-1", sim.port()),
      {.connections = 16, .threads = 1, .duration = duration, .warmup = "1s"});
  double gets_per_second = load ? load->requests_per_s : 0;

  auto list = Summarise(list_ms);
  auto fanout = Summarise(fanout_ms);
  std::cout << fmt::format("kubesim benchmark ({} pods, {} watchers, 2 server threads, plain HTTP on 127.0.0.1)\n",
                           pods, watchers);
  std::cout << fmt::format("  GET one pod:            {:>10.0f} req/s   (target >= 10,000/s)\n", gets_per_second);
  std::cout << fmt::format("  LIST {} pods:        median {:.1f} ms, p99 {:.1f} ms  ({:.1f} MiB per response)\n", pods,
                           list.median, list.p99, static_cast<double>(list_bytes) / (1024.0 * 1024.0));
  std::cout << fmt::format("  write -> {} watchers: median {:.2f} ms, p99 {:.2f} ms to the last watcher\n", watchers,
                           fanout.median, fanout.p99);
  std::cout << fmt::format("  memory:                 {:.1f} MiB per 10,000 pods (VmRSS {} -> {} KiB)\n", mib_per_10k,
                           rss_before, rss_after);
  if (!load) std::cerr << "http_load did not report a summary\n";
  sim.Stop();
  sim.Wait();
  return 0;
}
