#include "kubesim/simulator.h"

#include <fmt/format.h>

#include "kubesim/sim_service_proxy.h"

namespace airunway::kubesim {

http::Response ToHttpResponse(const ProxyResult& result) {
  std::string type = result.content_type.empty() ? "application/json" : result.content_type;
  http::Response response;
  if (!result.chunks.empty()) {
    auto stream = std::make_shared<http::BodyStream>();
    for (const auto& chunk : result.chunks) stream->Write(chunk);
    stream->Close();
    response = http::Response::Streaming(result.status, stream, type);
  } else {
    response = http::Response::Text(result.status, result.body, type);
  }
  for (const auto& [name, value] : result.headers) response.headers.Set(name, value);
  return response;
}

Simulator::Simulator(SimulatorOptions options) : options_(std::move(options)), api_(options_.api) {}

Simulator::~Simulator() { Stop(); }

common::Status Simulator::Start() {
  if (!options_.scenario.empty()) {
    auto scenario = LoadScenario(options_.scenario);
    if (!scenario) {
      return common::MakeError(scenario.error().code,
                               fmt::format("scenario \"{}\": {}", options_.scenario, scenario.error().message));
    }
    // The API side of the scenario: extra identities, who may do what, and API faults.
    for (const ScenarioUser& user : scenario->users) {
      if (auto added = api_.authenticator().AddToken(user.token, UserInfo{user.name, user.uid, user.groups});
          !added) {
        return common::MakeError(added.error().code, fmt::format("scenario \"{}\": users: {}", options_.scenario,
                                                                 added.error().message));
      }
    }
    if (scenario->authorization && !options_.api.authorization) api_.authorizer().SetPolicy(*scenario->authorization);
    if (!scenario->api_faults.rules.empty()) api_.SetFaults(scenario->api_faults);
    SimulatedClusterOptions cluster_options;
    cluster_options.registry = &api_.registry();
    cluster_options.store_resource_for = &ApiServer::StoreResourceFor;
    cluster_options.create_object = [this](boost::json::object object) { return api_.CreateObject(std::move(object)); };
    cluster_ = std::make_unique<SimulatedCluster>(api_.store(), api_.logs(), std::move(*scenario),
                                                  std::move(cluster_options));
    if (auto started = cluster_->Start(); !started) return started;
    api_.SetServiceProxy([this](const ProxyRequest& request) {
      std::string_view service = request.service;
      std::string_view port;
      if (auto colon = service.find(':'); colon != std::string_view::npos) {
        port = service.substr(colon + 1);
        service = service.substr(0, colon);
      }
      return ToHttpResponse(ProxyToService(api_.store(), cluster_->resources(), request.namespace_name, service,
                                           port, request.method, "/" + request.path, request.body));
    });
  }
  return api_.Start();
}

void Simulator::Stop() {
  if (stopped_) return;
  stopped_ = true;
  api_.Stop();
  api_.Wait();
  if (cluster_) cluster_->Stop();
}

}  // namespace airunway::kubesim
