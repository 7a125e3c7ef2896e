// Test fixture: a kubesim API server over HTTPS and a kube::Client for its admin user,
// plus helpers to build kubeconfigs, to write scratch files, to ask kubesim who a client is,
// and to wait for conditions with a deadline.
//
// Test files bring the helpers in with `using namespace testing;` inside airunway::kube.
// Ownership: each KubesimTest owns its server, its admin client and a scratch directory
// that TearDown removes. Thread-safety: helpers are for the test thread; WaitFor's
// condition may read state that other threads change.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kube/client.h"
#include "common/json.h"
#include "http/message.h"
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

// Writes `content` to `path` (replacing it) and says whether that worked.
inline bool WriteTextFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out.flush());
}

// A fresh directory below the test temp dir, unique within the test binary's run.
inline std::string MakeScratchDir(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::string path = ::testing::TempDir() + "/" + std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter++);
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

// Wraps a credential provider and counts Get() calls. The client asks for a credential once
// per attempt, so this counts the requests a client sent, retries included, as the client
// sees them (ApiServer::request_count() counts the same from the server's side).
class CountingCredentials : public CredentialProvider {
 public:
  explicit CountingCredentials(std::shared_ptr<CredentialProvider> inner) : inner_(std::move(inner)) {}
  common::Result<Credential> Get() override {
    ++gets_;
    return inner_->Get();
  }
  bool Invalidate() override { return inner_->Invalidate(); }
  std::string Kind() const override { return inner_->Kind(); }
  int gets() const { return gets_.load(); }

 private:
  std::shared_ptr<CredentialProvider> inner_;
  std::atomic<int> gets_{0};
};

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
    if (!scratch_.empty()) std::filesystem::remove_all(scratch_);
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
    static std::atomic<int> counter{0};
    std::string path = ::testing::TempDir() + "/kubesim-ca-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter++) + ".crt";
    WriteTextFile(path, sim_.ca_pem());
    return path;
  }

  // This test's scratch directory (created on first use, removed by TearDown).
  const std::string& ScratchDir() {
    if (scratch_.empty()) scratch_ = MakeScratchDir("kube-test");
    return scratch_;
  }

  // Who kubesim says `client` is (a SelfSubjectReview's username), or "error: <message>".
  static std::string WhoAmI(Client& client) {
    static const ResourceRef kSelfSubjectReviews{"authentication.k8s.io", "v1", "selfsubjectreviews", false};
    auto review = client.Create(kSelfSubjectReviews, "",
                                boost::json::object{{"apiVersion", "authentication.k8s.io/v1"},
                                                    {"kind", "SelfSubjectReview"}});
    if (!review) return "error: " + review.error().message;
    return Str(*review, {"status", "userInfo", "username"});
  }

  // Answers a request in-process as the admin, without sockets: it works while the server is
  // paused, so a test can change the cluster during an outage.
  http::Response ServeDirect(std::string method, std::string target, std::string body = {},
                             std::string content_type = "application/json") {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (!request.body.empty()) request.headers.Set("Content-Type", std::move(content_type));
    request.headers.Set("Authorization", "Bearer " + sim_.admin_token());
    EXPECT_TRUE(http::ParseTarget(request).ok()) << request.target;
    return sim_.Serve(request);
  }

  // How many requests kubesim answered while `action` ran, including those it answered with
  // an injected fault.
  std::uint64_t RequestsDuring(const std::function<void()>& action) const {
    const auto before = sim_.request_count();
    action();
    return sim_.request_count() - before;
  }

  kubesim::ApiServer sim_;
  Config config_;
  std::shared_ptr<Client> client_;

 private:
  std::string scratch_;
};

}  // namespace airunway::kube::testing
