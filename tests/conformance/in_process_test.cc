// Conformance tests that need a hand on the simulator's internals, so they start
// kubesim::ApiServer in-process (HTTPS, its own kubeconfig) instead of the binary:
//   - pod logs: kubesim has no HTTP way to append to a pod's log buffer (the simulated
//     kubelet of part 2 fills it), so the test appends with sim.logs().Append;
//   - a restricted user: the token table and the authorization policy are set directly.
// kubectl is still the real binary, driven through the kubeconfig the server produces.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <variant>

#include "kubesim/api_server.h"
#include "tests/conformance/kubectl_runner.h"

namespace airunway::conformance {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class InProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KubectlAvailable()) {
      GTEST_SKIP() << "kubectl is not installed at " << kKubectlPath
                   << "; the conformance suite needs the real kubectl";
    }
    sim_ = std::make_unique<kubesim::ApiServer>(kubesim::ApiServerOptions{.tls = true});
    auto started = sim_->Start();
    ASSERT_TRUE(started) << started.error().message;
    kubectl_ = std::make_unique<Kubectl>(files_.Write("kubeconfig", sim_->KubeconfigYaml()),
                                         files_.path() + "/cache");
  }

  void TearDown() override {
    if (sim_) {
      sim_->Stop();
      sim_->Wait();
    }
  }

  // Seeds a pod with two containers in namespace "default".
  void CreatePod(const std::string& name) {
    auto pod = boost::json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                                  R"(","namespace":"default"},"spec":{"containers":[)"
                                  R"({"name":"main","image":"registry.example/talker:1"},)"
                                  R"({"name":"helper","image":"registry.example/helper:1"}]}})");
    auto created = sim_->CreateObject(pod.as_object());
    ASSERT_TRUE(std::holds_alternative<kubesim::ObjectPtr>(created));
  }

  TempDir files_;
  std::unique_ptr<kubesim::ApiServer> sim_;
  std::unique_ptr<Kubectl> kubectl_;
};

TEST_F(InProcessTest, LogsPrintsThePodLogBuffer) {
  CreatePod("talker");
  sim_->logs().Append("default", "talker", "main", "starting\nlistening on :8080\nready\n");
  sim_->logs().Append("default", "talker", "helper", "helper up\n");

  auto logs = kubectl_->Run({"logs", "talker", "-c", "main"});
  ASSERT_EQ(logs.exit_code, 0) << logs.Describe();
  EXPECT_EQ(logs.out, "starting\nlistening on :8080\nready\n");

  auto tail = kubectl_->Run({"logs", "pod/talker", "--container", "main", "--tail", "2"});
  ASSERT_EQ(tail.exit_code, 0) << tail.Describe();
  EXPECT_EQ(tail.out, "listening on :8080\nready\n");

  auto helper = kubectl_->Run({"logs", "talker", "-c", "helper", "--timestamps"});
  ASSERT_EQ(helper.exit_code, 0) << helper.Describe();
  EXPECT_TRUE(
      std::regex_match(helper.out, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z helper up\n)")))
      << helper.out;

  auto limited = kubectl_->Run({"logs", "talker", "-c", "main", "--limit-bytes", "5"});
  ASSERT_EQ(limited.exit_code, 0) << limited.Describe();
  EXPECT_EQ(limited.out, "start");

  // Without -c kubectl picks the first container and says so.
  auto first = kubectl_->Run({"logs", "talker"});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_EQ(first.out, "starting\nlistening on :8080\nready\n");
  EXPECT_THAT(first.err, HasSubstr("Defaulted container \"main\" out of: main, helper"));

  auto all = kubectl_->Run({"logs", "talker", "--all-containers", "--prefix"});
  ASSERT_EQ(all.exit_code, 0) << all.Describe();
  EXPECT_THAT(all.out, HasSubstr("[pod/talker/helper] helper up\n"));
  EXPECT_THAT(all.out, HasSubstr("[pod/talker/main] ready\n"));

  auto unknown = kubectl_->Run({"logs", "talker", "-c", "nope"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.Describe();
  EXPECT_THAT(unknown.err, HasSubstr("container nope is not valid for pod talker"));

  auto missing = kubectl_->Run({"logs", "ghost"});
  EXPECT_EQ(missing.exit_code, 1) << missing.Describe();
  EXPECT_EQ(missing.err,
            "error: error from server (NotFound): pods \"ghost\" not found in namespace \"default\"\n");
}

TEST_F(InProcessTest, LogsFollowStreamsNewLinesUntilThePodGoes) {
  CreatePod("talker");
  sim_->logs().Append("default", "talker", "main", "first line\n");
  auto follower = kubectl_->Start({"logs", "-f", "talker", "-c", "main"});
  ASSERT_TRUE(follower->started());
  ASSERT_TRUE(follower->WaitForOutput("first line\n", 15s)) << follower->Stdout() << follower->Stderr();

  sim_->logs().Append("default", "talker", "main", "second line\nthird line\n");
  auto out = follower->WaitForOutput("third line\n", 15s);
  ASSERT_TRUE(out) << follower->Stdout() << follower->Stderr();
  EXPECT_EQ(*out, "first line\nsecond line\nthird line\n");
  EXPECT_FALSE(follower->Wait(0ms)) << "kubectl logs -f ended early: " << follower->Stderr();

  // Deleting the pod ends the stream and kubectl exits cleanly.
  auto deleted = kubectl_->Run({"delete", "pod", "talker", "--wait=false"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.Describe();
  auto code = follower->Wait(15s);
  ASSERT_TRUE(code) << "kubectl logs -f did not end after the pod was deleted";
  EXPECT_EQ(*code, 0) << follower->Stderr();
  EXPECT_EQ(follower->Stdout(), "first line\nsecond line\nthird line\n");
}

TEST_F(InProcessTest, AuthCanIForARestrictedUser) {
  ASSERT_TRUE(sim_->authenticator().AddToken("alice-token", {.username = "alice", .groups = {"viewers"}}));
  kubesim::AuthorizationPolicy policy;
  policy.allow_all = false;
  policy.rules.push_back({.name = "alice-reads-pods",
                          .users = {"alice"},
                          .verbs = {"get", "list", "watch"},
                          .api_groups = {""},
                          .resources = {"pods"},
                          .namespaces = {"team-a"}});
  policy.rules.push_back({.name = "everyone-reviews-themselves",
                          .groups = {"system:authenticated"},
                          .verbs = {"create"},
                          .api_groups = {"authorization.k8s.io", "authentication.k8s.io"},
                          .resources = {"selfsubjectaccessreviews", "selfsubjectreviews"}});
  policy.rules.push_back(
      {.name = "everyone-discovers",
       .groups = {"system:authenticated"},
       .verbs = {"get"},
       .non_resource_urls = {"/api", "/api/*", "/apis", "/apis/*", "/version", "/openapi/*"}});
  sim_->authorizer().SetPolicy(policy);
  Kubectl alice(files_.Write("alice.kubeconfig", sim_->KubeconfigForToken("alice-token")),
                files_.path() + "/alice-cache");

  auto allowed = alice.Run({"auth", "can-i", "list", "pods", "-n", "team-a"});
  // kubectl sends this review as protobuf (src/kubesim/protobuf.*).
  ASSERT_EQ(allowed.exit_code, 0) << allowed.Describe();
  EXPECT_EQ(allowed.out, "yes\n");

  auto wrong_verb = alice.Run({"auth", "can-i", "delete", "pods", "-n", "team-a"});
  EXPECT_EQ(wrong_verb.exit_code, 1) << wrong_verb.Describe();
  EXPECT_EQ(wrong_verb.out, "no\n");

  auto wrong_namespace = alice.Run({"auth", "can-i", "list", "pods", "-n", "team-b"});
  EXPECT_EQ(wrong_namespace.exit_code, 1) << wrong_namespace.Describe();
  EXPECT_EQ(wrong_namespace.out, "no\n");

  auto admin = kubectl_->Run({"auth", "can-i", "delete", "nodes"});
  EXPECT_EQ(admin.exit_code, 0) << admin.Describe();
  EXPECT_EQ(admin.out, "yes\n");

  auto whoami = alice.Run({"auth", "whoami"});
  ASSERT_EQ(whoami.exit_code, 0) << whoami.Describe();
  EXPECT_THAT(whoami.out, ::testing::ContainsRegex("Username +alice\n"));
  EXPECT_THAT(whoami.out, ::testing::ContainsRegex("Groups +\\[viewers system:authenticated\\]\n"));

  // What can-i predicts is what the server enforces.
  auto listed = alice.Run({"get", "pods", "-n", "team-a"});
  EXPECT_EQ(listed.exit_code, 0) << listed.Describe();
  auto forbidden = alice.Run({"get", "pods", "-n", "team-b"});
  EXPECT_EQ(forbidden.exit_code, 1) << forbidden.Describe();
  EXPECT_THAT(forbidden.err,
              HasSubstr("Error from server (Forbidden): pods is forbidden: User \"alice\" cannot "
                        "list resource \"pods\" in API group \"\" in the namespace \"team-b\""));
}

TEST_F(InProcessTest, AuthWhoamiWithAClientCertificate) {
  auto certificate = sim_->IssueClientCertificate("carol", {"ml-team", "oncall"});
  ASSERT_TRUE(certificate) << certificate.error().message;
  Kubectl carol(files_.Write("carol.kubeconfig", sim_->KubeconfigForClientCertificate(*certificate, "carol")),
                files_.path() + "/carol-cache");
  auto whoami = carol.Run({"auth", "whoami"});
  ASSERT_EQ(whoami.exit_code, 0) << whoami.Describe();
  EXPECT_THAT(whoami.out, ::testing::ContainsRegex("Username +carol\n"));
  EXPECT_THAT(whoami.out, ::testing::ContainsRegex("Groups +\\[ml-team oncall system:authenticated\\]\n"));
}

}  // namespace
}  // namespace airunway::conformance
