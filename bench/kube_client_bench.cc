// kube_client_bench: the figures issue 5 asks of the Kubernetes client (src/kube), each beside
// the same figure for the real kubectl as a sanity baseline.
//
//   1. informer memory per 10,000 pods, against the size of their JSON text (the LIST body);
//   2. time for an informer to sync 10,000 pods (list in pages of 500, then watch);
//   3. small GETs per second through kube::Client (one pod), from 1 and from 8 threads.
//
// kubesim runs in this process over HTTPS on 127.0.0.1 (2 server threads), seeded through its
// store with the same realistic pods as kubesim_bench. kubectl runs as a child process with a
// kubeconfig written for that server: `kubectl get --raw` of the pod list (time and peak RSS)
// and of one pod, in a bounded loop.
//
//   kube_client_bench [--pods 10000] [--syncs 3] [--get-duration 3s]
//                     [--kubectl /usr/bin/kubectl] [--kubectl-gets 200] [--kubectl-lists 3]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_objects.h"
#include "bench_util.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/compact_object.h"
#include "kube/informer.h"
#include "kubesim/api_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using airunway::bench::Median;
namespace kube = airunway::kube;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double MiB(double bytes) { return bytes / (1024.0 * 1024.0); }

// GETs of one of the first 100 pods from `threads` threads for `duration`; GETs per second.
double ClientGets(kube::Client& client, int threads, std::chrono::nanoseconds duration, std::atomic<long>& failures) {
  std::atomic<long> done{0};
  const auto end = Clock::now() + duration;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      long mine = 0;
      for (int i = t; Clock::now() < end; ++i) {
        if (client.Get(kube::kPods, "bench", fmt::format("pod-{}", i % 100))) {
          ++mine;
        } else {
          ++failures;
        }
      }
      done += mine;
    });
  }
  const auto start = Clock::now();
  for (auto& w : workers) w.join();
  return static_cast<double>(done.load()) / Seconds(Clock::now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Kubernetes client benchmark: informer memory and sync time, GETs/s, beside kubectl"};
  int pods = 10000;
  int syncs = 3;
  std::string get_duration = "3s";
  std::string kubectl = "/usr/bin/kubectl";
  int kubectl_gets = 200;
  int kubectl_lists = 3;
  app.add_option("--pods", pods)->capture_default_str();
  app.add_option("--syncs", syncs, "informer syncs to take the median of")->capture_default_str();
  app.add_option("--get-duration", get_duration, "how long each client GET run lasts")->capture_default_str();
  app.add_option("--kubectl", kubectl, "kubectl binary (empty: skip the baseline)")->capture_default_str();
  app.add_option("--kubectl-gets", kubectl_gets, "sequential `kubectl get --raw` of one pod")->capture_default_str();
  app.add_option("--kubectl-lists", kubectl_lists, "`kubectl get --raw` of the pod list")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto get_for = airunway::bench::ParseDuration(get_duration);
  if (!get_for) {
    std::cerr << "--get-duration: not a duration: " << get_duration << "\n";
    return 2;
  }

  airunway::kubesim::ApiServer sim({.tls = true, .threads = 2});
  if (auto started = sim.Start(); !started) {
    std::cerr << "cannot start kubesim: " << started.error().message << "\n";
    return 1;
  }
  auto pod_type = sim.registry().Find("", "v1", "pods");
  auto pod_resource = airunway::kubesim::ApiServer::StoreResourceFor(*pod_type);
  (void)sim.CreateObject(boost::json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})").as_object());
  for (int i = 0; i < pods; ++i) {
    (void)sim.store().Create(pod_resource, "bench", airunway::bench::RealisticPod(i, "bench"), {.keep_status = true});
  }

  // A kubeconfig file serves kubectl; the client parses the same text.
  std::filesystem::path dir = std::filesystem::temp_directory_path() / fmt::format("kube-client-bench-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string kubeconfig_path = (dir / "kubeconfig").string();
  std::ofstream(kubeconfig_path) << sim.KubeconfigYaml();
  auto config = kube::LoadConfig({.kubeconfig_path = kubeconfig_path});
  if (!config) {
    std::cerr << "kubeconfig: " << config.error().message << "\n";
    return 1;
  }
  auto client = std::make_shared<kube::Client>(*config);

  // The JSON text of the pods: the LIST body as the server sends it.
  auto listed = client->Do({.path = "/api/v1/namespaces/bench/pods"});
  if (!listed) {
    std::cerr << "LIST failed: " << listed.error().message << "\n";
    return 1;
  }
  const double json_bytes = static_cast<double>(listed->body.size());
  // What the parsed document alone holds (Boost.JSON's default allocator), to tell the cost of
  // the object representation apart from the informer's own keys and indexes.
  double dom_bytes = 0;
  {
    const std::size_t before = airunway::bench::HeapInUseBytes();
    boost::json::value document = boost::json::parse(listed->body);
    dom_bytes = static_cast<double>(airunway::bench::HeapInUseBytes() - before);
  }
  // The informer's compact copies alone (kube/compact_object.h), without its keys and indexes.
  double compact_bytes = 0;
  double compact_copy_s = 0;
  double plain_copy_s = 0;
  {
    boost::json::value document = boost::json::parse(listed->body);
    std::vector<kube::ObjectPtr> copies;
    copies.reserve(static_cast<std::size_t>(pods));
    const std::size_t before = airunway::bench::HeapInUseBytes();
    auto start = Clock::now();
    for (const auto& item : document.at("items").as_array()) copies.push_back(kube::MakeCompactObject(item.as_object()));
    compact_copy_s = Seconds(Clock::now() - start);
    compact_bytes = static_cast<double>(airunway::bench::HeapInUseBytes() - before);
    std::vector<std::shared_ptr<const boost::json::object>> plain;
    plain.reserve(copies.size());
    start = Clock::now();
    for (const auto& item : document.at("items").as_array()) {
      plain.push_back(std::make_shared<const boost::json::object>(item.as_object()));
    }
    plain_copy_s = Seconds(Clock::now() - start);
  }

  // 1 + 2. Informer syncs, for each storage form: heap held by the synced informer, VmRSS growth of the first sync (later syncs reuse memory freed by
  // the earlier ones), and the cost of reading every cached pod once (List).
  struct SyncFigures {
    std::vector<double> sync_s, heap_bytes, read_s, released_bytes;
    long rss_growth_kib = 0;
  };
  auto measure_syncs = [&](kube::ObjectStorage storage, SyncFigures& figures) -> bool {
    for (int run = 0; run < syncs; ++run) {
      const std::size_t heap_before = airunway::bench::HeapInUseBytes();
      const long rss_before = airunway::bench::ProcStatusKiB(0, "VmRSS");
      auto informer = std::make_unique<kube::Informer>(
          client, kube::InformerOptions{.resource = kube::kPods, .storage = storage, .namespace_name = "bench"});
      const auto start = Clock::now();
      informer->Start();
      if (!informer->WaitForSync(std::chrono::seconds(60))) {
        std::cerr << "the informer did not sync within 60 s\n";
        return false;
      }
      figures.sync_s.push_back(Seconds(Clock::now() - start));
      if (run == 0) figures.rss_growth_kib = airunway::bench::ProcStatusKiB(0, "VmRSS") - rss_before;
      const auto read_start = Clock::now();
      auto cached = informer->List("bench");
      figures.read_s.push_back(Seconds(Clock::now() - read_start));
      if (!cached || static_cast<int>(cached->size()) != pods) {
        std::cerr << "the informer holds " << (cached ? cached->size() : 0) << " pods, expected " << pods << "\n";
        return false;
      }
      cached->clear();
      // Held memory once the informer is stopped: its cache and indexes, without the first
      // list's transient pages (WaitForSync returns while the informer thread is still freeing
      // them) or the watch's buffers.
      informer->Stop();
      const std::size_t stopped = airunway::bench::HeapInUseBytes();
      figures.heap_bytes.push_back(static_cast<double>(stopped - heap_before));
      informer.reset();
      figures.released_bytes.push_back(static_cast<double>(stopped - airunway::bench::HeapInUseBytes()));
    }
    return true;
  };
  SyncFigures compact_figures, text_figures;
  if (!measure_syncs(kube::ObjectStorage::kCompactObject, compact_figures) ||
      !measure_syncs(kube::ObjectStorage::kJsonText, text_figures)) {
    return 1;
  }

  // 3. Small GETs through the client.
  std::atomic<long> failures{0};
  const double gets_1 = ClientGets(*client, 1, *get_for, failures);
  const double gets_8 = ClientGets(*client, 8, *get_for, failures);

  // The kubectl baseline.
  std::vector<double> kubectl_list_s;
  std::vector<double> kubectl_list_rss;
  double kubectl_gets_per_s = 0;
  int kubectl_failures = 0;
  if (!kubectl.empty() && access(kubectl.c_str(), X_OK) == 0) {
    const std::string cache = (dir / "cache").string();
    for (int i = 0; i < kubectl_lists; ++i) {
      auto run = airunway::bench::RunProcess(
          {kubectl, "--kubeconfig", kubeconfig_path, "--cache-dir", cache, "get", "--raw", "/api/v1/namespaces/bench/pods"});
      if (run.exit_code != 0) ++kubectl_failures;
      kubectl_list_s.push_back(Seconds(run.elapsed));
      kubectl_list_rss.push_back(static_cast<double>(run.max_rss_kib));
    }
    const auto start = Clock::now();
    for (int i = 0; i < kubectl_gets; ++i) {
      auto run = airunway::bench::RunProcess({kubectl, "--kubeconfig", kubeconfig_path, "--cache-dir", cache, "get",
                                              "--raw", "/api/v1/namespaces/bench/pods/pod-1"});
      if (run.exit_code != 0) ++kubectl_failures;
    }
    kubectl_gets_per_s = kubectl_gets / Seconds(Clock::now() - start);
  }

  std::cout << fmt::format("kube client benchmark ({} pods, kubesim in-process over HTTPS, 2 server threads)\n", pods);
  std::cout << fmt::format("  JSON text of the pods (LIST body):  {:.1f} MiB ({:.0f} B per pod)\n", MiB(json_bytes),
                           json_bytes / pods);
  using Labelled = std::pair<const char*, const SyncFigures*>;
  for (const auto& [label, figures] :
       std::initializer_list<Labelled>{{"compact objects", &compact_figures}, {"JSON text", &text_figures}}) {
    const double heap = Median(figures->heap_bytes);
    std::cout << fmt::format(
        "  informer memory, {:<16} heap held {:.1f} MiB = {:.2f}x the JSON (median of {}); VmRSS +{:.1f} MiB on the "
        "first sync; sync median {:.0f} ms; reading all {} pods {:.1f} ms ({:.2f} us each)\n",
        std::string(label) + ":", MiB(heap), heap / json_bytes, syncs,
        static_cast<double>(figures->rss_growth_kib) / 1024.0, Median(figures->sync_s) * 1e3, pods,
        Median(figures->read_s) * 1e3, Median(figures->read_s) * 1e6 / pods);
    std::cout << fmt::format("    destroying that informer releases {:.1f} MiB = {:.2f}x the JSON\n",
                             MiB(Median(figures->released_bytes)), Median(figures->released_bytes) / json_bytes);
  }
  std::cout << fmt::format("  the LIST parsed into one Boost.JSON document holds {:.1f} MiB = {:.2f}x the JSON\n",
                           MiB(dom_bytes), dom_bytes / json_bytes);
  std::cout << fmt::format("  the compact copies alone (one arena each) hold {:.1f} MiB = {:.2f}x the JSON\n",
                           MiB(compact_bytes), compact_bytes / json_bytes);
  std::cout << fmt::format("  copying the {} pods: compact {:.1f} ms, plain Boost.JSON copies {:.1f} ms\n", pods,
                           compact_copy_s * 1e3, plain_copy_s * 1e3);
  std::cout << fmt::format("  client GETs of one pod:             {:.0f}/s from 1 thread, {:.0f}/s from 8 threads "
                           "({} failed)\n",
                           gets_1, gets_8, failures.load());
  if (!kubectl_list_s.empty()) {
    std::cout << fmt::format("  kubectl get --raw of the pod list:  median {:.0f} ms, peak RSS {:.1f} MiB (median of {})\n",
                             Median(kubectl_list_s) * 1e3, Median(kubectl_list_rss) / 1024.0, kubectl_list_s.size());
    std::cout << fmt::format("  kubectl get --raw of one pod:       {:.1f}/s ({} sequential runs; {} failed)\n",
                             kubectl_gets_per_s, kubectl_gets, kubectl_failures);
  } else {
    std::cout << "  kubectl baseline skipped (no kubectl at " << kubectl << ")\n";
  }
  client.reset();
  sim.Stop();
  sim.Wait();
  std::filesystem::remove_all(dir);
  return 0;
}
