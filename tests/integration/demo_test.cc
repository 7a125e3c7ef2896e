// `airunway serve --demo`: the whole system in one process on a simulated GPU cluster, used
// the two ways a user would — through the REST API and through kubectl with the kubeconfig
// the demo writes.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/conformance/kubectl_runner.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace airunway::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

template <typename F>
bool WaitUntil(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return condition();
}

class DemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new conformance::TempDir();
    kubeconfig_ = dir_->path() + "/demo.kubeconfig";
    auto started = std::chrono::steady_clock::now();
    demo_ = new ChildProcess({AirunwayBinary(), "serve", "--demo", "--port", "0", "--kubeconfig-out", kubeconfig_});
    auto out = demo_->WaitForOutput("serving on", 20s);
    ASSERT_TRUE(out) << demo_->Stderr();
    port_ = FindPort(*out);
    // Usable: the UI answers and the caches report the simulated cluster as synced.
    ASSERT_TRUE(WaitUntil(
        [] {
          HttpClient client(port_);
          auto status = client.Get("/api/cluster/status");
          return status.status == 200 && status.body.find("\"synced\":true") != std::string::npos;
        },
        20s));
    startup_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  }

  static void TearDownTestSuite() {
    if (demo_ != nullptr) {
      demo_->Signal(SIGINT);
      demo_->Wait(10s);
    }
    delete demo_;
    delete dir_;
  }

  static json::value GetJson(const std::string& path) {
    HttpClient client(port_);
    auto result = client.Get(path);
    if (result.status != 200) return nullptr;
    return json::parse(result.body);
  }

  static std::string Phase(const std::string& name) {
    auto body = GetJson("/api/deployments/" + name + "?namespace=default");
    if (!body.is_object() || !body.as_object().contains("phase")) return "";
    return std::string(body.at("phase").as_string());
  }

  static inline conformance::TempDir* dir_ = nullptr;
  static inline ChildProcess* demo_ = nullptr;
  static inline std::string kubeconfig_;
  static inline int port_ = 0;
  static inline long long startup_ms_ = 0;
};

TEST_F(DemoTest, SaysPlainlyThatTheClusterIsSimulated) {
  auto status = GetJson("/api/cluster/status");
  EXPECT_TRUE(status.at("connected").as_bool());
  EXPECT_TRUE(status.at("simulated").as_bool());
  EXPECT_NE(demo_->Stdout().find("SIMULATED"), std::string::npos);
  std::cout << "demo start-up to a synced, usable API: " << startup_ms_ << " ms\n";
}

TEST_F(DemoTest, OpensWithRunningStartingAndPendingSampleModels) {
  ASSERT_TRUE(WaitUntil([] { return Phase("qwen2-5-0-5b") == "Running"; }, 15s)) << Phase("qwen2-5-0-5b");
  ASSERT_TRUE(WaitUntil([] { return Phase("llama-3-1-405b") == "Pending"; }, 15s));
  auto reasons = GetJson("/api/deployments/llama-3-1-405b/pending-reasons?namespace=default");
  EXPECT_NE(json::serialize(reasons).find("nvidia.com/gpu"), std::string::npos) << json::serialize(reasons);
  auto logs = GetJson("/api/deployments/qwen2-5-0-5b/logs?namespace=default");
  EXPECT_NE(json::serialize(logs).find("vLLM"), std::string::npos) << json::serialize(logs);
}

TEST_F(DemoTest, RestApiDeploysAModelThatRunsAndDeletesIt) {
  HttpClient client(port_);
  auto created = client.Request("POST", "/api/deployments", {{"Content-Type", "application/json"}},
                                R"({"name":"from-rest","namespace":"default","modelId":"Qwen/Qwen3-0.6B","engine":"vllm"})");
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_TRUE(WaitUntil([] { return Phase("from-rest") == "Running"; }, 40s)) << Phase("from-rest");
  auto pods = GetJson("/api/deployments/from-rest/pods?namespace=default");
  EXPECT_NE(json::serialize(pods).find("Running"), std::string::npos) << json::serialize(pods);
  auto logs = GetJson("/api/deployments/from-rest/logs?namespace=default");
  EXPECT_NE(json::serialize(logs).find("Qwen/Qwen3-0.6B"), std::string::npos);
  auto deleted = client.Request("DELETE", "/api/deployments/from-rest?namespace=default");
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(WaitUntil([&] { return client.Get("/api/deployments/from-rest?namespace=default").status == 404; }, 20s));
}

TEST_F(DemoTest, KubectlWithTheWrittenKubeconfigSeesAndDrivesTheSameCluster) {
  ASSERT_TRUE(conformance::KubectlAvailable());
  conformance::Kubectl kubectl(kubeconfig_, dir_->path() + "/cache");
  std::string manifest = dir_->Write("md.yaml",
                                     "apiVersion: airunway.ai/v1alpha1\nkind: ModelDeployment\nmetadata:\n"
                                     "  name: from-kubectl\n  namespace: default\nspec:\n"
                                     "  model:\n    id: Qwen/Qwen2.5-1.5B-Instruct\n  engine:\n    type: vllm\n"
                                     "  resources:\n    gpu:\n      count: 1\n");
  auto applied = kubectl.Run({"apply", "-f", manifest});
  ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
  ASSERT_TRUE(WaitUntil([&] {
    return kubectl.Run({"get", "modeldeployment", "from-kubectl", "-o", "jsonpath={.status.phase}"}).out == "Running";
  }, 40s));
  // The REST API shows what kubectl made.
  EXPECT_EQ(Phase("from-kubectl"), "Running");
  auto deleted = kubectl.Run({"delete", "modeldeployment", "from-kubectl", "--wait=true", "--timeout=30s"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.Describe();
  EXPECT_EQ(kubectl.Run({"get", "deployment", "from-kubectl", "-o", "name"}).exit_code, 1);
}

// --demo-state keeps the simulated cluster's objects across restarts; a corrupt file is refused.
TEST(DemoStateTest, ObjectsSurviveARestartAndACorruptFileIsRefused) {
  ASSERT_TRUE(conformance::KubectlAvailable());
  conformance::TempDir dir;
  std::string state = dir.path() + "/state.json";
  std::string kubeconfig = dir.path() + "/demo.kubeconfig";
  conformance::Kubectl kubectl(kubeconfig, dir.path() + "/cache");
  std::string uid;
  {
    ChildProcess demo({AirunwayBinary(), "serve", "--demo", "--port", "0", "--kubeconfig-out", kubeconfig,
                       "--demo-state", state});
    ASSERT_TRUE(demo.WaitForOutput("serving on", 20s)) << demo.Stderr();
    ASSERT_EQ(kubectl.Run({"create", "namespace", "keep"}).exit_code, 0);
    ASSERT_EQ(kubectl.Run({"-n", "keep", "create", "configmap", "kept", "--from-literal=a=b"}).exit_code, 0);
    uid = kubectl.Run({"-n", "keep", "get", "configmap", "kept", "-o", "jsonpath={.metadata.uid}"}).out;
    ASSERT_FALSE(uid.empty());
    demo.Signal(SIGINT);
    ASSERT_EQ(demo.Wait(10s), 0);
  }
  ASSERT_TRUE(std::filesystem::exists(state));
  {
    ChildProcess demo({AirunwayBinary(), "serve", "--demo", "--port", "0", "--kubeconfig-out", kubeconfig,
                       "--demo-state", state});
    ASSERT_TRUE(demo.WaitForOutput("serving on", 20s)) << demo.Stderr();
    auto kept = kubectl.Run({"-n", "keep", "get", "configmap", "kept", "-o", "jsonpath={.data.a} {.metadata.uid}"});
    EXPECT_EQ(kept.out, "b " + uid) << kept.Describe();
    demo.Signal(SIGINT);
    EXPECT_EQ(demo.Wait(10s), 0);
  }
  {
    std::ofstream(state, std::ios::trunc) << "{\"format\":1,\"resources\":[";
    ChildProcess demo({AirunwayBinary(), "serve", "--demo", "--port", "0", "--demo-state", state});
    EXPECT_EQ(demo.Wait(20s), 2);
    EXPECT_NE(demo.Stderr().find("demo state file"), std::string::npos) << demo.Stderr();
    EXPECT_NE(demo.Stderr().find("Move it away"), std::string::npos);
  }
}

}  // namespace
}  // namespace airunway::testing
