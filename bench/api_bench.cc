// api_bench: the figures issue 7 asks of the REST API, in one run against one `airunway serve`:
//
//   GET /api/health                       the floor (no cluster work)
//   GET /api/deployments                  with 1,000 and then 10,000 ModelDeployments
//   GET /api/cluster/nodes                with 5,000 nodes
//
// each with throughput and p50/p99 (http_load, 16 connections) and the server's VmRSS; and the
// target "at 1,000 objects a request costs at most 2x building and serialising the body alone":
// the request's cost is its p50 latency with one connection (one request at a time, so the
// latency is the whole cost of a request: parsing, routing, middleware, handler, write, read),
// the body's cost is the same route's handler called in this process — on an identical
// ClusterService cache of the same cluster — with no HTTP around it (median of repeated calls;
// the handler builds the DeploymentStatus list and serialises it into the response body).
//
// kubesim runs in this process over HTTPS on 127.0.0.1 (2 server threads), with the CRDs of
// deploy/crds, seeded straight through its store: each ModelDeployment is Running and has one
// Running pod labelled airunway.ai/deployment=<name> (so the handler's pod lookup and status
// derivation do their real work); nodes are the scenario format's GPU nodes. airunway serve is
// the real binary, a child process with --kubeconfig, --log-level warn (no access log line per
// request; the HTTP-core figures above include it).
//
//   api_bench [--small 1000] [--large 10000] [--nodes 5000] [--duration 3s] [--connections 16]
//             [--airunway PATH] [--http-load PATH]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/cluster.h"
#include "api/deployments.h"
#include "bench_kubesim.h"
#include "bench_objects.h"
#include "bench_util.h"
#include "common/json.h"
#include "common/time.h"
#include "http/router.h"
#include "kube/config.h"
#include "kubesim/api_server.h"
#include "kubesim/sim_scenario.h"
#include "services/cluster/cluster_service.h"
#include "services/deployments/status.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;
namespace bench = airunway::bench;
namespace kubesim = airunway::kubesim;

double MiB(double kib) { return kib / 1024.0; }

// Seeds ModelDeployments [from, to) and one pod each.
void SeedDeployments(kubesim::ApiServer& api, const kubesim::StoreResource& mds, const kubesim::StoreResource& pods,
                     int from, int to) {
  const std::string now = airunway::common::FormatRfc3339Seconds(std::chrono::system_clock::now());
  for (int i = from; i < to; ++i) {
    const std::string name = fmt::format("md-{:05}", i);
    json::object md = bench::CpuModelDeployment(name, "bench");
    md["status"] = json::object{
        {"phase", "Running"},
        {"provider", {{"name", "vllm"}, {"selectedReason", "only provider supporting engine vllm on CPU"}}},
        {"engine", {{"type", "vllm"}, {"selectedReason", "explicitly specified"}}},
        {"replicas", {{"desired", 1}, {"ready", 1}, {"available", 1}}},
        {"endpoint", {{"service", name}, {"port", 8000}}},
        {"conditions",
         json::array{json::object{{"type", "Ready"}, {"status", "True"}, {"reason", "Running"}, {"lastTransitionTime", now}}}}};
    (void)api.store().Create(mds, "bench", std::move(md), {.keep_status = true});
    json::object pod = bench::RealisticPod(i, "bench");
    auto& metadata = pod["metadata"].as_object();
    metadata["name"] = fmt::format("{}-7d9f8c6b5-{:05}", name, i);
    metadata["labels"] = json::object{{"airunway.ai/deployment", name}, {"app.kubernetes.io/name", name}};
    (void)api.store().Create(pods, "bench", std::move(pod), {.keep_status = true});
  }
}

// Polls GET `target` on `port` until `done(body)` holds; false after `timeout`.
template <typename Predicate>
bool WaitForBody(std::uint16_t port, const std::string& target, Predicate done, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (auto reply = bench::HttpGet(port, target); reply && reply->status == 200 && done(reply->body)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::int64_t TotalOf(const std::string& body) {
  boost::system::error_code error;
  auto parsed = json::parse(body, error);
  if (error || !parsed.is_object()) return -1;
  const auto* total = airunway::common::FindPath(parsed.as_object(), {"pagination", "total"});
  return total != nullptr && total->is_int64() ? total->as_int64() : -1;
}

struct Row {
  std::string label;
  int objects = 0;
  bench::LoadResult load;   // with --connections
  bench::LoadResult single; // one connection
  double build_us = 0;      // handler in-process, median
  std::size_t body_bytes = 0;
  long rss_kib = 0;            // before the load runs
  long rss_after_load_kib = 0;
  bool sequential_only = false;  // no http_load runs (see SequentialMicros)
};

// The in-process handler of `path`: one warm-up call, then up to `runs` calls within about
// `budget` (a call slower than half a second counts its warm-up too, so that a quadratic
// route stays bounded); median µs.
double HandlerMicros(const airunway::http::Router& router, const std::string& path, int runs,
                     std::chrono::milliseconds budget, std::size_t& bytes) {
  auto match = router.Find("GET", path);
  if (match.route == nullptr) return 0;
  const auto& handler = std::get<airunway::http::Handler>(match.route->handler);
  std::vector<double> samples;
  const auto deadline = Clock::now() + budget;
  for (int i = 0; i <= runs && (samples.empty() || Clock::now() < deadline); ++i) {
    airunway::http::Request request;
    request.method = "GET";
    request.target = path;
    (void)airunway::http::ParseTarget(request);
    const auto start = Clock::now();
    auto response = handler(request);
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    bytes = response.body.size();
    if (i > 0 || us > 500'000) samples.push_back(us);
  }
  return bench::Median(samples);
}

// Where the /api/deployments handler's time goes, per ModelDeployment: the same steps as the
// handler (src/api/deployments.cc), each timed over the whole list; medians of `runs`.
struct Phases {
  double list_us = 0, discover_us = 0, build_us = 0, sort_us = 0, serialize_us = 0;
};
Phases PhaseBreakdown(const airunway::services::cluster::ClusterService& cluster, int runs) {
  namespace dep = airunway::services::deployments;
  std::vector<double> list, discover, build, sort, serialize;
  for (int run = 0; run < runs; ++run) {
    auto t0 = Clock::now();
    auto mds = cluster.ModelDeployments("");
    if (!mds) return {};
    auto t1 = Clock::now();
    std::vector<std::vector<airunway::kube::ObjectPtr>> pods;
    pods.reserve(mds->size());
    for (const auto& md : *mds) {
      const auto* ns = airunway::common::FindPath(*md, {"metadata", "namespace"});
      const auto* name = airunway::common::FindPath(*md, {"metadata", "name"});
      pods.push_back(dep::DiscoverPods(cluster.pods(), ns->as_string(), name->as_string()));
    }
    auto t2 = Clock::now();
    std::vector<json::object> statuses;
    statuses.reserve(mds->size());
    for (std::size_t i = 0; i < mds->size(); ++i) {
      std::vector<json::object> pod_statuses;
      for (const auto& pod : pods[i]) pod_statuses.push_back(dep::PodStatusOf(*pod));
      statuses.push_back(dep::DeploymentStatusOf(*(*mds)[i], pod_statuses));
    }
    auto t3 = Clock::now();
    std::vector<std::pair<std::string_view, std::size_t>> order;
    order.reserve(statuses.size());
    for (std::size_t i = 0; i < statuses.size(); ++i) order.emplace_back(statuses[i].at("createdAt").as_string(), i);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    auto t4 = Clock::now();
    json::array page;
    page.reserve(statuses.size());
    for (const auto& [created, i] : order) page.push_back(std::move(statuses[i]));
    std::string body = json::serialize(json::object{{"deployments", std::move(page)}});
    auto t5 = Clock::now();
    auto us = [](auto a, auto b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
    const double n = static_cast<double>(mds->size());
    list.push_back(us(t0, t1) / n);
    discover.push_back(us(t1, t2) / n);
    build.push_back(us(t2, t3) / n);
    sort.push_back(us(t3, t4) / n);
    serialize.push_back(us(t4, t5) / n);
  }
  return {bench::Median(list), bench::Median(discover), bench::Median(build), bench::Median(sort),
          bench::Median(serialize)};
}

// `count` sequential GETs on one keep-alive connection; median µs (for routes too slow for a
// timed http_load window).
double SequentialMicros(std::uint16_t port, const std::string& path, int count) {
  std::vector<double> samples;
  const int fd = bench::ConnectLoopback(port);
  if (fd < 0) return 0;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    auto reply = bench::HttpGet(fd, path);
    if (!reply || reply->status != 200) break;
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  close(fd);
  return bench::Median(samples);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"REST API benchmark: /api/deployments at 1k and 10k, /api/cluster/nodes at 5k, /api/health floor"};
  int small = 1000;
  int large = 10000;
  int nodes = 5000;
  std::string duration = "3s";
  int connections = 16;
  std::string airunway = AIRUNWAY_BINARY;
  std::string http_load = HTTP_LOAD_BINARY;
  std::string crd_dir = AIRUNWAY_CRD_DIR;
  app.add_option("--small", small, "ModelDeployments in the first measurement")->capture_default_str();
  app.add_option("--large", large, "ModelDeployments in the second measurement")->capture_default_str();
  app.add_option("--nodes", nodes)->capture_default_str();
  app.add_option("--duration", duration, "each http_load run (after 1 s warm-up)")->capture_default_str();
  app.add_option("--connections", connections)->capture_default_str();
  app.add_option("--airunway", airunway)->capture_default_str();
  app.add_option("--http-load", http_load)->capture_default_str();
  app.add_option("--crds", crd_dir)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::filesystem::path dir = std::filesystem::temp_directory_path() / fmt::format("api-bench-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string kubeconfig_path = (dir / "kubeconfig").string();
  kubesim::ApiServer sim({.tls = true, .threads = 2, .kubeconfig_out = kubeconfig_path});
  if (auto started = sim.Start(); !started) {
    std::cerr << "cannot start kubesim: " << started.error().message << "\n";
    return 1;
  }
  if (auto failed = bench::InstallCrds(sim, crd_dir); !failed.empty()) {
    std::cerr << "installing the CRDs: " << failed << "\n";
    return 1;
  }
  (void)sim.CreateObject(json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})").as_object());
  const auto md_resource = bench::StoreResourceOrExit(sim, "airunway.ai", "v1alpha1", "modeldeployments");
  const auto pod_resource = bench::StoreResourceOrExit(sim, "", "v1", "pods");
  const auto node_resource = bench::StoreResourceOrExit(sim, "", "v1", "nodes");

  bench::BackgroundProcess server(
      {airunway, "serve", "--kubeconfig", kubeconfig_path, "--port", "0", "--host", "127.0.0.1", "--log-level", "warn"});
  auto banner = server.WaitForOutput("AI Runway is serving on http://127.0.0.1:", std::chrono::seconds(20));
  if (!banner) {
    std::cerr << "airunway serve did not start:\n" << server.Output() << "\n";
    return 1;
  }
  const auto at = banner->find("http://127.0.0.1:");
  const auto port = static_cast<std::uint16_t>(std::stoi(banner->substr(at + 17)));
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  auto total_is = [](std::int64_t n) { return [n](const std::string& body) { return TotalOf(body) == n; }; };
  if (!WaitForBody(port, "/api/deployments?limit=1", total_is(0), std::chrono::seconds(30))) {
    std::cerr << "airunway serve did not sync its caches:\n" << server.Output() << "\n";
    return 1;
  }
  const long rss_empty = bench::ProcStatusKiB(server.pid(), "VmRSS");

  // The same caches in this process, for the handler-only timings.
  auto config = airunway::kube::LoadConfig({.kubeconfig_path = kubeconfig_path});
  if (!config) {
    std::cerr << "kubeconfig: " << config.error().message << "\n";
    return 1;
  }
  auto cluster = std::make_shared<airunway::services::cluster::ClusterService>(*config);
  cluster->Start();
  airunway::api::ClusterApi cluster_api{.cluster = cluster};
  airunway::http::Router router;
  airunway::api::RegisterClusterRoutes(router, cluster_api);
  airunway::api::RegisterDeploymentRoutes(router, cluster_api);

  const bench::LoadOptions many{.connections = connections, .threads = 1, .duration = duration, .warmup = "1s"};
  const bench::LoadOptions one{.connections = 1, .threads = 1, .duration = duration, .warmup = "1s"};
  std::vector<Row> rows;
  auto measure = [&](const std::string& label, const std::string& path, int objects, int handler_runs) {
    std::cerr << "api_bench: measuring " << label << " with " << objects << " objects\n";
    Row row{.label = label, .objects = objects};
    if (handler_runs > 0) {
      row.build_us = HandlerMicros(router, path, handler_runs, std::chrono::seconds(3), row.body_bytes);
    }
    // Memory with the route warm (the server's status cache filled by one request) and before
    // the load runs, whose concurrent multi-megabyte answers would inflate the heap.
    if (handler_runs > 0) (void)SequentialMicros(port, path, 1);
    row.rss_kib = bench::ProcStatusKiB(server.pid(), "VmRSS");
    if (row.build_us > 200'000) {
      // Too slow for a timed window to hold enough requests: a few sequential ones instead.
      row.single.p50_us = SequentialMicros(port, path, 3);
      row.sequential_only = true;
    } else {
      if (auto r = bench::RunHttpLoad(http_load, base + path, one)) row.single = *r;
      if (auto r = bench::RunHttpLoad(http_load, base + path, many)) row.load = *r;
    }
    row.rss_after_load_kib = bench::ProcStatusKiB(server.pid(), "VmRSS");
    rows.push_back(row);
  };
  auto in_process_synced = [&](std::int64_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      auto listed = cluster->ModelDeployments("");
      if (listed && static_cast<std::int64_t>(listed->size()) == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };

  measure("GET /api/health", "/api/health", 0, 0);

  SeedDeployments(sim, md_resource, pod_resource, 0, small);
  if (!WaitForBody(port, "/api/deployments?limit=1", total_is(small), std::chrono::seconds(60)) ||
      !in_process_synced(small)) {
    std::cerr << "the caches did not reach " << small << " ModelDeployments\n";
    return 1;
  }
  measure("GET /api/deployments", "/api/deployments", small, 50);
  const Phases small_phases = PhaseBreakdown(*cluster, 20);

  SeedDeployments(sim, md_resource, pod_resource, small, large);
  if (!WaitForBody(port, "/api/deployments?limit=1", total_is(large), std::chrono::seconds(60)) ||
      !in_process_synced(large)) {
    std::cerr << "the caches did not reach " << large << " ModelDeployments\n";
    return 1;
  }
  measure("GET /api/deployments", "/api/deployments", large, 10);
  const Phases large_phases = PhaseBreakdown(*cluster, 5);

  kubesim::NodePool pool{.name = "gpua100", .instance_type = "Standard_ND96amsr_A100_v4", .region = "eastus",
                         .zone = "eastus-1", .cpu = "96", .memory = "1843200Mi"};
  pool.gpu = kubesim::GpuSpec{.product = "NVIDIA-A100-SXM4-80GB", .count = 8, .memory_mib = 81920, .family = "ampere"};
  for (int i = 0; i < nodes; ++i) {
    (void)sim.store().Create(node_resource, "", kubesim::MakeNode(pool, i, i), {.keep_status = true});
  }
  auto nodes_are = [nodes](const std::string& body) {
    boost::system::error_code error;
    auto parsed = json::parse(body, error);
    const auto* list = error || !parsed.is_object() ? nullptr : parsed.as_object().if_contains("nodes");
    return list != nullptr && list->is_array() && static_cast<int>(list->as_array().size()) == nodes;
  };
  const auto nodes_deadline = Clock::now() + std::chrono::seconds(60);
  while (true) {
    auto cached = cluster->nodes().List();
    if (cached && static_cast<int>(cached->size()) == nodes) break;
    if (Clock::now() > nodes_deadline) {
      std::cerr << "the in-process node cache did not reach " << nodes << " nodes\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!WaitForBody(port, "/api/cluster/nodes", nodes_are, std::chrono::seconds(60))) {
    std::cerr << "airunway serve's node cache did not reach " << nodes << " nodes\n";
    return 1;
  }
  measure("GET /api/cluster/nodes", "/api/cluster/nodes", nodes, 20);
  measure("GET /api/health (after)", "/api/health", 0, 0);
  const long peak_kib = bench::ProcStatusKiB(server.pid(), "VmHWM");

  std::cout << fmt::format(
      "REST API benchmark (airunway serve as a process on kubesim over HTTPS; http_load {} connections, {} after 1 s "
      "warm-up, and 1 connection for the cost per request)\n",
      connections, duration);
  std::cout << fmt::format("  {:<26} {:>7} {:>9} {:>9} {:>9} | {:>9} {:>10} {:>9} {:>7} | {:>8}\n", "route", "objects",
                           "req/s", "p50 ms", "p99 ms", "1-conn ms", "handler ms", "ratio", "body KiB", "RSS MiB");
  for (const auto& row : rows) {
    const double single_ms = row.single.p50_us / 1e3;
    const double build_ms = row.build_us / 1e3;
    auto loaded = [&row](double value) { return row.sequential_only ? std::string("-") : fmt::format("{:.2f}", value); };
    std::cout << fmt::format("  {:<26} {:>7} {:>9} {:>9} {:>9} | {:>9.2f} {:>10} {:>9} {:>7} | {:>8.1f}\n", row.label,
                             row.objects, row.sequential_only ? std::string("-") : fmt::format("{:.0f}", row.load.requests_per_s),
                             loaded(row.load.p50_us / 1e3), loaded(row.load.p99_us / 1e3), single_ms,
                             build_ms > 0 ? fmt::format("{:.2f}", build_ms) : std::string("-"),
                             build_ms > 0 ? fmt::format("{:.2f}x", single_ms / build_ms) : std::string("-"),
                             row.body_bytes > 0 ? fmt::format("{:.0f}", static_cast<double>(row.body_bytes) / 1024.0)
                                                : std::string("-"),
                             MiB(static_cast<double>(row.rss_kib)));
    if (row.load.non_2xx + row.load.errors + row.single.non_2xx + row.single.errors > 0) {
      std::cout << fmt::format("    ({} non-2xx, {} errors)\n", row.load.non_2xx + row.single.non_2xx,
                               row.load.errors + row.single.errors);
    }
  }
  // Per object: cost from the handler and 1-connection figures, memory from VmRSS steps.
  const Row& at_small = rows[1];
  const Row& at_large = rows[2];
  if (at_large.sequential_only) {
    std::cout << fmt::format("  ({} ModelDeployments: the handler took over 200 ms, so no http_load runs; the 1-conn figure "
                             "is the median of 3 sequential GETs)\n",
                             large);
  }
  std::cout << fmt::format("  cost per ModelDeployment:  handler {:.2f} -> {:.2f} us, request {:.2f} -> {:.2f} us ({} -> {})\n",
                           at_small.build_us / small, at_large.build_us / large, at_small.single.p50_us / small,
                           at_large.single.p50_us / large, small, large);
  auto build_total = [](const Phases& p) { return p.list_us + p.discover_us + p.build_us + p.sort_us + p.serialize_us; };
  std::cout << fmt::format(
      "  building and serialising the body from the objects (no status cache): {:.2f} ms at {}, {:.2f} ms at {}; "
      "one request / that build = {:.2f}x and {:.2f}x\n",
      build_total(small_phases) * small / 1e3, small, build_total(large_phases) * large / 1e3, large,
      at_small.single.p50_us / (build_total(small_phases) * small),
      at_large.single.p50_us / (build_total(large_phases) * large));
  std::cout << fmt::format(
      "  handler steps per ModelDeployment (us, {} -> {}): list {:.2f} -> {:.2f}, pod lookup {:.2f} -> {:.2f}, status "
      "{:.2f} -> {:.2f}, sort {:.2f} -> {:.2f}, serialise {:.2f} -> {:.2f}\n",
      small, large, small_phases.list_us, large_phases.list_us, small_phases.discover_us, large_phases.discover_us,
      small_phases.build_us, large_phases.build_us, small_phases.sort_us, large_phases.sort_us,
      small_phases.serialize_us, large_phases.serialize_us);
  std::cout << fmt::format(
      "  memory per ModelDeployment (+ its pod): {:.1f} KiB for the first {}, {:.1f} KiB for the next {} (VmRSS {:.1f} -> "
      "{:.1f} -> {:.1f} MiB)\n",
      static_cast<double>(at_small.rss_kib - rss_empty) / small, small,
      static_cast<double>(at_large.rss_kib - at_small.rss_kib) / (large - small), large - small,
      MiB(static_cast<double>(rss_empty)), MiB(static_cast<double>(at_small.rss_kib)),
      MiB(static_cast<double>(at_large.rss_kib)));
  std::cout << fmt::format("  memory per node: {:.1f} KiB; server peak RSS (VmHWM) {:.1f} MiB\n",
                           static_cast<double>(rows[3].rss_kib - at_large.rss_after_load_kib) / nodes,
                           MiB(static_cast<double>(peak_kib)));
  cluster->Stop();
  server.Stop();
  sim.Stop();
  sim.Wait();
  std::filesystem::remove_all(dir);
  return 0;
}
