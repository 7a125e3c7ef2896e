#include "bench_kubesim.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "kubesim/sim_scenario.h"

namespace airunway::bench {

std::string InstallCrds(kubesim::ApiServer& api, const std::string& dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream file(entry.path());
    std::stringstream text;
    text << file.rdbuf();
    auto crd = kubesim::ScenarioYamlToJson(text.str());
    if (!crd || !crd->is_object()) return entry.path().string() + ": not a YAML object";
    auto created = api.CreateObject(crd->as_object());
    if (!kubesim::IsOk(created)) return entry.path().string() + ": " + std::get<kubesim::ApiStatus>(created).message;
  }
  if (error) return dir + ": " + error.message();
  return {};
}

kubesim::StoreResource StoreResourceOrExit(kubesim::ApiServer& api, const std::string& group,
                                           const std::string& version, const std::string& resource) {
  auto type = api.registry().Find(group, version, resource);
  if (!type) {
    std::cerr << group << "/" << version << " " << resource << " is not served by kubesim\n";
    std::exit(1);
  }
  return kubesim::ApiServer::StoreResourceFor(*type);
}

}  // namespace airunway::bench
