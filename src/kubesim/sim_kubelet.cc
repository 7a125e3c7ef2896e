#include "kubesim/sim_kubelet.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>

#include "common/time.h"

namespace airunway::kubesim {

namespace json = boost::json;
using namespace simjson;
using SteadyClock = std::chrono::steady_clock;

namespace {

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::vector<std::string> StringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = Arr(o, key)) {
    for (const json::value& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

// vLLM-style "MM-DD HH:MM:SS" in UTC.
std::string ShortStamp() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string IsoStamp() { return common::FormatRfc3339Millis(std::chrono::system_clock::now()); }

}  // namespace

ModelServerInfo DescribeModelServer(const json::object& container) {
  ModelServerInfo info;
  const std::string image = Str(container, "image");
  std::vector<std::string> words = StringList(container, "command");
  for (std::string& a : StringList(container, "args")) words.push_back(std::move(a));
  std::string joined;
  for (const std::string& w : words) joined += w + " ";
  auto has = [&](std::string_view part) { return Contains(image, part) || Contains(joined, part); };
  if (has("vllm")) {
    info.kind = ServerKind::kVllm;
  } else if (has("sglang")) {
    info.kind = ServerKind::kSglang;
    info.port = 30000;
  } else if (has("llama.cpp") || has("llama-server") || has("llamacpp") || has("llama-cpp")) {
    info.kind = ServerKind::kLlamaCpp;
    info.port = 8080;
  } else if (has("tensorrt") || has("trtllm") || has("trt-llm")) {
    info.kind = ServerKind::kTrtLlm;
  }
  // Flags may come as "--model X" or "--model=X", and shell scripts as one string.
  std::vector<std::string> tokens;
  for (const std::string& w : words) {
    std::size_t start = 0;
    while (start < w.size()) {
      std::size_t end = w.find_first_of(" \t\n", start);
      if (end == std::string::npos) end = w.size();
      if (end > start) tokens.push_back(w.substr(start, end - start));
      start = end + 1;
    }
  }
  std::optional<std::string> model, port;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (t == flag && i + 1 < tokens.size()) return tokens[i + 1];
      if (t.size() > flag.size() + 1 && t.compare(0, flag.size(), flag) == 0 && t[flag.size()] == '=') {
        return t.substr(flag.size() + 1);
      }
      return std::nullopt;
    };
    for (std::string_view flag : {"--served-model-name", "--model", "--model-path", "-m", "--hf_model_dir"}) {
      if (auto v = value(flag); v && !model) model = v;
    }
    if (auto v = value("--port"); v) port = v;
    if (t == "serve" && i + 1 < tokens.size() && tokens[i + 1].rfind("-", 0) != 0 && !model) model = tokens[i + 1];
  }
  if (!model) {
    if (const json::array* env = Arr(container, "env")) {
      for (const json::value& e : *env) {
        if (!e.is_object()) continue;
        const std::string name = Str(e.get_object(), "name");
        if (name == "MODEL" || name == "MODEL_ID" || name == "MODEL_NAME") model = Str(e.get_object(), "value");
      }
    }
  }
  info.model = model && !model->empty() ? *model : "model";
  if (port) {
    try {
      info.port = std::stoi(*port);
    } catch (const std::exception&) {
    }
  } else if (const json::array* ports = Arr(container, "ports")) {
    if (!ports->empty() && (*ports)[0].is_object()) info.port = static_cast<int>(Int((*ports)[0].get_object(), "containerPort", info.port));
  }
  return info;
}

StartupLog StartupLogFor(const ModelServerInfo& info, const std::string& image) {
  StartupLog log;
  const std::string& m = info.model;
  switch (info.kind) {
    case ServerKind::kVllm: {
      auto line = [&](std::string_view where, const std::string& text) {
        return fmt::format("INFO {} [{}] {}", ShortStamp(), where, text);
      };
      log.before_ready = {
          line("__init__.py:239", "Automatically detected platform cuda."),
          line("api_server.py:1043", "vLLM API server version 0.8.5"),
          line("api_server.py:1044", fmt::format("args: Namespace(model='{}', host=None, port={}, "
                                                 "tensor_parallel_size=1, gpu_memory_utilization=0.9)", m, info.port)),
          line("config.py:717", "This model supports multiple tasks: {'generate'}. Defaulting to 'generate'."),
          line("core.py:58", fmt::format("Initializing a V1 LLM engine (v0.8.5) with config: model='{}', "
                                         "dtype=torch.bfloat16, max_seq_len=32768", m)),
          line("gpu_model_runner.py:1329", fmt::format("Starting to load model {}...", m)),
          line("weight_utils.py:265", "Using model weights format ['*.safetensors']"),
          line("default_loader.py:272", "Loading weights took 14.21 seconds"),
          line("gpu_model_runner.py:1347", "Model loading took 14.99 GiB and 15.482731 seconds"),
          line("kv_cache_utils.py:634", "GPU KV cache size: 412,848 tokens"),
          line("kv_cache_utils.py:637", "Maximum concurrency for 32,768 tokens per request: 12.60x"),
          line("gpu_model_runner.py:1686", "Graph capturing finished in 18 secs, took 0.53 GiB"),
          line("core.py:159", "init engine (profile, create kv cache, warmup model) took 31.87 seconds"),
      };
      log.at_ready = {
          line("api_server.py:1090", fmt::format("Starting vLLM API server on http://0.0.0.0:{}", info.port)),
          line("launcher.py:28", "Available routes are:"),
          line("launcher.py:36", "Route: /v1/models, Methods: GET"),
          line("launcher.py:36", "Route: /v1/chat/completions, Methods: POST"),
          line("launcher.py:36", "Route: /metrics, Methods: GET"),
          "INFO:     Started server process [1]",
          "INFO:     Waiting for application startup.",
          "INFO:     Application startup complete.",
      };
      break;
    }
    case ServerKind::kSglang:
      log.before_ready = {
          fmt::format("[{}] server_args=ServerArgs(model_path='{}', port={}, tp_size=1)", IsoStamp(), m, info.port),
          fmt::format("[{}] Load weight begin. avail mem=78.54 GB", IsoStamp()),
          fmt::format("[{}] Load weight end. type=Qwen2ForCausalLM, dtype=torch.bfloat16, avail mem=63.42 GB", IsoStamp()),
          fmt::format("[{}] KV Cache is allocated. #tokens: 398122, K size: 27.3 GB, V size: 27.3 GB", IsoStamp()),
          fmt::format("[{}] Capture cuda graph end. Time elapsed: 12.31 s", IsoStamp()),
      };
      log.at_ready = {
          "INFO:     Started server process [1]",
          "INFO:     Application startup complete.",
          fmt::format("INFO:     Uvicorn running on http://0.0.0.0:{} (Press CTRL+C to quit)", info.port),
          fmt::format("[{}] The server is fired up and ready to roll!", IsoStamp()),
      };
      break;
    case ServerKind::kLlamaCpp:
      log.before_ready = {
          "build: 5002 (2c3f8b85) with cc (GCC) 12.2.0 for x86_64-linux-gnu",
          "system info: n_threads = 16, n_threads_batch = 16, total_threads = 16",
          fmt::format("main: loading model"),
          fmt::format("llama_model_loader: loaded meta data with 35 key-value pairs from {}", m),
          "load_tensors: offloaded 33/33 layers to GPU",
          "llama_context: KV self size  = 4096.00 MiB, K (f16): 2048.00 MiB, V (f16): 2048.00 MiB",
      };
      log.at_ready = {
          fmt::format("main: server is listening on http://0.0.0.0:{} - starting the main loop", info.port),
          "srv  update_slots: all slots are idle",
      };
      break;
    case ServerKind::kTrtLlm:
      log.before_ready = {
          fmt::format("[TensorRT-LLM] TensorRT-LLM version: 0.18.0"),
          fmt::format("[TensorRT-LLM][INFO] Loading engine for {}", m),
          "[TensorRT-LLM][INFO] Loaded engine size: 15328 MiB",
          "[TensorRT-LLM][INFO] Allocated 54.21 GiB for max tokens in paged KV cache (446720).",
      };
      log.at_ready = {
          "INFO:     Started server process [1]",
          "INFO:     Application startup complete.",
          fmt::format("INFO:     Uvicorn running on http://0.0.0.0:{} (Press CTRL+C to quit)", info.port),
      };
      break;
    case ServerKind::kGeneric:
      log.before_ready = {fmt::format("{} starting container from image {}", IsoStamp(), image)};
      log.at_ready = {fmt::format("{} ready", IsoStamp())};
      break;
  }
  return log;
}

std::string PeriodicLogLine(const ModelServerInfo& info, int tick) {
  const double prompt = 120.0 + (tick * 37) % 400;
  const double gen = 40.0 + (tick * 53) % 300;
  const int running = (tick * 7) % 5;
  switch (info.kind) {
    case ServerKind::kVllm:
      return fmt::format("INFO {} [loggers.py:116] Engine 000: Avg prompt throughput: {:.1f} tokens/s, Avg generation "
                         "throughput: {:.1f} tokens/s, Running: {} reqs, Waiting: 0 reqs, GPU KV cache usage: {:.1f}%, "
                         "Prefix cache hit rate: {:.1f}%",
                         ShortStamp(), prompt, gen, running, running * 1.7, 35.0 + tick % 40);
    case ServerKind::kSglang:
      return fmt::format("[{}] Decode batch. #running-req: {}, #token: {}, token usage: 0.0{}, gen throughput (token/s): "
                         "{:.2f}, #queue-req: 0",
                         IsoStamp(), running, 1000 + tick * 13, running, gen);
    case ServerKind::kLlamaCpp:
      return fmt::format("srv  log_server_r: request: POST /v1/chat/completions 10.244.0.1 200 (eval {:.2f} tokens/s)", gen);
    case ServerKind::kTrtLlm:
      return fmt::format("[TensorRT-LLM][INFO] iter stats: active requests {}, gen throughput {:.1f} tokens/s", running, gen);
    case ServerKind::kGeneric:
      return fmt::format("{} heartbeat {}", IsoStamp(), tick);
  }
  return {};
}

namespace {

enum class Step {
  kPulling,         // waiting for the pull to finish
  kPullFailed,      // ErrImagePull, waiting for the back-off
  kPullBackOff,     // ImagePullBackOff, waiting to retry
  kCreating,        // Pulled; container being created
  kStarting,        // Created; starting
  kRunning,         // Started (Ready or not)
  kCrashBackOff,    // terminated, CrashLoopBackOff
  kTerminated,      // exited for good (run-to-completion or restartPolicy Never)
};

struct ContainerRuntime {
  std::string name;
  std::string image;
  ModelServerInfo server;
  Step step = Step::kPulling;
  SteadyClock::time_point due;  // when the current step ends
  int pull_failures = 0;
  int restarts = 0;
  bool ever_started = false;
  bool ready = false;
  bool unhealthy_reported = false;
  std::string container_id;
  std::string started_at;
  std::optional<json::object> last_terminated;
  json::object terminated;  // for Step::kTerminated
  SteadyClock::time_point ready_at;
  SteadyClock::time_point crash_at;
  SteadyClock::time_point finish_at;
  SteadyClock::time_point next_log;
  int log_tick = 0;
  std::string waiting_reason = "ContainerCreating";
  std::string waiting_message;
};

struct PodRuntime {
  std::string uid;
  std::string node;
  std::string pod_ip;
  std::string host_ip;
  std::string start_time;
  std::string restart_policy = "Always";
  std::vector<ContainerRuntime> containers;
};

std::string DefaultPullError(const std::string& image) {
  std::string ref = image;
  if (ref.find('/') == std::string::npos) ref = "docker.io/library/" + ref;
  return fmt::format("rpc error: code = NotFound desc = failed to pull and unpack image \"{}\": failed to resolve "
                     "reference \"{}\": {}: not found",
                     ref, ref, ref);
}

class Kubelet final : public SimController {
 public:
  explicit Kubelet(SimContext& ctx) : SimController("kubelet"), ctx_(ctx) {}
  ~Kubelet() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    if (!r.group.empty() || r.resource != "pods") return;
    const json::object& pod = *event.object;
    const json::object* spec = Obj(pod, "spec");
    if (event.type == WatchEventType::kDeleted || (spec && !Str(*spec, "nodeName").empty())) {
      Enqueue(ObjectKeyOf(Namespace(pod), Name(pod)));
    }
  }

  void Resync() override {
    auto pods = ctx_.store.List(ctx_.res.pods, "");
    if (!IsOk(pods)) return;
    for (const ObjectPtr& p : std::get<ListResult>(pods).items) {
      const json::object* spec = Obj(*p, "spec");
      if (spec && !Str(*spec, "nodeName").empty()) Enqueue(ObjectKeyOf(Namespace(*p), Name(*p)));
    }
  }

  void OnStopped() override { pods_.clear(); }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.pods, ns, name);
    if (!IsOk(got)) {
      if (pods_.erase(key)) ctx_.logs.RemovePod(ns, name);
      return;
    }
    const ObjectPtr pod = std::get<ObjectPtr>(got);
    const json::object* spec = Obj(*pod, "spec");
    if (!spec || Str(*spec, "nodeName").empty()) return;
    auto it = pods_.find(key);
    if (it != pods_.end() && it->second.uid != Uid(*pod)) {
      // A namesake replaced the pod (StatefulSets do this): its logs start afresh.
      ctx_.logs.RemovePod(ns, name);
      pods_.erase(it);
      it = pods_.end();
    }
    if (BeingDeleted(*pod)) return;
    const auto scenario = ctx_.scenario();
    const SteadyClock::time_point now = SteadyClock::now();
    bool adopted = false;
    if (it == pods_.end()) {
      if (auto running = Adopt(*pod, *spec, *scenario, now)) {
        it = pods_.emplace(key, std::move(*running)).first;
        adopted = true;
      } else {
        it = pods_.emplace(key, NewRuntime(*pod, *spec, *scenario, now)).first;
      }
    }
    PodRuntime& rt = it->second;

    if (!adopted) {
      for (ContainerRuntime& c : rt.containers) Advance(*pod, rt, c, *scenario, now);
      WriteStatus(*pod, rt);
    }
    SteadyClock::time_point next = SteadyClock::time_point::max();
    for (const ContainerRuntime& c : rt.containers) {
      if (c.step != Step::kTerminated) next = std::min(next, NextWake(c, *scenario));
    }
    if (next != SteadyClock::time_point::max()) {
      EnqueueAfter(key, std::max(next - SteadyClock::now(), SteadyClock::duration::zero()));
    }
  }

 private:
  PodRuntime NewRuntime(const json::object& pod, const json::object& spec, const Scenario& scenario,
                        SteadyClock::time_point now) {
    PodRuntime rt;
    rt.uid = Uid(pod);
    rt.node = Str(spec, "nodeName");
    rt.restart_policy = Str(spec, "restartPolicy").empty() ? "Always" : Str(spec, "restartPolicy");
    rt.start_time = NowRfc3339();
    // Pod and host IPs from the node's podCIDR and InternalIP, as the CNI and kubelet report.
    std::string prefix = "10.244.255.";
    auto node = ctx_.store.Get(ctx_.res.nodes, "", rt.node);
    if (IsOk(node)) {
      const json::object& n = *std::get<ObjectPtr>(node);
      const json::object* nspec = Obj(n, "spec");
      std::string cidr = nspec ? Str(*nspec, "podCIDR") : std::string();
      if (auto dot = cidr.rfind('.'); dot != std::string::npos && !cidr.empty()) prefix = cidr.substr(0, dot + 1);
      if (const json::object* status = Obj(n, "status")) {
        if (const json::array* addrs = Arr(*status, "addresses")) {
          for (const json::value& a : *addrs) {
            if (a.is_object() && Str(a.get_object(), "type") == "InternalIP") rt.host_ip = Str(a.get_object(), "address");
          }
        }
      }
    }
    int& counter = next_ip_[rt.node];
    counter = counter >= 250 ? 2 : counter + 1;
    if (counter < 2) counter = 2;
    rt.pod_ip = prefix + std::to_string(counter);
    if (const json::array* containers = Arr(spec, "containers")) {
      for (const json::value& cv : *containers) {
        if (!cv.is_object()) continue;
        ContainerRuntime c;
        c.name = Str(cv.get_object(), "name");
        c.image = Str(cv.get_object(), "image");
        c.server = DescribeModelServer(cv.get_object());
        c.step = Step::kPulling;
        c.due = now + scenario.TimingFor(Namespace(pod), Name(pod), c.image).pull;
        ctx_.events.Record(pod, "Normal", "Pulling", fmt::format("Pulling image \"{}\"", c.image), Source(rt),
                           FieldPath(c));
        rt.containers.push_back(std::move(c));
      }
    }
    return rt;
  }

  // A pod that is already Running and Ready (seeded so by a scenario's podSets, or left by an
  // earlier run of this kubelet) is taken over as it is, as a restarted kubelet does: no image
  // pull, no events, no status write. Nullopt when the pod still has to be started.
  std::optional<PodRuntime> Adopt(const json::object& pod, const json::object& spec, const Scenario& scenario,
                                  SteadyClock::time_point now) const {
    const json::object* status = Obj(pod, "status");
    if (!status || Str(*status, "phase") != "Running" || Str(*status, "podIP").empty()) return std::nullopt;
    const json::object* ready = Condition(pod, "Ready");
    if (!ready || Str(*ready, "status") != "True") return std::nullopt;
    const json::array* statuses = Arr(*status, "containerStatuses");
    const json::array* containers = Arr(spec, "containers");
    if (!statuses || !containers || statuses->size() != containers->size()) return std::nullopt;
    PodRuntime rt;
    rt.uid = Uid(pod);
    rt.node = Str(spec, "nodeName");
    rt.restart_policy = Str(spec, "restartPolicy").empty() ? "Always" : Str(spec, "restartPolicy");
    rt.start_time = Str(*status, "startTime");
    rt.pod_ip = Str(*status, "podIP");
    rt.host_ip = Str(*status, "hostIP");
    for (const json::value& cv : *containers) {
      if (!cv.is_object()) return std::nullopt;
      const json::object* observed = nullptr;
      for (const json::value& sv : *statuses) {
        if (sv.is_object() && Str(sv.get_object(), "name") == Str(cv.get_object(), "name")) observed = &sv.get_object();
      }
      const json::object* state = observed ? Obj(*observed, "state") : nullptr;
      const json::object* running = state ? Obj(*state, "running") : nullptr;
      if (!running || observed->if_contains("ready") == nullptr || !observed->at("ready").is_bool() ||
          !observed->at("ready").get_bool()) {
        return std::nullopt;
      }
      ContainerRuntime c;
      c.name = Str(cv.get_object(), "name");
      c.image = Str(cv.get_object(), "image");
      c.server = DescribeModelServer(cv.get_object());
      c.step = Step::kRunning;
      c.ever_started = true;
      c.ready = true;
      c.waiting_reason.clear();
      c.container_id = Str(*observed, "containerID");
      c.started_at = Str(*running, "startedAt");
      c.restarts = static_cast<int>(Int(*observed, "restartCount", 0));
      c.next_log = now + scenario.timing.log_interval;
      if (scenario.FindFault(FaultType::kCrash, Namespace(pod), Name(pod), c.image)) {
        c.crash_at = now + scenario.timing.crash_after;
      }
      rt.containers.push_back(std::move(c));
    }
    return rt;
  }

  EventSource Source(const PodRuntime& rt) const { return {"kubelet", rt.node}; }
  static std::string FieldPath(const ContainerRuntime& c) { return fmt::format("spec.containers{{{}}}", c.name); }

  static SteadyClock::duration Backoff(const Scenario& s, int attempt) {
    auto delay = s.timing.backoff_base;
    for (int i = 1; i < attempt && delay < s.timing.backoff_max; ++i) delay *= 2;
    return std::min(delay, s.timing.backoff_max);
  }

  SteadyClock::time_point NextWake(const ContainerRuntime& c, const Scenario& s) const {
    SteadyClock::time_point next = c.due;
    if (c.step == Step::kRunning) {
      next = SteadyClock::time_point::max();
      if (!c.ready) next = std::min(next, c.ready_at);
      if (c.crash_at != SteadyClock::time_point{}) next = std::min(next, c.crash_at);
      if (c.finish_at != SteadyClock::time_point{}) next = std::min(next, c.finish_at);
      if (s.timing.log_interval.count() > 0 && c.server.kind != ServerKind::kGeneric) next = std::min(next, c.next_log);
    }
    return next;
  }

  // Moves one container through every step that is due by `now`.
  void Advance(const json::object& pod, PodRuntime& rt, ContainerRuntime& c, const Scenario& s,
               SteadyClock::time_point now) {
    const std::string ns = Namespace(pod);
    const std::string pod_name = Name(pod);
    const EventSource source = Source(rt);
    const std::string field = FieldPath(c);
    const SimTiming timing = s.TimingFor(ns, pod_name, c.image);
    for (int guard = 0; guard < 64; ++guard) {
      switch (c.step) {
        case Step::kPulling: {
          if (c.due > now) return;
          if (const Fault* f = s.FindFault(FaultType::kImagePullError, ns, pod_name, c.image)) {
            const std::string detail = f->message.empty() ? DefaultPullError(c.image) : f->message;
            ++c.pull_failures;
            c.step = Step::kPullFailed;
            c.waiting_reason = "ErrImagePull";
            c.waiting_message = detail;
            c.due = now + Backoff(s, c.pull_failures);
            ctx_.events.Record(pod, "Warning", "Failed", fmt::format("Failed to pull image \"{}\": {}", c.image, detail),
                               source, field);
            ctx_.events.Record(pod, "Warning", "Failed", "Error: ErrImagePull", source, field);
            return;  // the status must show ErrImagePull before the back-off
          }
          const double seconds = std::chrono::duration<double>(timing.pull).count();
          ctx_.events.Record(pod, "Normal", "Pulled",
                             c.ever_started
                                 ? fmt::format("Container image \"{}\" already present on machine", c.image)
                                 : fmt::format("Successfully pulled image \"{}\" in {:.3g}s ({:.3g}s including waiting). "
                                               "Image size: {} bytes.",
                                               c.image, seconds, seconds, 4'000'000'000ULL + c.image.size() * 7919),
                             source, field);
          c.step = Step::kCreating;
          c.due = now + timing.create;
          break;
        }
        case Step::kPullFailed:
          if (c.due > now) return;
          c.step = Step::kPullBackOff;
          c.waiting_reason = "ImagePullBackOff";
          c.waiting_message = fmt::format("Back-off pulling image \"{}\"", c.image);
          c.due = now + Backoff(s, c.pull_failures);
          ctx_.events.Record(pod, "Normal", "BackOff", c.waiting_message, source, field);
          ctx_.events.Record(pod, "Warning", "Failed", "Error: ImagePullBackOff", source, field);
          return;
        case Step::kPullBackOff:
          if (c.due > now) return;
          c.step = Step::kPulling;
          c.due = now + timing.pull;
          ctx_.events.Record(pod, "Normal", "Pulling", fmt::format("Pulling image \"{}\"", c.image), source, field);
          break;
        case Step::kCreating:
          if (c.due > now) return;
          c.container_id = "containerd://" + ShortHash(rt.uid + c.name + std::to_string(c.restarts), 32);
          ctx_.events.Record(pod, "Normal", "Created", fmt::format("Created container {}", c.name), source, field);
          c.step = Step::kStarting;
          c.due = now + timing.start;
          break;
        case Step::kStarting: {
          if (c.due > now) return;
          ctx_.events.Record(pod, "Normal", "Started", fmt::format("Started container {}", c.name), source, field);
          c.step = Step::kRunning;
          c.ever_started = true;
          c.ready = false;
          c.unhealthy_reported = false;
          c.started_at = NowRfc3339();
          c.waiting_reason.clear();
          c.ready_at = now + timing.ready;
          c.next_log = now + s.timing.log_interval;
          c.crash_at = {};
          c.finish_at = {};
          if (s.FindFault(FaultType::kCrash, ns, pod_name, c.image)) c.crash_at = now + s.timing.crash_after;
          if (rt.restart_policy != "Always" && c.crash_at == SteadyClock::time_point{}) c.finish_at = now + s.timing.run;
          ctx_.logs.Append(ns, pod_name, c.name, Join(StartupLogFor(c.server, c.image).before_ready));
          break;
        }
        case Step::kRunning: {
          bool acted = false;
          if (c.crash_at != SteadyClock::time_point{} && c.crash_at <= now) {
            Crash(pod, rt, c, s, now);
            acted = true;
            if (c.step != Step::kRunning) break;
          }
          if (c.finish_at != SteadyClock::time_point{} && c.finish_at <= now) {
            c.terminated = json::object{{"exitCode", 0},
                                        {"reason", "Completed"},
                                        {"startedAt", c.started_at},
                                        {"finishedAt", NowRfc3339()},
                                        {"containerID", c.container_id}};
            c.step = Step::kTerminated;
            c.ready = false;
            ctx_.logs.Append(ns, pod_name, c.name, fmt::format("{} completed", IsoStamp()));
            return;
          }
          if (!c.ready && c.ready_at <= now) {
            if (s.FindFault(FaultType::kNeverReady, ns, pod_name, c.image)) {
              if (!c.unhealthy_reported) {
                c.unhealthy_reported = true;
                ctx_.events.Record(pod, "Warning", "Unhealthy",
                                   fmt::format("Readiness probe failed: Get \"http://{}:{}/health\": dial tcp {}:{}: "
                                               "connect: connection refused",
                                               rt.pod_ip, c.server.port, rt.pod_ip, c.server.port),
                                   source, field);
              }
              c.ready_at = SteadyClock::time_point::max();
            } else {
              c.ready = true;
              ctx_.logs.Append(ns, pod_name, c.name, Join(StartupLogFor(c.server, c.image).at_ready));
            }
            acted = true;
          }
          if (s.timing.log_interval.count() > 0 && c.server.kind != ServerKind::kGeneric && c.ready &&
              c.next_log <= now) {
            ctx_.logs.Append(ns, pod_name, c.name, PeriodicLogLine(c.server, ++c.log_tick));
            c.next_log = now + s.timing.log_interval;
          }
          if (!acted) return;
          break;
        }
        case Step::kCrashBackOff:
          if (c.due > now) return;
          // Restart: the image is already present.
          c.step = Step::kCreating;
          c.due = now + timing.create;
          ctx_.events.Record(pod, "Normal", "Pulled", fmt::format("Container image \"{}\" already present on machine", c.image),
                             source, field);
          break;
        case Step::kTerminated:
          return;
      }
    }
  }

  void Crash(const json::object& pod, PodRuntime& rt, ContainerRuntime& c, const Scenario& s,
             SteadyClock::time_point now) {
    const Fault* fault = s.FindFault(FaultType::kCrash, Namespace(pod), Name(pod), c.image);
    const int exit_code = fault ? fault->exit_code : 1;
    json::object terminated{{"exitCode", exit_code},
                            {"reason", "Error"},
                            {"startedAt", c.started_at},
                            {"finishedAt", NowRfc3339()},
                            {"containerID", c.container_id}};
    c.ready = false;
    c.crash_at = {};
    const std::string why = c.server.kind == ServerKind::kVllm
                                ? "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB."
                                : fmt::format("fatal error: exiting with code {}", exit_code);
    ctx_.logs.Append(Namespace(pod), Name(pod), c.name, fmt::format("ERROR {} {}", IsoStamp(), why));
    if (rt.restart_policy == "Never") {
      c.terminated = std::move(terminated);
      c.step = Step::kTerminated;
      return;
    }
    c.last_terminated = std::move(terminated);
    ++c.restarts;
    c.step = Step::kCrashBackOff;
    const auto delay = Backoff(s, c.restarts);
    c.due = now + delay;
    c.waiting_reason = "CrashLoopBackOff";
    c.waiting_message =
        fmt::format("back-off {}s restarting failed container={} pod={}_{}({})",
                    std::chrono::duration_cast<std::chrono::seconds>(delay).count(), c.name, Name(pod),
                    Namespace(pod), rt.uid);
    ctx_.events.Record(pod, "Warning", "BackOff",
                       fmt::format("Back-off restarting failed container {} in pod {}_{}({})", c.name, Name(pod),
                                   Namespace(pod), rt.uid),
                       Source(rt), FieldPath(c));
  }

  static std::string Join(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }

  json::object ContainerStatus(const ContainerRuntime& c) const {
    json::object st{{"name", c.name},
                    {"image", c.image},
                    {"imageID", c.ever_started || c.step >= Step::kCreating ? "sha256:" + ShortHash(c.image, 40) : ""},
                    {"ready", c.ready},
                    {"restartCount", c.restarts},
                    {"started", c.step == Step::kRunning}};
    if (!c.container_id.empty()) st["containerID"] = c.container_id;
    json::object state;
    if (c.step == Step::kRunning) {
      state["running"] = json::object{{"startedAt", c.started_at}};
    } else if (c.step == Step::kTerminated) {
      state["terminated"] = c.terminated;
    } else {
      json::object waiting{{"reason", c.waiting_reason.empty() ? "ContainerCreating" : c.waiting_reason}};
      if (!c.waiting_message.empty() && !c.waiting_reason.empty()) waiting["message"] = c.waiting_message;
      state["waiting"] = std::move(waiting);
    }
    st["state"] = std::move(state);
    st["lastState"] = c.last_terminated ? json::object{{"terminated", *c.last_terminated}} : json::object();
    return st;
  }

  void WriteStatus(const json::object& pod, const PodRuntime& rt) {
    json::array statuses;
    std::vector<std::string> unready;
    bool all_started = true, any_running = false, all_terminated = true, all_succeeded = true;
    for (const ContainerRuntime& c : rt.containers) {
      statuses.push_back(ContainerStatus(c));
      if (!c.ready) unready.push_back(c.name);
      all_started = all_started && c.ever_started;
      any_running = any_running || c.step == Step::kRunning;
      all_terminated = all_terminated && c.step == Step::kTerminated;
      all_succeeded = all_succeeded && c.step == Step::kTerminated && Int(c.terminated, "exitCode", 1) == 0;
    }
    std::string phase = "Pending";
    if (!rt.containers.empty() && all_terminated) {
      phase = all_succeeded ? "Succeeded" : "Failed";
    } else if (all_started || any_running) {
      phase = "Running";
    }
    const bool ready = unready.empty() && !rt.containers.empty() && phase == "Running";
    std::string unready_list;
    for (const std::string& n : unready) unready_list += (unready_list.empty() ? "" : " ") + n;
    const std::string now = NowRfc3339();
    const std::string uid = rt.uid;
    ctx_.store.Mutate(
        ctx_.res.pods, Namespace(pod), Name(pod),
        [&](const json::object& current) -> ApiResult<json::object> {
          json::object next = current;
          if (Uid(current) != uid) return next;
          json::object& status = EnsureObj(next, "status");
          status["phase"] = phase;
          status["hostIP"] = rt.host_ip;
          status["hostIPs"] = json::array{json::object{{"ip", rt.host_ip}}};
          status["podIP"] = rt.pod_ip;
          status["podIPs"] = json::array{json::object{{"ip", rt.pod_ip}}};
          status["startTime"] = status.contains("startTime") ? status["startTime"] : json::value(rt.start_time);
          if (!status.contains("qosClass")) status["qosClass"] = QosClass(pod);
          json::object probe{{"lastProbeTime", nullptr}};
          SetCondition(status, "PodReadyToStartContainers", "True", "", "", now, probe);
          SetCondition(status, "Initialized", "True", "", "", now, probe);
          const bool completed = phase == "Succeeded" || phase == "Failed";
          if (ready) {
            SetCondition(status, "ContainersReady", "True", "", "", now, probe);
            SetCondition(status, "Ready", "True", "", "", now, probe);
          } else if (completed) {
            SetCondition(status, "ContainersReady", "False", "PodCompleted", "", now, probe);
            SetCondition(status, "Ready", "False", "PodCompleted", "", now, probe);
          } else {
            const std::string message = fmt::format("containers with unready status: [{}]", unready_list);
            SetCondition(status, "ContainersReady", "False", "ContainersNotReady", message, now, probe);
            SetCondition(status, "Ready", "False", "ContainersNotReady", message, now, probe);
          }
          SetCondition(status, "PodScheduled", "True", "", "", now, probe);
          status["containerStatuses"] = statuses;
          return next;
        },
        /*status_only=*/true);
  }

  // Guaranteed needs requests == limits for cpu and memory everywhere; approximated as
  // "limits for both, and requests equal or absent".
  static std::string QosClass(const json::object& pod) {
    const json::object* spec = Obj(pod, "spec");
    const json::array* containers = spec ? Arr(*spec, "containers") : nullptr;
    if (!containers) return "BestEffort";
    bool any = false, guaranteed = true;
    for (const json::value& cv : *containers) {
      const json::object* res = cv.is_object() ? Obj(cv.get_object(), "resources") : nullptr;
      const json::object* req = res ? Obj(*res, "requests") : nullptr;
      const json::object* lim = res ? Obj(*res, "limits") : nullptr;
      if ((req && !req->empty()) || (lim && !lim->empty())) any = true;
      for (const char* r : {"cpu", "memory"}) {
        const json::value* l = lim ? lim->if_contains(r) : nullptr;
        const json::value* q = req ? req->if_contains(r) : nullptr;
        if (!l || (q && *q != *l)) guaranteed = false;
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  SimContext& ctx_;
  std::map<std::string, PodRuntime> pods_;  // worker thread only
  std::map<std::string, int> next_ip_;      // worker thread only: node -> last host number
};

}  // namespace

std::unique_ptr<SimController> MakeKubelet(SimContext& context) { return std::make_unique<Kubelet>(context); }

}  // namespace airunway::kubesim
