// End to end: the real `airunway sim --scenario demo`, the real `airunway controller`, and
// the real kubectl. A ModelDeployment applied with kubectl becomes a Deployment and a Service,
// its pods run, and `kubectl get modeldeployments` shows Running with the endpoint; deleting it
// removes everything; an unmeetable GPU request stays Pending with the scheduler's reason; an
// invalid spec gets a condition and nothing else; a hand-deleted Deployment comes back; a changed
// model.id is refused and the Deployment keeps the old model; with
// leader election a standby takes over when the leader stops.
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>

#include "tests/conformance/kubectl_runner.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace airunway {
namespace {

using namespace std::chrono_literals;
using conformance::Kubectl;
using conformance::KubectlResult;
using conformance::TempDir;
using conformance::WaitFor;

const std::string kCrdDir = CONTROLLER_E2E_CRDS;

// A simulated cluster with the CRDs installed.
struct Cluster {
  TempDir dir;
  std::unique_ptr<testing::ChildProcess> sim;
  std::unique_ptr<Kubectl> kubectl;
  std::string error;

  Cluster() {
    std::string kubeconfig = dir.path() + "/kubeconfig";
    sim = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        testing::AirunwayBinary(), "sim", "--tls", "--port", "0", "--kubeconfig-out", kubeconfig, "--scenario", "demo"});
    if (!sim->started() || !sim->WaitForOutput("kubesim is serving on https://127.0.0.1:", 20s)) {
      error = "airunway sim did not start: " + sim->Stderr();
      return;
    }
    kubectl = std::make_unique<Kubectl>(kubeconfig, dir.path() + "/cache");
    KubectlResult crds = kubectl->Run({"apply", "-f", kCrdDir});
    if (crds.exit_code != 0) error = "applying the CRDs failed: " + crds.Describe();
  }
  ~Cluster() {
    if (sim) {
      sim->Signal(SIGTERM);
      sim->Wait(10s);
    }
  }

  std::unique_ptr<testing::ChildProcess> StartController(std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv{testing::AirunwayBinary(), "controller", "--kubeconfig", kubectl->kubeconfig(),
                                  "--health-probe-bind-address", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<testing::ChildProcess>(argv);
  }

  std::string Get(const std::vector<std::string>& args) const {
    KubectlResult r = kubectl->Run(args);
    return r.exit_code == 0 ? r.out : std::string();
  }

  // Applies `yaml` (written to a file first).
  KubectlResult Apply(const std::string& name, const std::string& yaml) const {
    return kubectl->Run({"apply", "-f", dir.Write(name, yaml)});
  }
};

std::string ModelDeployment(const std::string& name, const std::string& ns, const std::string& spec) {
  return "apiVersion: airunway.ai/v1alpha1\nkind: ModelDeployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
         "\nspec:\n" + spec;
}

class ControllerE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!conformance::KubectlAvailable()) {
      skip_ = "kubectl is not installed at /usr/bin/kubectl";
      return;
    }
    cluster_ = new Cluster();
    if (!cluster_->error.empty()) return;
    controller_ = cluster_->StartController().release();
  }
  static void TearDownTestSuite() {
    if (controller_ != nullptr) {
      controller_->Signal(SIGTERM);
      controller_->Wait(10s);
    }
    delete controller_;
    delete cluster_;
    controller_ = nullptr;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(cluster_->error.empty()) << cluster_->error;
    ns_ = std::string("e2e-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : ns_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_EQ(cluster_->kubectl->Run({"create", "namespace", ns_}).exit_code, 0);
  }
  void TearDown() override {
    if (HasFailure() && controller_ != nullptr) {
      std::cerr << "controller stdout:\n" << controller_->Stdout() << "\ncontroller stderr:\n" << controller_->Stderr();
    }
  }

  std::string Phase(const std::string& name) const {
    return cluster_->Get({"get", "modeldeployment", name, "-n", ns_, "-o", "jsonpath={.status.phase}"});
  }

  static inline Cluster* cluster_ = nullptr;
  static inline testing::ChildProcess* controller_ = nullptr;
  static inline std::string skip_;
  std::string ns_;
};

TEST_F(ControllerE2ETest, ModelRunsIsRestoredAndIsDeletedWithEverythingItCreated) {
  auto applied = cluster_->Apply("qwen.yaml", ModelDeployment("qwen", ns_,
                                                               "  model:\n    id: Qwen/Qwen2.5-0.5B-Instruct\n"
                                                               "  engine:\n    type: vllm\n"
                                                               "  resources:\n    gpu:\n      count: 1\n"));
  ASSERT_EQ(applied.exit_code, 0) << applied.Describe();

  ASSERT_TRUE(WaitFor([&] { return !cluster_->Get({"get", "deployment", "qwen", "-n", ns_, "-o", "name"}).empty(); }, 20s));
  ASSERT_TRUE(WaitFor([&] { return !cluster_->Get({"get", "service", "qwen", "-n", ns_, "-o", "name"}).empty(); }, 20s));
  ASSERT_TRUE(WaitFor([&] { return Phase("qwen") == "Running"; }, 60s)) << "phase: " << Phase("qwen");

  // The controller's /metrics counts ModelDeployments by provider and phase.
  int metrics_port = testing::FindPort(controller_->Stderr());
  ASSERT_GT(metrics_port, 0) << controller_->Stderr();
  std::string metrics;
  EXPECT_TRUE(WaitFor([&] {
    metrics = testing::HttpClient(metrics_port).Get("/metrics").body;
    return metrics.find("airunway_deployment_status{provider=\"vllm\",phase=\"Running\"}") != std::string::npos;
  }, 10s)) << metrics;
  EXPECT_NE(metrics.find("airunway_deployment_replicas{provider=\"vllm\",state=\"ready\"}"), std::string::npos);

  std::string table = cluster_->Get({"get", "modeldeployments", "-n", ns_});
  auto lines = conformance::Lines(table);
  ASSERT_EQ(lines.size(), 2u) << table;
  EXPECT_EQ(conformance::Words(lines[0]),
            (std::vector<std::string>{"NAME", "PHASE", "PROVIDER", "ENGINE", "REPLICAS", "ENDPOINT", "PORT", "AGE"}));
  auto row = conformance::Words(lines[1]);
  ASSERT_GE(row.size(), 7u) << table;
  EXPECT_EQ(row[0], "qwen");
  EXPECT_EQ(row[1], "Running");
  EXPECT_EQ(row[2], "vllm");
  EXPECT_EQ(row[3], "vllm");
  EXPECT_EQ(row[4], "1");
  EXPECT_EQ(row[5], "qwen");
  EXPECT_EQ(row[6], "8000");
  EXPECT_EQ(cluster_->Get({"get", "pods", "-n", ns_, "-l", "airunway.ai/deployment=qwen", "-o",
                           "jsonpath={.items[0].status.phase}"}),
            "Running");

  // Drift: a Deployment deleted by hand is re-created.
  std::string uid = cluster_->Get({"get", "deployment", "qwen", "-n", ns_, "-o", "jsonpath={.metadata.uid}"});
  ASSERT_EQ(cluster_->kubectl->Run({"delete", "deployment", "qwen", "-n", ns_}).exit_code, 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        std::string now = cluster_->Get({"get", "deployment", "qwen", "-n", ns_, "-o", "jsonpath={.metadata.uid}"});
        return !now.empty() && now != uid;
      },
      30s));
  EXPECT_NE(cluster_->Get({"get", "events", "-n", ns_, "--field-selector", "reason=DriftCorrected", "-o", "name"}), "");

  // Deleting the ModelDeployment deletes what it created.
  auto deleted = cluster_->kubectl->Run({"delete", "modeldeployment", "qwen", "-n", ns_, "--timeout=30s"}, 40s);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.Describe();
  EXPECT_TRUE(WaitFor(
      [&] {
        return cluster_->Get({"get", "deployments,services,pods", "-n", ns_, "-o", "name"}).empty() &&
               cluster_->kubectl->Run({"get", "deployments,services,pods", "-n", ns_, "-o", "name"}).exit_code == 0;
      },
      30s))
      << cluster_->Get({"get", "deployments,services,pods", "-n", ns_, "-o", "name"});
}

TEST_F(ControllerE2ETest, UnmeetableGpuRequestStaysPendingWithTheSchedulersReason) {
  ASSERT_EQ(cluster_->Apply("huge.yaml", ModelDeployment("huge", ns_,
                                                          "  model:\n    id: meta-llama/Llama-3.1-405B\n"
                                                          "  engine:\n    type: vllm\n"
                                                          "  resources:\n    gpu:\n      count: 16\n"))
                .exit_code,
            0);
  std::string message;
  ASSERT_TRUE(WaitFor(
      [&] {
        message = cluster_->Get({"get", "modeldeployment", "huge", "-n", ns_, "-o",
                                 "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"});
        return message.find("Insufficient nvidia.com/gpu") != std::string::npos;
      },
      30s))
      << message;
  EXPECT_EQ(Phase("huge"), "Pending");
  EXPECT_EQ(cluster_->Get({"get", "modeldeployment", "huge", "-n", ns_, "-o",
                           "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}"}),
            "Unschedulable");
}

TEST_F(ControllerE2ETest, InvalidSpecGetsAConditionAndNothingIsCreated) {
  ASSERT_EQ(cluster_->Apply("bad.yaml", ModelDeployment("bad", ns_, "  model: {}\n  engine:\n    type: vllm\n")).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return Phase("bad") == "Failed"; }, 20s));
  std::string message = cluster_->Get({"get", "modeldeployment", "bad", "-n", ns_, "-o",
                                       "jsonpath={.status.conditions[?(@.type==\"Validated\")].message}"});
  EXPECT_NE(message.find("spec.model.id: Required value"), std::string::npos) << message;
  EXPECT_EQ(cluster_->Get({"get", "modeldeployment", "bad", "-n", ns_, "-o",
                           "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}),
            "False");
  EXPECT_EQ(cluster_->Get({"get", "deployments,services", "-n", ns_, "-o", "name"}), "");
}

TEST_F(ControllerE2ETest, ChangingTheModelIdOfARunningDeploymentIsRefused) {
  ASSERT_EQ(cluster_->Apply("small.yaml", ModelDeployment("small", ns_,
                                                           "  model:\n    id: Qwen/Qwen2.5-0.5B-Instruct\n"
                                                           "  engine:\n    type: vllm\n"
                                                           "  resources:\n    gpu:\n      count: 1\n"))
                .exit_code,
            0);
  ASSERT_TRUE(WaitFor([&] { return Phase("small") == "Running"; }, 60s)) << "phase: " << Phase("small");

  auto patched = cluster_->kubectl->Run({"patch", "modeldeployment", "small", "-n", ns_, "--type=merge", "-p",
                                         R"({"spec":{"model":{"id":"meta-llama/Llama-3.1-8B-Instruct"}}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.Describe();
  std::string message;
  ASSERT_TRUE(WaitFor(
      [&] {
        message = cluster_->Get({"get", "modeldeployment", "small", "-n", ns_, "-o",
                                 "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"});
        return message.find("spec.model.id: field is immutable") != std::string::npos;
      },
      20s))
      << message;
  EXPECT_NE(message.find("delete and recreate the ModelDeployment"), std::string::npos) << message;
  EXPECT_EQ(cluster_->Get({"get", "modeldeployment", "small", "-n", ns_, "-o",
                           "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}),
            "False");
  std::string args = cluster_->Get(
      {"get", "deployment", "small", "-n", ns_, "-o", "jsonpath={.spec.template.spec.containers[0].args}"});
  EXPECT_NE(args.find("Qwen/Qwen2.5-0.5B-Instruct"), std::string::npos) << args;
  EXPECT_EQ(args.find("Llama-3.1-8B"), std::string::npos) << args;

  // Setting it back, as the message says, brings the deployment back to Running.
  ASSERT_EQ(cluster_->kubectl
                ->Run({"patch", "modeldeployment", "small", "-n", ns_, "--type=merge", "-p",
                       R"({"spec":{"model":{"id":"Qwen/Qwen2.5-0.5B-Instruct"}}})"})
                .exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return Phase("small") == "Running"; }, 30s)) << "phase: " << Phase("small");
}

TEST(ControllerLeaderElectionE2ETest, StandbyTakesOverWhenTheLeaderStops) {
  if (!conformance::KubectlAvailable()) GTEST_SKIP() << "kubectl is not installed";
  Cluster cluster;
  ASSERT_TRUE(cluster.error.empty()) << cluster.error;
  auto holder = [&] {
    return cluster.Get({"get", "lease", "2038fe6a.airunway.ai", "-n", "default", "-o", "jsonpath={.spec.holderIdentity}"});
  };
  auto first = cluster.StartController({"--leader-elect"});
  ASSERT_TRUE(WaitFor([&] { return !holder().empty(); }, 30s)) << first->Stderr();
  const std::string leader = holder();
  auto second = cluster.StartController({"--leader-elect"});
  // The standby waits: the lease keeps its holder.
  ASSERT_TRUE(second->started());
  EXPECT_EQ(holder(), leader);

  first->Signal(SIGTERM);
  auto code = first->Wait(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  ASSERT_TRUE(WaitFor([&] { std::string h = holder(); return !h.empty() && h != leader; }, 30s)) << holder();

  // The new leader does the work.
  ASSERT_EQ(cluster.Apply("md.yaml", ModelDeployment("after", "default",
                                                     "  model:\n    id: Qwen/Qwen2.5-0.5B-Instruct\n"
                                                     "  resources:\n    cpu: \"2\"\n"))
                .exit_code,
            0);
  std::string phase;
  EXPECT_TRUE(WaitFor(
      [&] {
        phase = cluster.Get({"get", "modeldeployment", "after", "-o", "jsonpath={.status.phase}"});
        return phase == "Running";
      },
      60s))
      << phase << "\n" << second->Stderr();
  second->Signal(SIGTERM);
  second->Wait(15s);
}

}  // namespace
}  // namespace airunway
