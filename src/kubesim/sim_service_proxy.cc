#include "kubesim/sim_service_proxy.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>

#include "common/json.h"
#include "kubesim/sim_kubelet.h"

namespace airunway::kubesim {

namespace json = boost::json;
using namespace simjson;

namespace {

// Bucket bounds of the latency histograms (seconds).
constexpr double kTtftBuckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
constexpr double kLatencyBuckets[] = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 5.0, 10.0, 20.0, 60.0};

struct Histogram {
  std::vector<std::uint64_t> counts;  // per bucket, non-cumulative
  double sum = 0;
  std::uint64_t count = 0;
};

struct Traffic {
  std::uint64_t requests = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t generation_tokens = 0;
  std::uint64_t scrapes = 0;
  Histogram ttft;
  Histogram latency;
};

std::mutex traffic_mu;
std::map<std::string, Traffic>& TrafficTable() {  // guarded by traffic_mu; key "ns/service"
  static auto* table = new std::map<std::string, Traffic>();
  return *table;
}

void Observe(Histogram& h, const double* bounds, std::size_t n, double value) {
  if (h.counts.size() != n + 1) h.counts.assign(n + 1, 0);
  std::size_t i = 0;
  while (i < n && value > bounds[i]) ++i;
  ++h.counts[i];
  h.sum += value;
  ++h.count;
}

void Record(Traffic& t, std::uint64_t prompt, std::uint64_t generated, int salt) {
  ++t.requests;
  t.prompt_tokens += prompt;
  t.generation_tokens += generated;
  Observe(t.ttft, kTtftBuckets, std::size(kTtftBuckets), 0.02 + 0.01 * (salt % 9));
  Observe(t.latency, kLatencyBuckets, std::size(kLatencyBuckets), 0.25 + 0.02 * static_cast<double>(generated));
}

ProxyResult StatusResult(const ApiStatus& status) {
  ProxyResult r;
  r.status = status.code;
  r.content_type = "application/json";
  r.body = json::serialize(status.ToJson());
  return r;
}

ProxyResult JsonResult(int code, const json::value& value) {
  ProxyResult r;
  r.status = code;
  r.content_type = "application/json";
  r.body = json::serialize(value);
  return r;
}

ProxyResult OpenAiError(int code, const std::string& type, const std::string& message) {
  return JsonResult(code, json::object{{"object", "error"},
                                       {"message", message},
                                       {"type", type},
                                       {"param", nullptr},
                                       {"code", code}});
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::uint64_t CountTokens(std::string_view text) {
  std::uint64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words + words / 3 + 1;  // roughly 4 tokens per 3 words
}

std::vector<std::string> SyntheticWords(const std::string& model, std::string_view prompt, std::int64_t max_tokens) {
  std::string text = fmt::format(
      "This is a simulated reply from {} running on a kubesim cluster. You asked about \"{}\". A real model server "
      "would generate an answer here; this one returns synthetic text so that clients, dashboards and tests can run "
      "end to end.",
      model, prompt.substr(0, 60));
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  if (max_tokens > 0 && static_cast<std::size_t>(max_tokens) < words.size()) words.resize(static_cast<std::size_t>(max_tokens));
  return words;
}

std::string Metrics(const Traffic& t, const ModelServerInfo& info) {
  std::string out;
  const std::string& m = info.model;
  auto line = [&](const std::string& text) { out += text + "\n"; };
  const int running = static_cast<int>(t.scrapes % 4);
  const double kv = 0.05 + 0.03 * static_cast<double>(running);
  if (info.kind == ServerKind::kLlamaCpp) {
    line("# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.");
    line("# TYPE llamacpp:prompt_tokens_total counter");
    line(fmt::format("llamacpp:prompt_tokens_total {}", t.prompt_tokens));
    line("# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.");
    line("# TYPE llamacpp:tokens_predicted_total counter");
    line(fmt::format("llamacpp:tokens_predicted_total {}", t.generation_tokens));
    line("# HELP llamacpp:prompt_tokens_seconds Average prompt throughput in tokens/s.");
    line("# TYPE llamacpp:prompt_tokens_seconds gauge");
    line(fmt::format("llamacpp:prompt_tokens_seconds {:.2f}", 850.0 + static_cast<double>(t.scrapes % 50)));
    line("# HELP llamacpp:predicted_tokens_seconds Average generation throughput in tokens/s.");
    line("# TYPE llamacpp:predicted_tokens_seconds gauge");
    line(fmt::format("llamacpp:predicted_tokens_seconds {:.2f}", 42.0 + static_cast<double>(t.scrapes % 10)));
    line("# HELP llamacpp:kv_cache_usage_ratio KV-cache usage. 1 means 100 percent usage.");
    line("# TYPE llamacpp:kv_cache_usage_ratio gauge");
    line(fmt::format("llamacpp:kv_cache_usage_ratio {:.3f}", kv));
    line("# HELP llamacpp:requests_processing Number of requests processing.");
    line("# TYPE llamacpp:requests_processing gauge");
    line(fmt::format("llamacpp:requests_processing {}", running));
    line("# HELP llamacpp:requests_deferred Number of requests deferred.");
    line("# TYPE llamacpp:requests_deferred gauge");
    line("llamacpp:requests_deferred 0");
    return out;
  }
  const std::string labels = fmt::format("model_name=\"{}\"", m);
  auto gauge = [&](const char* name, const char* help, const std::string& value) {
    line(fmt::format("# HELP {} {}", name, help));
    line(fmt::format("# TYPE {} gauge", name));
    line(fmt::format("{}{{{}}} {}", name, labels, value));
  };
  auto counter = [&](const char* name, const char* help, std::uint64_t value, const std::string& extra = "") {
    line(fmt::format("# HELP {} {}", name, help));
    line(fmt::format("# TYPE {} counter", name));
    line(fmt::format("{}{{{}{}}} {}.0", name, extra, labels, value));
  };
  auto histogram = [&](const char* name, const char* help, const Histogram& h, const double* bounds, std::size_t n) {
    line(fmt::format("# HELP {} {}", name, help));
    line(fmt::format("# TYPE {} histogram", name));
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < n; ++i) {
      cumulative += i < h.counts.size() ? h.counts[i] : 0;
      line(fmt::format("{}_bucket{{le=\"{}\",{}}} {}.0", name, bounds[i], labels, cumulative));
    }
    line(fmt::format("{}_bucket{{le=\"+Inf\",{}}} {}.0", name, labels, h.count));
    line(fmt::format("{}_count{{{}}} {}.0", name, labels, h.count));
    line(fmt::format("{}_sum{{{}}} {}", name, labels, h.sum));
  };
  gauge("vllm:num_requests_running", "Number of requests in model execution batches.", std::to_string(running));
  gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", "0.0");
  gauge("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.", fmt::format("{:.4f}", kv));
  gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", fmt::format("{:.4f}", kv));
  counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", t.prompt_tokens);
  counter("vllm:generation_tokens_total", "Number of generation tokens processed.", t.generation_tokens);
  counter("vllm:request_success_total", "Count of successfully processed requests.", t.requests,
          "finished_reason=\"stop\",");
  histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", t.ttft, kTtftBuckets,
            std::size(kTtftBuckets));
  histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", t.latency,
            kLatencyBuckets, std::size(kLatencyBuckets));
  return out;
}

// The last user message (chat) or the prompt (completions).
std::string PromptOf(const json::object& request, bool chat) {
  if (!chat) {
    const json::value* p = request.if_contains("prompt");
    if (p && p->is_string()) return std::string(p->get_string());
    return {};
  }
  std::string last;
  if (const json::array* messages = Arr(request, "messages")) {
    for (const json::value& m : *messages) {
      if (!m.is_object()) continue;
      const json::value* content = m.get_object().if_contains("content");
      if (content && content->is_string()) last = std::string(content->get_string());
    }
  }
  return last;
}

ProxyResult Completion(const std::string& key, const ModelServerInfo& info, std::string_view body, bool chat) {
  auto parsed = common::ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return OpenAiError(400, "BadRequestError", parsed ? "request body must be a JSON object" : parsed.error().message);
  }
  const json::object& request = parsed->get_object();
  const std::string model = Str(request, "model");
  if (!model.empty() && model != info.model) {
    return OpenAiError(404, "NotFoundError", fmt::format("The model `{}` does not exist.", model));
  }
  if (chat && !Arr(request, "messages")) return OpenAiError(400, "BadRequestError", "messages: Field required");
  const std::string prompt = PromptOf(request, chat);
  std::int64_t max_tokens = Int(request, "max_tokens", Int(request, "max_completion_tokens", 0));
  std::vector<std::string> words = SyntheticWords(info.model, prompt, max_tokens);
  std::string text;
  for (const std::string& w : words) text += (text.empty() ? "" : " ") + w;
  const std::uint64_t prompt_tokens = CountTokens(prompt) + (chat ? 8 : 0);
  const std::uint64_t completion_tokens = words.size();
  const std::string finish = max_tokens > 0 && words.size() >= static_cast<std::size_t>(max_tokens) ? "length" : "stop";
  static std::atomic<std::uint64_t> sequence{1};
  const std::uint64_t n = sequence++;
  const std::string id = fmt::format("{}-{}", chat ? "chatcmpl" : "cmpl", ShortHash(key + std::to_string(n), 24));
  const std::int64_t created = UnixNow();
  {
    std::lock_guard lock(traffic_mu);
    Record(TrafficTable()[key], prompt_tokens, completion_tokens, static_cast<int>(n));
  }
  json::object usage{{"prompt_tokens", prompt_tokens},
                     {"total_tokens", prompt_tokens + completion_tokens},
                     {"completion_tokens", completion_tokens}};
  const char* object = chat ? "chat.completion" : "text_completion";
  const json::value* stream = request.if_contains("stream");
  if (!(stream && stream->is_bool() && stream->get_bool())) {
    json::object choice{{"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish}};
    if (chat) {
      choice["message"] = json::object{{"role", "assistant"}, {"content", text}};
    } else {
      choice["text"] = text;
    }
    return JsonResult(200, json::object{{"id", id},
                                        {"object", object},
                                        {"created", created},
                                        {"model", info.model},
                                        {"choices", json::array{std::move(choice)}},
                                        {"usage", std::move(usage)}});
  }
  ProxyResult r;
  r.content_type = "text/event-stream";
  r.headers["Cache-Control"] = "no-cache";
  const char* chunk_object = chat ? "chat.completion.chunk" : "text_completion";
  auto emit = [&](json::object choice, bool with_usage = false) {
    json::object chunk{{"id", id}, {"object", chunk_object}, {"created", created}, {"model", info.model},
                       {"choices", json::array{std::move(choice)}}};
    if (with_usage) chunk["usage"] = usage;
    r.chunks.push_back("data: " + json::serialize(chunk) + "\n\n");
  };
  auto delta = [&](const std::string& content, bool first) {
    json::object choice{{"index", 0}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
    if (chat) {
      json::object d{{"content", content}};
      if (first) d["role"] = "assistant";
      choice["delta"] = std::move(d);
    } else {
      choice["text"] = content;
    }
    return choice;
  };
  if (chat) emit(delta("", true));
  for (std::size_t i = 0; i < words.size(); ++i) emit(delta((i == 0 ? "" : " ") + words[i], false));
  json::object last = delta("", false);
  last["finish_reason"] = finish;
  const json::object* options = Obj(request, "stream_options");
  const json::value* include_usage = options ? options->if_contains("include_usage") : nullptr;
  emit(std::move(last), include_usage && include_usage->is_bool() && include_usage->get_bool());
  r.chunks.push_back("data: [DONE]\n\n");
  for (const std::string& c : r.chunks) r.body += c;
  return r;
}

}  // namespace

ProxyResult ProxyToService(const Store& store, std::string_view ns, std::string_view service, std::string_view port,
                           std::string_view method, std::string_view path, std::string_view body) {
  static const SimResources kResources = SimResources::Builtin();
  return ProxyToService(store, kResources, ns, service, port, method, path, body);
}

ProxyResult ProxyToService(const Store& store, const SimResources& res, std::string_view ns, std::string_view service,
                           std::string_view port, std::string_view method, std::string_view path,
                           std::string_view body) {
  auto svc = store.Get(res.services, ns, service);
  if (!IsOk(svc)) return StatusResult(std::get<ApiStatus>(svc));
  ApiStatus unavailable;
  unavailable.code = 503;
  unavailable.reason = "ServiceUnavailable";
  unavailable.message = fmt::format("no endpoints available for service \"{}\"", service);

  // The service port asked for must exist (by name or number).
  const json::object* spec = Obj(*std::get<ObjectPtr>(svc), "spec");
  const json::array* ports = spec ? Arr(*spec, "ports") : nullptr;
  std::string port_name;
  bool port_found = port.empty();
  if (ports) {
    for (const json::value& pv : *ports) {
      if (!pv.is_object()) continue;
      const json::object& p = pv.get_object();
      if (port.empty() || Str(p, "name") == port || std::to_string(Int(p, "port", -1)) == port) {
        port_found = true;
        port_name = Str(p, "name");
        break;
      }
    }
  }
  if (!port_found) return StatusResult(unavailable);

  auto endpoints = store.Get(res.endpoints, ns, service);
  if (!IsOk(endpoints)) return StatusResult(unavailable);
  std::vector<const json::object*> addresses;
  if (const json::array* subsets = Arr(*std::get<ObjectPtr>(endpoints), "subsets")) {
    for (const json::value& s : *subsets) {
      if (!s.is_object()) continue;
      if (const json::array* a = Arr(s.get_object(), "addresses")) {
        for (const json::value& addr : *a) {
          if (addr.is_object()) addresses.push_back(&addr.get_object());
        }
      }
    }
  }
  if (addresses.empty()) return StatusResult(unavailable);
  static std::atomic<std::uint64_t> round_robin{0};
  const json::object& address = *addresses[round_robin++ % addresses.size()];

  ModelServerInfo info;
  const json::object* target = Obj(address, "targetRef");
  if (target) {
    auto pod = store.Get(res.pods, Str(*target, "namespace").empty() ? std::string(ns) : Str(*target, "namespace"),
                         Str(*target, "name"));
    if (IsOk(pod)) {
      const json::object* pod_spec = Obj(*std::get<ObjectPtr>(pod), "spec");
      const json::array* containers = pod_spec ? Arr(*pod_spec, "containers") : nullptr;
      if (containers && !containers->empty() && (*containers)[0].is_object()) {
        info = DescribeModelServer((*containers)[0].get_object());
      }
    }
  }

  const std::string key = ObjectKeyOf(ns, service);
  std::string_view route = path.substr(0, path.find('?'));
  if (route.empty()) route = "/";
  if (method == "GET" && (route == "/health" || route == "/healthz" || route == "/ping")) {
    ProxyResult r;
    r.content_type = "application/json";
    r.body = info.kind == ServerKind::kLlamaCpp ? R"({"status":"ok"})" : "";
    return r;
  }
  if (method == "GET" && route == "/v1/models") {
    const char* owner = info.kind == ServerKind::kLlamaCpp ? "llamacpp" : info.kind == ServerKind::kSglang ? "sglang" : "vllm";
    return JsonResult(200, json::object{{"object", "list"},
                                        {"data", json::array{json::object{{"id", info.model},
                                                                          {"object", "model"},
                                                                          {"created", UnixNow()},
                                                                          {"owned_by", owner},
                                                                          {"root", info.model},
                                                                          {"parent", nullptr},
                                                                          {"max_model_len", 32768}}}}});
  }
  if (method == "GET" && route == "/metrics") {
    Traffic snapshot;
    {
      std::lock_guard lock(traffic_mu);
      Traffic& t = TrafficTable()[key];
      // A little background traffic per scrape, so dashboards see numbers move.
      ++t.scrapes;
      Record(t, 40 + t.scrapes % 100, 20 + t.scrapes % 50, static_cast<int>(t.scrapes));
      snapshot = t;
    }
    ProxyResult r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = Metrics(snapshot, info);
    return r;
  }
  if (method == "POST" && route == "/v1/chat/completions") return Completion(key, info, body, true);
  if (method == "POST" && route == "/v1/completions") return Completion(key, info, body, false);
  if (route == "/v1/models" || route == "/metrics" || route == "/v1/chat/completions" || route == "/v1/completions") {
    return JsonResult(405, json::object{{"detail", "Method Not Allowed"}});
  }
  (void)port_name;
  return JsonResult(404, json::object{{"detail", "Not Found"}});
}

}  // namespace airunway::kubesim
