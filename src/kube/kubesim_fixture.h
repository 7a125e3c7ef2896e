// Test fixture: a kubesim API server over HTTPS and a kube::Client for its admin user,
// plus helpers to build kubeconfigs and to wait for conditions with a deadline.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kube/client.h"
#include "common/json.h"
#include "kube/config.h"
#include "kubesim/api_server.h"

namespace airunway::kube::testing {

inline boost::json::object Json(std::string_view text) { return boost::json::parse(text).as_object(); }

inline boost::json::object ConfigMap(std::string_view name, boost::json::object labels = {},
                                     std::string_view ns = "default") {
  return boost::json::object{{"apiVersion", "v1"},
                             {"kind", "ConfigMap"},
                             {"metadata", {{"name", name}, {"namespace", ns}, {"labels", std::move(labels)}}},
                             {"data", {{"key", "value"}}}};
}

inline boost::json::object Pod(std::string_view name, std::string_view node = {}) {
  boost::json::object spec{{"containers", boost::json::array{{{"name", "main"}, {"image", "busybox"}}}}};
  if (!node.empty()) spec["nodeName"] = node;
  return boost::json::object{{"apiVersion", "v1"},
                             {"kind", "Pod"},
                             {"metadata", {{"name", name}, {"namespace", "default"}}},
                             {"spec", std::move(spec)}};
}

inline std::string Str(const boost::json::object& object, std::initializer_list<std::string_view> path) {
  const auto* value = common::FindPath(object, path);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

// Polls `condition` until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

inline Config MustConfig(const std::string& yaml) {
  auto kubeconfig = Kubeconfig::Parse(yaml, "kubesim.yaml");
  EXPECT_TRUE(kubeconfig) << (kubeconfig ? "" : kubeconfig.error().message);
  if (!kubeconfig) return {};
  auto config = kubeconfig->Resolve();
  EXPECT_TRUE(config) << (config ? "" : config.error().message);
  return config ? *config : Config{};
}

class KubesimTest : public ::testing::Test {
 protected:
  explicit KubesimTest(kubesim::ApiServerOptions options = {}) : sim_(std::move(options)) {}

  void SetUp() override {
    auto started = sim_.Start();
    ASSERT_TRUE(started) << started.error().message;
    config_ = MustConfig(sim_.KubeconfigYaml());
    client_ = std::make_shared<Client>(config_, Options());
  }
  void TearDown() override {
    sim_.Stop();
    sim_.Wait();
  }

  static ClientOptions Options() {
    ClientOptions options;
    options.timeout = std::chrono::seconds(10);
    options.discovery_miss_ttl = std::chrono::milliseconds(0);
    return options;
  }

  // A kubeconfig for sim_ with `user` as the user entry (YAML flow map).
  std::string KubeconfigWithUser(const std::string& user) const {
    return "apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster:\n    server: " +
           sim_.url() + "\n    certificate-authority: " + CaFile() + "\nusers:\n- name: u\n  user: " + user +
           "\ncontexts:\n- name: t\n  context: {cluster: c, user: u}\n";
  }
  std::string CaFile() const {
    static int counter = 0;
    std::string path = ::testing::TempDir() + "/kubesim-ca-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter++) + ".crt";
    FILE* file = std::fopen(path.c_str(), "w");
    std::fputs(sim_.ca_pem().c_str(), file);
    std::fclose(file);
    return path;
  }

  kubesim::ApiServer sim_;
  Config config_;
  std::shared_ptr<Client> client_;
};

}  // namespace airunway::kube::testing
