#include "cli/demo.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "common/json.h"
#include "common/logging.h"
#include "controller/controller_main.h"
#include "kubesim/server_side_apply.h"

namespace airunway::cli {

namespace {

namespace json = boost::json;

// The sample models: names chosen so the warmStart rule of the demo scenario matches the first.
constexpr const char* kSampleModels[] = {
    R"({"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment",
        "metadata":{"name":"qwen2-5-0-5b","namespace":"default","labels":{"airunway.ai/demo":"true"}},
        "spec":{"model":{"id":"Qwen/Qwen2.5-0.5B-Instruct"},"engine":{"type":"vllm"},
                "resources":{"gpu":{"count":1}}}})",
    R"({"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment",
        "metadata":{"name":"llama-3-1-8b","namespace":"default","labels":{"airunway.ai/demo":"true"}},
        "spec":{"model":{"id":"meta-llama/Llama-3.1-8B-Instruct"},"engine":{"type":"vllm"},
                "resources":{"gpu":{"count":1}}}})",
    R"({"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment",
        "metadata":{"name":"llama-3-1-405b","namespace":"default","labels":{"airunway.ai/demo":"true"}},
        "spec":{"model":{"id":"meta-llama/Llama-3.1-405B-Instruct"},"engine":{"type":"vllm"},
                "resources":{"gpu":{"count":16}}}})",
};

constexpr int kStateFormat = 1;

common::Error StateError(const std::string& file, const std::string& what) {
  return common::MakeError(common::ErrorCode::kInvalid,
                           fmt::format("the demo state file {} cannot be used: {}. Move it away (or delete it) to "
                                       "start the demo afresh.",
                                       file, what),
                           "BadDemoState");
}

}  // namespace

namespace {

common::Status InstallDemoCrds(kubesim::Simulator& sim) {
  for (const auto& [file, yaml] : controller::EmbeddedCrds()) {
    auto crd = kubesim::YamlToJson(yaml);
    if (crd.index() != 0 || !std::get<0>(crd).is_object()) {
      return common::MakeError(common::ErrorCode::kInternal, fmt::format("the embedded CRD {} does not parse", file));
    }
    auto created = sim.api().CreateObject(std::get<0>(crd).as_object());
    if (created.index() != 0 && std::get<1>(created).code != 409) {
      return common::MakeError(common::ErrorCode::kInternal,
                               fmt::format("cannot install CRD {}: {}", file, std::get<1>(created).message));
    }
  }
  return common::Status::Ok();
}

// Creates the sample models that are not there yet (a restored state may hold them).
common::Status CreateSampleModels(kubesim::Simulator& sim) {
  for (const char* text : kSampleModels) {
    auto created = sim.api().CreateObject(json::parse(text).as_object());
    if (created.index() != 0 && std::get<1>(created).code != 409) {
      return common::MakeError(common::ErrorCode::kInternal,
                               fmt::format("cannot create a demo model: {}", std::get<1>(created).message));
    }
  }
  return common::Status::Ok();
}

}  // namespace

common::Status SeedDemo(kubesim::Simulator& sim) {
  if (auto installed = InstallDemoCrds(sim); !installed) return installed;
  return CreateSampleModels(sim);
}

DemoCluster::DemoCluster(Options options) : options_(std::move(options)) {}

DemoCluster::~DemoCluster() { Stop(); }

std::string DemoCluster::url() const { return sim_ ? sim_->api().url() : std::string(); }

common::Status DemoCluster::Start() {
  kubeconfig_path_ = options_.kubeconfig_out;
  if (kubeconfig_path_.empty()) {
    kubeconfig_path_ = (std::filesystem::temp_directory_path() /
                        fmt::format("airunway-demo-{}.kubeconfig", static_cast<long>(getpid())))
                           .string();
    temporary_kubeconfig_ = true;
  }
  kubesim::SimulatorOptions sim_options;
  sim_options.api.tls = true;
  sim_options.api.kubeconfig_out = kubeconfig_path_;
  sim_options.scenario = "demo";
  sim_ = std::make_unique<kubesim::Simulator>(std::move(sim_options));
  if (auto started = sim_->Start(); !started) return started;
  // CRDs first (restored custom objects need their types served), then the saved state, then
  // whichever sample models the state did not already hold.
  if (auto installed = InstallDemoCrds(*sim_); !installed) return installed;
  if (auto loaded = LoadState(); !loaded) return loaded;
  if (auto seeded = CreateSampleModels(*sim_); !seeded) return seeded;
  if (!options_.state_file.empty()) {
    saver_ = std::jthread([this](std::stop_token stop) {
      std::mutex mutex;
      std::condition_variable_any wake;
      std::unique_lock lock(mutex);
      while (!wake.wait_for(lock, stop, options_.save_interval, [] { return false; })) {
        if (stop.stop_requested()) break;
        if (auto saved = SaveState(); !saved) common::LogWarn(saved.error().message);
      }
    });
  }

  controller::ControllerOptions controller_options;
  controller_options.kubeconfig = kubeconfig_path_;
  controller_options.health_probe_bind_address = "0";  // the demo has one port: the UI's
  controller_options.metrics_bind_address = "0";
  controller_ = std::jthread([controller_options](std::stop_token stop) {
    int code = controller::RunController(controller_options, stop);
    if (code != 0) common::LogError("the demo's controller stopped", {{"exitCode", code}});
  });
  return common::Status::Ok();
}

common::Status DemoCluster::LoadState() {
  const std::string& file = options_.state_file;
  if (file.empty()) return common::Status::Ok();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return common::Status::Ok();  // first run
  std::ifstream in(file, std::ios::binary);
  if (!in) return StateError(file, "it cannot be opened for reading");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = common::ParseJson(text);
  if (!parsed) return StateError(file, parsed.error().message);
  const auto* root = parsed->if_object();
  const auto* format = root != nullptr ? root->if_contains("format") : nullptr;
  const auto* resources = root != nullptr ? root->if_contains("resources") : nullptr;
  if (format == nullptr || !format->is_int64() || format->as_int64() != kStateFormat || resources == nullptr ||
      !resources->is_array()) {
    return StateError(file, fmt::format("it is not a format-{} AI Runway demo state", kStateFormat));
  }
  std::size_t restored = 0;
  for (const auto& entry : resources->as_array()) {
    const auto* table = entry.if_object();
    const auto* objects = table != nullptr ? table->if_contains("objects") : nullptr;
    if (table == nullptr || objects == nullptr || !objects->is_array()) return StateError(file, "a resource entry is malformed");
    kubesim::StoreResource resource;
    resource.group = std::string(common::GetString(*table, "group").value_or(""));
    resource.version = std::string(common::GetString(*table, "version").value_or(""));
    resource.resource = std::string(common::GetString(*table, "resource").value_or(""));
    resource.kind = std::string(common::GetString(*table, "kind").value_or(""));
    auto type = sim_->api().registry().Find(resource.group, resource.version, resource.resource);
    if (!type) continue;  // e.g. a CRD that is not installed any more
    resource = kubesim::ApiServer::StoreResourceFor(*type);
    for (const auto& object : objects->as_array()) {
      if (!object.is_object()) return StateError(file, "an object is not a JSON object");
      auto created = sim_->api().store().Create(resource, "", object.as_object(), {.keep_status = true, .restore = true});
      if (created.index() == 0) ++restored;  // already present (seeded by the scenario): keep the live one
    }
  }
  common::LogInfo("demo state restored", {{"file", file}, {"objects", restored}});
  return common::Status::Ok();
}

common::Status DemoCluster::SaveState() {
  if (!sim_ || options_.state_file.empty()) return common::Status::Ok();
  json::array resources;
  for (const auto& [resource, objects] : sim_->api().store().Snapshot()) {
    json::array items;
    for (const auto& object : objects) items.push_back(*object);
    resources.push_back(json::object{{"group", resource.group},
                                     {"version", resource.version},
                                     {"resource", resource.resource},
                                     {"kind", resource.kind},
                                     {"objects", std::move(items)}});
  }
  json::object root{{"format", kStateFormat}, {"resources", std::move(resources)}};
  std::string temp = options_.state_file + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << json::serialize(root);
    if (!out) return StateError(options_.state_file, "it cannot be written (" + temp + ")");
  }
  std::error_code ec;
  std::filesystem::rename(temp, options_.state_file, ec);
  if (ec) return StateError(options_.state_file, "it cannot be replaced: " + ec.message());
  return common::Status::Ok();
}

void DemoCluster::Stop() {
  if (saver_.joinable()) {
    saver_.request_stop();
    saver_.join();
  }
  if (sim_ && !options_.state_file.empty()) {
    if (auto saved = SaveState(); !saved) common::LogError(saved.error().message);
  }
  if (controller_.joinable()) {
    controller_.request_stop();
    controller_.join();
  }
  if (sim_) {
    sim_->Stop();
    sim_.reset();
  }
  if (temporary_kubeconfig_) {
    std::error_code ignored;
    std::filesystem::remove(kubeconfig_path_, ignored);
    temporary_kubeconfig_ = false;
  }
}

}  // namespace airunway::cli
