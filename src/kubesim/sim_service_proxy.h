// The service proxy of the simulated cluster: what answers behind
// `/api/v1/namespaces/{ns}/services/{name}:{port}/proxy/{path}`.
//
// ProxyToService looks up the Service and its Endpoints in the Store. Without a Ready address
// it answers like the real API server: 503 Status `no endpoints available for service "x"`
// (404 Status when the Service does not exist). With one, a simulated model server answers
// for the pod behind the address (round-robin), in the flavour of its image (vLLM by default,
// llama.cpp metric names for llama.cpp images):
//   GET  /health, /v1/models, /metrics (Prometheus text: request counts, running/waiting
//        requests, KV-cache usage, prompt/generation token counters, TTFT and latency
//        histograms — values grow with the traffic proxied plus a little background traffic
//        per scrape)
//   POST /v1/chat/completions, /v1/completions — OpenAI shape, non-streaming JSON or, with
//        "stream": true, Server-Sent Events chunks ending in `data: [DONE]`.
//
// The HTTP front copies `status`, `content_type`, `headers` and `body` into its response; for
// SSE it may instead write `chunks` one at a time (body is their concatenation).
//
// Thread-safety: safe from any thread. It reads the Store only; the traffic counters behind
// /metrics live in a process-wide table guarded by a mutex.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kubesim/sim_objects.h"
#include "kubesim/store.h"

namespace airunway::kubesim {

struct ProxyResult {
  int status = 200;
  std::string content_type;  // "application/json", "text/plain; version=0.0.4; charset=utf-8", "text/event-stream"
  std::map<std::string, std::string> headers;
  std::string body;
  std::vector<std::string> chunks;  // SSE events ("data: {...}\n\n"), when streaming
};

// `port` is the part after ':' in the proxy URL: a port name, a number, or "" (the first port).
// `path` starts with '/' and may carry a query string.
ProxyResult ProxyToService(const Store& store, std::string_view ns, std::string_view service, std::string_view port,
                           std::string_view method, std::string_view path, std::string_view body);
// The same with explicit StoreResources (when the API server keys tables differently).
ProxyResult ProxyToService(const Store& store, const SimResources& resources, std::string_view ns,
                           std::string_view service, std::string_view port, std::string_view method,
                           std::string_view path, std::string_view body);

}  // namespace airunway::kubesim
