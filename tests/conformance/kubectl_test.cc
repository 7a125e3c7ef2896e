// The conformance suite: the real kubectl against the real `airunway sim` binary over HTTPS,
// with the kubeconfig the simulator writes (CA pinned, admin token) and kubectl's default
// validation. Tests assert what a kubectl user sees: exit codes, printed text and fields.
//
// One simulator serves the whole suite (starting it per test would dominate the run time);
// each test works in its own namespace so tests stay independent of each other and of order.
// The Widget CRD is cluster-scoped state shared by the tests that need it: EnsureWidgetCrd()
// applies it idempotently.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <regex>

#include "tests/conformance/kubectl_runner.h"
#include "tests/support/process.h"

namespace airunway::conformance {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kCrdName = "widgets.conformance.airunway.dev";

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// True when some line of `text` has exactly these leading words (a table row).
bool HasRow(const std::string& text, const std::vector<std::string>& leading_words) {
  for (const auto& line : Lines(text)) {
    auto words = Words(line);
    if (words.size() >= leading_words.size() &&
        std::equal(leading_words.begin(), leading_words.end(), words.begin())) {
      return true;
    }
  }
  return false;
}

class KubectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!KubectlAvailable()) {
      skip_reason_ = std::string("kubectl is not installed at ") + kKubectlPath +
                     "; the conformance suite needs the real kubectl";
      return;
    }
    dir_ = new TempDir();
    std::string kubeconfig = dir_->path() + "/kubeconfig";
    sim_ = new testing::ChildProcess(
        {testing::AirunwayBinary(), "sim", "--tls", "--port", "0", "--kubeconfig-out", kubeconfig});
    if (!sim_->started() || !sim_->WaitForOutput("kubesim is serving on https://127.0.0.1:", 20s)) {
      setup_error_ = "airunway sim did not start\nstdout: " + sim_->Stdout() + "\nstderr: " + sim_->Stderr();
      return;
    }
    kubectl_ = new conformance::Kubectl(kubeconfig, dir_->path() + "/cache");
  }

  static void TearDownTestSuite() {
    if (sim_ != nullptr) {
      sim_->Signal(SIGTERM);
      sim_->Wait(10s);
    }
    delete kubectl_;
    delete sim_;
    delete dir_;
    kubectl_ = nullptr;
    sim_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ns_ = NamespaceForTest();
    files_ = std::make_unique<TempDir>();
    auto created = Run({"apply", "-f",
                        Write("namespace.yaml",
                              "apiVersion: v1\nkind: Namespace\nmetadata:\n"
                              "  name: " +
                                  ns_ + "\n")});
    ASSERT_EQ(created.exit_code, 0) << created.Describe();
  }

  void TearDown() override {
    // Tests may have deleted their namespace already; leftovers only cost memory.
    if (kubectl_ != nullptr && !ns_.empty()) {
      Run({"delete", "namespace", ns_, "--wait=false", "--ignore-not-found"});
    }
  }

  // "c-" + the test name in lower case: a valid, unique namespace name.
  static std::string NamespaceForTest() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string ns = "c-";
    for (char c : name)
      ns += static_cast<char>(std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '-');
    if (ns.size() > 63) ns.resize(63);
    while (ns.back() == '-') ns.pop_back();
    return ns;
  }

  KubectlResult Run(const std::vector<std::string>& args) const { return kubectl_->Run(args); }
  // The same, in this test's namespace.
  KubectlResult InNs(std::vector<std::string> args) const {
    args.insert(args.end(), {"-n", ns_});
    return kubectl_->Run(args);
  }
  std::string Write(const std::string& name, const std::string& content) const {
    return files_->Write(name, content);
  }

  // `kubectl get TARGET -o jsonpath=EXPR` in this test's namespace; fails the test on error.
  std::string JsonPath(const std::string& target, const std::string& expression) const {
    auto result = InNs({"get", target, "-o", "jsonpath=" + expression});
    EXPECT_EQ(result.exit_code, 0) << result.Describe();
    return result.out;
  }

  // The resource names `kubectl get` prints with -o name, without the "kind/" prefix, sorted.
  std::vector<std::string> Names(std::vector<std::string> args) const {
    args.insert(args.end(), {"-o", "name"});
    auto result = InNs(args);
    EXPECT_EQ(result.exit_code, 0) << result.Describe();
    std::vector<std::string> names;
    for (const auto& line : Lines(result.out)) names.push_back(line.substr(line.find('/') + 1));
    std::sort(names.begin(), names.end());
    return names;
  }

  void ApplyFixture(const std::string& fixture) const {
    auto result = InNs({"apply", "-f", TestdataPath(fixture)});
    ASSERT_EQ(result.exit_code, 0) << result.Describe();
  }

  // Applies the Widget CRD (no-op when present) and waits until it is Established.
  static void EnsureWidgetCrd() {
    auto applied = kubectl_->Run({"apply", "-f", TestdataPath("widget-crd.yaml")});
    ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
    auto established = kubectl_->Run(
        {"wait", "--for", "condition=Established", std::string("crd/") + kCrdName, "--timeout", "10s"});
    ASSERT_EQ(established.exit_code, 0) << established.Describe();
  }

  static inline std::string skip_reason_;
  static inline std::string setup_error_;
  static inline TempDir* dir_ = nullptr;
  static inline testing::ChildProcess* sim_ = nullptr;
  static inline conformance::Kubectl* kubectl_ = nullptr;

  std::string ns_;
  std::unique_ptr<TempDir> files_;
};

// ------------------------------------------------------------------------------ discovery

TEST_F(KubectlTest, ApiResourcesListsCoreAndAppsResources) {
  auto all = Run({"api-resources"});
  ASSERT_EQ(all.exit_code, 0) << all.Describe();
  EXPECT_TRUE(HasRow(all.out, {"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"})) << all.out;
  EXPECT_TRUE(HasRow(all.out, {"pods", "po", "v1", "true", "Pod"})) << all.out;
  EXPECT_TRUE(HasRow(all.out, {"namespaces", "ns", "v1", "false", "Namespace"})) << all.out;
  EXPECT_TRUE(HasRow(all.out, {"configmaps", "cm", "v1", "true", "ConfigMap"})) << all.out;
  EXPECT_TRUE(HasRow(all.out, {"deployments", "deploy", "apps/v1", "true", "Deployment"})) << all.out;
  EXPECT_TRUE(HasRow(all.out, {"statefulsets", "sts", "apps/v1", "true", "StatefulSet"})) << all.out;

  auto apps = Run({"api-resources", "--api-group=apps", "-o", "name"});
  ASSERT_EQ(apps.exit_code, 0) << apps.Describe();
  auto names = Lines(apps.out);
  for (const char* expected :
       {"deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected << " in\n"
                                                                            << apps.out;
  }
  EXPECT_EQ(std::find(names.begin(), names.end(), "pods"), names.end()) << apps.out;

  auto versions = Run({"api-versions"});
  ASSERT_EQ(versions.exit_code, 0) << versions.Describe();
  EXPECT_THAT(versions.out, HasSubstr("apps/v1\n"));
  EXPECT_THAT(versions.out, HasSubstr("v1\n"));
}

TEST_F(KubectlTest, ApplyCrdThenAnObjectOfItWithValidation) {
  auto crd = Run({"apply", "-f", TestdataPath("widget-crd.yaml")});
  ASSERT_EQ(crd.exit_code, 0) << crd.Describe();
  EXPECT_TRUE(std::regex_search(
      crd.out, std::regex("customresourcedefinition.apiextensions.k8s.io/widgets.conformance.airunway.dev "
                          "(created|unchanged)")))
      << crd.out;
  auto established =
      Run({"wait", "--for", "condition=Established", std::string("crd/") + kCrdName, "--timeout", "10s"});
  ASSERT_EQ(established.exit_code, 0) << established.Describe();
  EXPECT_THAT(established.out, HasSubstr("condition met"));

  // The new resource is discoverable with its short name.
  auto resources = Run({"api-resources", "--api-group=conformance.airunway.dev"});
  ASSERT_EQ(resources.exit_code, 0) << resources.Describe();
  EXPECT_TRUE(HasRow(resources.out, {"widgets", "wdg", "conformance.airunway.dev/v1", "true", "Widget"}))
      << resources.out;

  auto widget = InNs({"apply", "-f", TestdataPath("widget-small.yaml")});
  ASSERT_EQ(widget.exit_code, 0) << widget.Describe();
  EXPECT_EQ(widget.out, "widget.conformance.airunway.dev/small created\n");
  EXPECT_EQ(JsonPath("wdg/small", "{.spec.size} {.spec.color} {.spec.owner}"), "2 green alice");

  // The schema's default fills in an omitted field.
  auto plain = InNs({"apply", "-f",
                     Write("plain.yaml",
                           "apiVersion: conformance.airunway.dev/v1\nkind: Widget\n"
                           "metadata:\n  name: plain\nspec:\n  size: 3\n")});
  ASSERT_EQ(plain.exit_code, 0) << plain.Describe();
  EXPECT_EQ(JsonPath("widget/plain", "{.spec.color}"), "red");

  // Unknown fields are refused under kubectl's default (strict) validation.
  auto unknown = InNs({"apply", "-f",
                       Write("unknown.yaml",
                             "apiVersion: conformance.airunway.dev/v1\nkind: Widget\n"
                             "metadata:\n  name: odd\nspec:\n  size: 3\n  flavour: mint\n")});
  EXPECT_NE(unknown.exit_code, 0) << unknown.Describe();
  EXPECT_THAT(unknown.err, HasSubstr("flavour"));
}

// ------------------------------------------------------------------------------ reads

TEST_F(KubectlTest, GetPrintsServerSideTables) {
  EnsureWidgetCrd();
  ApplyFixture("widget-small.yaml");
  ApplyFixture("configmaps.yaml");

  auto widgets = InNs({"get", "widgets"});
  ASSERT_EQ(widgets.exit_code, 0) << widgets.Describe();
  auto lines = Lines(widgets.out);
  ASSERT_EQ(lines.size(), 2u) << widgets.out;
  EXPECT_EQ(Words(lines[0]), (std::vector<std::string>{"NAME", "SIZE", "COLOR", "AGE"})) << widgets.out;
  EXPECT_TRUE(HasRow(widgets.out, {"small", "2", "green"})) << widgets.out;

  // A priority-1 printer column appears only in -o wide.
  auto wide = InNs({"get", "wdg", "-o", "wide"});
  ASSERT_EQ(wide.exit_code, 0) << wide.Describe();
  EXPECT_EQ(Words(Lines(wide.out).at(0)), (std::vector<std::string>{"NAME", "SIZE", "COLOR", "OWNER", "AGE"}))
      << wide.out;
  EXPECT_TRUE(HasRow(wide.out, {"small", "2", "green", "alice"})) << wide.out;

  auto configmaps = InNs({"get", "configmaps"});
  ASSERT_EQ(configmaps.exit_code, 0) << configmaps.Describe();
  EXPECT_EQ(Words(Lines(configmaps.out).at(0)), (std::vector<std::string>{"NAME", "DATA", "AGE"}));
  EXPECT_TRUE(HasRow(configmaps.out, {"beta", "2"})) << configmaps.out;
  EXPECT_TRUE(HasRow(configmaps.out, {"gamma", "1"})) << configmaps.out;

  ApplyFixture("pods.yaml");
  auto pods = InNs({"get", "pods", "-o", "wide"});
  ASSERT_EQ(pods.exit_code, 0) << pods.Describe();
  auto header = Words(Lines(pods.out).at(0));
  EXPECT_NE(std::find(header.begin(), header.end(), "NODE"), header.end()) << pods.out;
  EXPECT_NE(std::find(header.begin(), header.end(), "IP"), header.end()) << pods.out;
  EXPECT_THAT(pods.out, HasSubstr("node-a"));
  EXPECT_THAT(pods.out, HasSubstr("node-b"));

  auto deployments = InNs({"apply", "-f", TestdataPath("deployment-web.yaml")});
  ASSERT_EQ(deployments.exit_code, 0) << deployments.Describe();
  auto deployment_wide = InNs({"get", "deploy", "-o", "wide"});
  ASSERT_EQ(deployment_wide.exit_code, 0) << deployment_wide.Describe();
  EXPECT_THAT(deployment_wide.out, HasSubstr("CONTAINERS"));
  EXPECT_THAT(deployment_wide.out, HasSubstr("server,sidecar"));

  auto missing = InNs({"get", "configmap", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error from server (NotFound): configmaps \"nope\" not found\n");

  auto empty = Run({"get", "configmaps", "-n", ns_ + "-empty"});
  EXPECT_EQ(empty.exit_code, 0) << empty.Describe();
  EXPECT_EQ(empty.err, "No resources found in " + ns_ + "-empty namespace.\n");
}

TEST_F(KubectlTest, GetPrintsJsonAndYaml) {
  ApplyFixture("configmaps.yaml");

  auto one = InNs({"get", "configmap", "alpha", "-o", "json"});
  ASSERT_EQ(one.exit_code, 0) << one.Describe();
  boost::system::error_code ec;
  auto object = boost::json::parse(one.out, ec);
  ASSERT_FALSE(ec) << one.out;
  EXPECT_EQ(object.at("apiVersion"), "v1");
  EXPECT_EQ(object.at("kind"), "ConfigMap");
  EXPECT_EQ(object.at("metadata").at("name"), "alpha");
  EXPECT_EQ(object.at("metadata").at("namespace").as_string(), ns_);
  EXPECT_FALSE(object.at("metadata").at("uid").as_string().empty());
  EXPECT_FALSE(object.at("metadata").at("resourceVersion").as_string().empty());
  EXPECT_TRUE(std::regex_match(std::string(object.at("metadata").at("creationTimestamp").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_EQ(object.at("data").at("greeting"), "hello");

  auto list = InNs({"get", "configmaps", "-l", "tier", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  auto items = boost::json::parse(list.out, ec);
  ASSERT_FALSE(ec) << list.out;
  EXPECT_EQ(items.at("kind"), "List");
  EXPECT_EQ(items.at("items").as_array().size(), 3u);

  auto yaml = InNs({"get", "configmap", "beta", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.Describe();
  EXPECT_THAT(yaml.out, HasSubstr("apiVersion: v1\n"));
  EXPECT_THAT(yaml.out, HasSubstr("kind: ConfigMap\n"));
  EXPECT_THAT(yaml.out, HasSubstr("  extra: more\n"));
  EXPECT_THAT(yaml.out, HasSubstr("  name: beta\n"));
  EXPECT_THAT(yaml.out, HasSubstr("    track: canary\n"));
}

TEST_F(KubectlTest, GetFiltersWithLabelAndFieldSelectors) {
  ApplyFixture("configmaps.yaml");
  using Names_ = std::vector<std::string>;
  EXPECT_EQ(Names({"get", "cm", "-l", "tier=web"}), (Names_{"alpha", "beta"}));
  EXPECT_EQ(Names({"get", "cm", "-l", "tier!=web"}), (Names_{"gamma"}));
  EXPECT_EQ(Names({"get", "cm", "-l", "tier in (web,db),track notin (canary)"}), (Names_{"alpha", "gamma"}));
  EXPECT_EQ(Names({"get", "cm", "-l", "!track"}), (Names_{"gamma"}));
  EXPECT_EQ(Names({"get", "cm", "-l", "track"}), (Names_{"alpha", "beta"}));
  EXPECT_EQ(Names({"get", "cm", "--field-selector", "metadata.name=beta"}), (Names_{"beta"}));
  EXPECT_EQ(Names({"get", "cm", "--field-selector", "metadata.name!=beta", "-l", "tier=web"}),
            (Names_{"alpha"}));

  auto none = InNs({"get", "cm", "-l", "tier=cache"});
  EXPECT_EQ(none.exit_code, 0) << none.Describe();
  EXPECT_EQ(none.err, "No resources found in " + ns_ + " namespace.\n");

  ApplyFixture("pods.yaml");
  EXPECT_EQ(Names({"get", "pods", "--field-selector", "spec.nodeName=node-b"}), (Names_{"runner-b"}));

  auto bad = InNs({"get", "cm", "--field-selector", "data.greeting=hello"});
  EXPECT_EQ(bad.exit_code, 1) << bad.Describe();
  EXPECT_THAT(bad.err, HasSubstr("field label not supported: data.greeting"));
}

TEST_F(KubectlTest, DescribeShowsBuiltInAndCustomObjects) {
  EnsureWidgetCrd();
  ApplyFixture("configmaps.yaml");
  ApplyFixture("widget-small.yaml");
  ApplyFixture("deployment-web.yaml");

  auto configmap = InNs({"describe", "configmap", "alpha"});
  ASSERT_EQ(configmap.exit_code, 0) << configmap.Describe();
  EXPECT_TRUE(HasRow(configmap.out, {"Name:", "alpha"})) << configmap.out;
  EXPECT_TRUE(HasRow(configmap.out, {"Namespace:", ns_})) << configmap.out;
  EXPECT_TRUE(HasRow(configmap.out, {"Labels:", "tier=web"})) << configmap.out;
  EXPECT_TRUE(HasRow(configmap.out, {"greeting:"})) << configmap.out;
  EXPECT_TRUE(HasRow(configmap.out, {"hello"})) << configmap.out;

  auto widget = InNs({"describe", "wdg", "small"});
  ASSERT_EQ(widget.exit_code, 0) << widget.Describe();
  EXPECT_TRUE(HasRow(widget.out, {"Name:", "small"})) << widget.out;
  EXPECT_TRUE(HasRow(widget.out, {"API", "Version:", "conformance.airunway.dev/v1"})) << widget.out;
  EXPECT_TRUE(HasRow(widget.out, {"Kind:", "Widget"})) << widget.out;
  EXPECT_TRUE(HasRow(widget.out, {"Size:", "2"})) << widget.out;
  EXPECT_TRUE(HasRow(widget.out, {"Color:", "green"})) << widget.out;

  auto deployment = InNs({"describe", "deployment", "web"});
  ASSERT_EQ(deployment.exit_code, 0) << deployment.Describe();
  EXPECT_TRUE(HasRow(deployment.out, {"Name:", "web"})) << deployment.out;
  EXPECT_TRUE(HasRow(deployment.out, {"Selector:", "app=web"})) << deployment.out;
  EXPECT_TRUE(HasRow(deployment.out, {"server:"})) << deployment.out;
  EXPECT_TRUE(HasRow(deployment.out, {"Image:", "registry.example/sidecar:1.0"})) << deployment.out;

  auto all = InNs({"describe", "configmaps", "-l", "tier=web"});
  ASSERT_EQ(all.exit_code, 0) << all.Describe();
  EXPECT_THAT(all.out, HasSubstr("alpha"));
  EXPECT_THAT(all.out, HasSubstr("beta"));
  EXPECT_THAT(all.out, ::testing::Not(HasSubstr("gamma")));
}

// ------------------------------------------------------------------------------ writes

TEST_F(KubectlTest, PatchWithEachPatchType) {
  EnsureWidgetCrd();
  ApplyFixture("widget-small.yaml");
  ApplyFixture("deployment-web.yaml");

  auto merge = InNs({"patch", "widget", "small", "--type", "merge", "-p", R"({"spec":{"size":5}})"});
  ASSERT_EQ(merge.exit_code, 0) << merge.Describe();
  EXPECT_EQ(merge.out, "widget.conformance.airunway.dev/small patched\n");
  EXPECT_EQ(JsonPath("widget/small", "{.spec.size} {.spec.color}"), "5 green");

  auto json_patch = InNs({"patch", "widget", "small", "--type", "json", "-p",
                          R"([{"op":"test","path":"/spec/size","value":5},)"
                          R"({"op":"replace","path":"/spec/color","value":"blue"},)"
                          R"({"op":"remove","path":"/spec/owner"}])"});
  ASSERT_EQ(json_patch.exit_code, 0) << json_patch.Describe();
  EXPECT_EQ(JsonPath("widget/small", "{.spec.size} {.spec.color} {.spec.owner}"), "5 blue ");

  auto failed_test = InNs({"patch", "widget", "small", "--type", "json", "-p",
                           R"([{"op":"test","path":"/spec/size","value":7}])"});
  EXPECT_EQ(failed_test.exit_code, 1) << failed_test.Describe();
  EXPECT_EQ(JsonPath("widget/small", "{.spec.size}"), "5");

  // Patches are validated against the schema like any write.
  auto invalid = InNs({"patch", "widget", "small", "--type", "merge", "-p", R"({"spec":{"size":11}})"});
  EXPECT_EQ(invalid.exit_code, 1) << invalid.Describe();
  EXPECT_THAT(invalid.err, HasSubstr("spec.size"));

  // Strategic merge (kubectl's default for built-ins) merges containers by name.
  auto strategic = InNs({"patch", "deployment", "web", "-p",
                         R"({"spec":{"template":{"spec":{"containers":[)"
                         R"({"name":"server","image":"registry.example/server:2.0"}]}}}})"});
  ASSERT_EQ(strategic.exit_code, 0) << strategic.Describe();
  EXPECT_EQ(strategic.out, "deployment.apps/web patched\n");
  EXPECT_EQ(JsonPath("deploy/web", "{range .spec.template.spec.containers[*]}{.name}={.image} {end}"),
            "server=registry.example/server:2.0 sidecar=registry.example/sidecar:1.0 ");
  EXPECT_EQ(JsonPath("deploy/web", "{.spec.template.spec.containers[0].ports[0].containerPort}"), "8080");

  auto strategic_delete = InNs({"patch", "deployment", "web", "--type", "strategic", "-p",
                                R"({"spec":{"template":{"spec":{"containers":[)"
                                R"({"name":"sidecar","$patch":"delete"}]}}}})"});
  ASSERT_EQ(strategic_delete.exit_code, 0) << strategic_delete.Describe();
  EXPECT_EQ(JsonPath("deploy/web", "{.spec.template.spec.containers[*].name}"), "server");

  auto unchanged =
      InNs({"patch", "deployment", "web", "--type", "merge", "-p", R"({"spec":{"replicas":2}})"});
  ASSERT_EQ(unchanged.exit_code, 0) << unchanged.Describe();
  EXPECT_EQ(unchanged.out, "deployment.apps/web patched (no change)\n");
}

TEST_F(KubectlTest, LabelAndAnnotate) {
  ApplyFixture("configmaps.yaml");

  auto labeled = InNs({"label", "configmap", "alpha", "color=blue"});
  ASSERT_EQ(labeled.exit_code, 0) << labeled.Describe();
  EXPECT_EQ(labeled.out, "configmap/alpha labeled\n");
  EXPECT_EQ(Names({"get", "cm", "-l", "color=blue"}), std::vector<std::string>{"alpha"});

  auto clash = InNs({"label", "configmap", "alpha", "tier=db"});
  EXPECT_EQ(clash.exit_code, 1) << clash.Describe();
  EXPECT_THAT(clash.err, HasSubstr("'tier' already has a value (web), and --overwrite is false"));

  auto overwritten = InNs({"label", "configmap", "alpha", "tier=db", "--overwrite"});
  ASSERT_EQ(overwritten.exit_code, 0) << overwritten.Describe();
  EXPECT_EQ(Names({"get", "cm", "-l", "tier=db"}), (std::vector<std::string>{"alpha", "gamma"}));

  auto removed = InNs({"label", "configmap", "alpha", "color-"});
  ASSERT_EQ(removed.exit_code, 0) << removed.Describe();
  EXPECT_EQ(removed.out, "configmap/alpha unlabeled\n");
  EXPECT_EQ(JsonPath("cm/alpha", "{.metadata.labels}"), R"({"tier":"db","track":"stable"})");

  auto invalid = InNs({"label", "configmap", "alpha", "bad=not a value"});
  EXPECT_NE(invalid.exit_code, 0) << invalid.Describe();

  auto annotated = InNs({"annotate", "configmap", "beta", "owner.example/contact=ops team"});
  ASSERT_EQ(annotated.exit_code, 0) << annotated.Describe();
  EXPECT_EQ(annotated.out, "configmap/beta annotated\n");
  EXPECT_EQ(JsonPath("cm/beta", R"({.metadata.annotations.owner\.example/contact})"), "ops team");

  auto all = InNs({"annotate", "configmaps", "-l", "tier", "reviewed=yes"});
  ASSERT_EQ(all.exit_code, 0) << all.Describe();
  auto reviewed =
      InNs({"get", "configmaps", "-l", "tier", "-o", "jsonpath={.items[*].metadata.annotations.reviewed}"});
  EXPECT_EQ(reviewed.out, "yes yes yes") << reviewed.Describe();

  auto unannotated = InNs({"annotate", "configmap", "beta", "reviewed-"});
  ASSERT_EQ(unannotated.exit_code, 0) << unannotated.Describe();
  EXPECT_EQ(JsonPath("cm/beta", "{.metadata.annotations.reviewed}"), "");
}

TEST_F(KubectlTest, ApplyTwiceIsUnchangedAndAChangeIsConfigured) {
  auto first = InNs({"apply", "-f", TestdataPath("configmap-settings.yaml")});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_EQ(first.out, "configmap/settings created\n");
  std::string version = JsonPath("cm/settings", "{.metadata.resourceVersion}");

  auto second = InNs({"apply", "-f", TestdataPath("configmap-settings.yaml")});
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  EXPECT_EQ(second.out, "configmap/settings unchanged\n");
  EXPECT_EQ(JsonPath("cm/settings", "{.metadata.resourceVersion}"), version);

  auto third = InNs({"apply", "-f", TestdataPath("configmap-settings-changed.yaml")});
  ASSERT_EQ(third.exit_code, 0) << third.Describe();
  EXPECT_EQ(third.out, "configmap/settings configured\n");
  EXPECT_EQ(JsonPath("cm/settings", "{.data.mode} {.data.level}"), "slow 1");
  EXPECT_NE(JsonPath("cm/settings", "{.metadata.resourceVersion}"), version);
  EXPECT_THAT(JsonPath("cm/settings",
                       R"({.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration})"),
              HasSubstr(R"("mode":"slow")"));

  // Apply works for a deployment too, and the generation follows spec changes only.
  ApplyFixture("deployment-web.yaml");
  EXPECT_EQ(JsonPath("deploy/web", "{.metadata.generation}"), "1");
  auto again = InNs({"apply", "-f", TestdataPath("deployment-web.yaml")});
  EXPECT_EQ(again.out, "deployment.apps/web unchanged\n") << again.Describe();
  auto relabel = InNs({"label", "deploy", "web", "extra=1"});
  ASSERT_EQ(relabel.exit_code, 0) << relabel.Describe();
  EXPECT_EQ(JsonPath("deploy/web", "{.metadata.generation}"), "1");
  auto scaled = InNs({"scale", "deploy", "web", "--replicas", "3"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.Describe();
  EXPECT_EQ(scaled.out, "deployment.apps/web scaled\n");
  EXPECT_EQ(JsonPath("deploy/web", "{.spec.replicas} {.metadata.generation}"), "3 2");
}

TEST_F(KubectlTest, ServerSideApplyTracksManagersAndConflicts) {
  auto applied = InNs({"apply", "--server-side", "-f", TestdataPath("configmap-settings.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
  EXPECT_EQ(applied.out, "configmap/settings serverside-applied\n");
  auto managers =
      InNs({"get", "cm", "settings", "--show-managed-fields", "-o",
            "jsonpath={.metadata.managedFields[*].manager}:{.metadata.managedFields[*].operation}"});
  ASSERT_EQ(managers.exit_code, 0) << managers.Describe();
  EXPECT_EQ(managers.out, "kubectl:Apply");

  auto repeated = InNs({"apply", "--server-side", "-f", TestdataPath("configmap-settings.yaml")});
  ASSERT_EQ(repeated.exit_code, 0) << repeated.Describe();
  EXPECT_EQ(repeated.out, "configmap/settings serverside-applied\n");

  // Another manager changing a field kubectl owns is a conflict...
  auto conflict = InNs({"apply", "--server-side", "--field-manager", "tuner", "-f",
                        TestdataPath("configmap-settings-changed.yaml")});
  EXPECT_EQ(conflict.exit_code, 1) << conflict.Describe();
  EXPECT_THAT(conflict.err, HasSubstr("Apply failed with 1 conflict"));
  EXPECT_THAT(conflict.err, HasSubstr("conflict with \"kubectl\""));
  EXPECT_THAT(conflict.err, HasSubstr(".data.mode"));
  EXPECT_EQ(JsonPath("cm/settings", "{.data.mode}"), "fast");

  // ...until it forces the change and takes the field over.
  auto forced = InNs({"apply", "--server-side", "--field-manager", "tuner", "--force-conflicts", "-f",
                      TestdataPath("configmap-settings-changed.yaml")});
  ASSERT_EQ(forced.exit_code, 0) << forced.Describe();
  EXPECT_EQ(forced.out, "configmap/settings serverside-applied\n");
  EXPECT_EQ(JsonPath("cm/settings", "{.data.mode}"), "slow");
  auto after = InNs({"get", "cm", "settings", "--show-managed-fields", "-o",
                     "jsonpath={.metadata.managedFields[*].manager}"});
  EXPECT_THAT(after.out, HasSubstr("tuner"));

  // Server-side apply also creates custom objects.
  EnsureWidgetCrd();
  auto widget = InNs({"apply", "--server-side", "-f", TestdataPath("widget-small.yaml")});
  ASSERT_EQ(widget.exit_code, 0) << widget.Describe();
  EXPECT_EQ(widget.out, "widget.conformance.airunway.dev/small serverside-applied\n");
  EXPECT_EQ(JsonPath("wdg/small", "{.spec.size}"), "2");
}

TEST_F(KubectlTest, DeleteWithFinalizerWaitsForTheFinalizer) {
  ApplyFixture("configmap-finalizer.yaml");
  auto deleted = InNs({"delete", "configmap", "held", "--wait=false"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.Describe();
  EXPECT_EQ(deleted.out, "configmap \"held\" deleted\n");

  // Still there, marked for deletion.
  EXPECT_FALSE(JsonPath("cm/held", "{.metadata.deletionTimestamp}").empty());
  EXPECT_EQ(JsonPath("cm/held", "{.metadata.finalizers[0]}"), "conformance.airunway.dev/hold");
  EXPECT_EQ(Names({"get", "cm", "--field-selector", "metadata.name=held"}), std::vector<std::string>{"held"});

  // Removing the finalizer lets the deletion finish.
  auto released = InNs({"patch", "configmap", "held", "--type", "json", "-p",
                        R"([{"op":"remove","path":"/metadata/finalizers"}])"});
  ASSERT_EQ(released.exit_code, 0) << released.Describe();
  bool gone = WaitFor([&] { return InNs({"get", "configmap", "held"}).exit_code == 1; }, 10s);
  EXPECT_TRUE(gone);
  auto missing = InNs({"get", "configmap", "held"});
  EXPECT_EQ(missing.err, "Error from server (NotFound): configmaps \"held\" not found\n");
}

TEST_F(KubectlTest, DeleteNamespaceDeletesItsObjects) {
  EnsureWidgetCrd();
  ApplyFixture("configmaps.yaml");
  ApplyFixture("widget-small.yaml");
  ApplyFixture("deployment-web.yaml");

  auto deleted = Run({"delete", "namespace", ns_, "--timeout", "15s"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.Describe();
  EXPECT_EQ(deleted.out, "namespace \"" + ns_ + "\" deleted\n");

  auto ns = Run({"get", "namespace", ns_});
  EXPECT_EQ(ns.exit_code, 1) << ns.Describe();
  EXPECT_EQ(ns.err, "Error from server (NotFound): namespaces \"" + ns_ + "\" not found\n");
  for (const char* kind : {"configmaps", "widgets", "deployments"}) {
    auto left = InNs({"get", kind});
    EXPECT_EQ(left.exit_code, 0) << left.Describe();
    EXPECT_EQ(left.out, "") << kind;
    EXPECT_EQ(left.err, "No resources found in " + ns_ + " namespace.\n") << kind;
  }
  auto recreate = InNs({"apply", "-f", TestdataPath("configmap-settings.yaml")});
  EXPECT_EQ(recreate.exit_code, 1) << recreate.Describe();
  EXPECT_THAT(recreate.err, HasSubstr("namespaces \"" + ns_ + "\" not found"));
}

// ------------------------------------------------------------------------------ watch

TEST_F(KubectlTest, GetWatchPrintsAddedModifiedDeleted) {
  ApplyFixture("configmap-settings.yaml");
  auto watcher = kubectl_->Start({"get", "configmaps", "-n", ns_, "--watch", "--output-watch-events"});
  ASSERT_TRUE(watcher->started());
  auto row = [](const std::string& out, const std::string& event, const std::string& name) {
    return HasRow(out, {event, name});
  };
  auto wait_for_row = [&](const std::string& event, const std::string& name) {
    return WaitFor([&] { return row(watcher->Stdout(), event, name); }, 15s);
  };
  ASSERT_TRUE(wait_for_row("ADDED", "settings")) << watcher->Stdout() << watcher->Stderr();
  EXPECT_EQ(Words(Lines(watcher->Stdout()).at(0)),
            (std::vector<std::string>{"EVENT", "NAME", "DATA", "AGE"}));

  ApplyFixture("configmaps.yaml");
  EXPECT_TRUE(wait_for_row("ADDED", "gamma")) << watcher->Stdout();

  auto patched =
      InNs({"patch", "configmap", "settings", "--type", "merge", "-p", R"({"data":{"extra":"x"}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.Describe();
  EXPECT_TRUE(wait_for_row("MODIFIED", "settings")) << watcher->Stdout();
  EXPECT_TRUE(HasRow(watcher->Stdout(), {"MODIFIED", "settings", "3"})) << watcher->Stdout();

  auto deleted = InNs({"delete", "configmap", "settings"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.Describe();
  EXPECT_TRUE(wait_for_row("DELETED", "settings")) << watcher->Stdout();

  // Each change is reported once.
  for (const char* event : {"ADDED", "MODIFIED", "DELETED"}) {
    auto lines = Lines(watcher->Stdout());
    auto count = std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return HasRow(line, {event, "settings"});
    });
    EXPECT_EQ(count, 1) << event << " in\n" << watcher->Stdout();
  }
  watcher->Signal(SIGTERM);
  EXPECT_TRUE(watcher->Wait(10s));
}

TEST_F(KubectlTest, WatchCustomObjectsWithLabelSelector) {
  EnsureWidgetCrd();
  ApplyFixture("widget-small.yaml");
  auto watcher =
      kubectl_->Start({"get", "widgets", "-n", ns_, "-l", "tier=web", "-w", "--output-watch-events"});
  ASSERT_TRUE(watcher->started());
  // The initial list arrives as ADDED; after it, the watch is open from the list's version.
  ASSERT_TRUE(WaitFor(
      [&] {
        return HasRow(watcher->Stdout(), {"ADDED", "small", "2"});
      },
      15s))
      << watcher->Stdout() << watcher->Stderr();

  auto widget = [&](const std::string& name, const std::string& tier) {
    return InNs({"apply", "-f",
                 Write(name + ".yaml",
                       "apiVersion: conformance.airunway.dev/v1\nkind: Widget\nmetadata:\n  name: " + name +
                           "\n  labels: {tier: " + tier + "}\nspec:\n  size: 1\n")});
  };
  auto other = widget("other", "db");
  ASSERT_EQ(other.exit_code, 0) << other.Describe();
  auto third = widget("third", "web");
  ASSERT_EQ(third.exit_code, 0) << third.Describe();
  auto scaled = InNs({"patch", "wdg", "small", "--type", "merge", "-p", R"({"spec":{"size":4}})"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.Describe();

  // Events arrive in order, so once the patch shows, the earlier creates have been sent too.
  EXPECT_TRUE(WaitFor(
      [&] {
        return HasRow(watcher->Stdout(), {"MODIFIED", "small", "4"});
      },
      15s))
      << watcher->Stdout();
  EXPECT_TRUE(HasRow(watcher->Stdout(), {"ADDED", "third", "1"})) << watcher->Stdout();
  EXPECT_FALSE(Contains(watcher->Stdout(), "other")) << watcher->Stdout();
  watcher->Signal(SIGTERM);
  EXPECT_TRUE(watcher->Wait(10s));
}

// ------------------------------------------------------------------------------ errors

TEST_F(KubectlTest, BadTokenIsUnauthorized) {
  auto denied = Run({"--token", "not-a-valid-token", "get", "pods", "-n", ns_});
  EXPECT_EQ(denied.exit_code, 1) << denied.Describe();
  EXPECT_THAT(denied.err, HasSubstr("error: You must be logged in to the server (Unauthorized)"));

  auto raw = Run({"--token", "not-a-valid-token", "get", "--raw", "/api/v1/namespaces"});
  EXPECT_EQ(raw.exit_code, 1) << raw.Describe();
  EXPECT_THAT(raw.err, HasSubstr("Unauthorized"));

  // The kubeconfig's own token still works.
  auto allowed = Run({"get", "--raw", "/api/v1/namespaces/" + ns_});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.Describe();
  EXPECT_THAT(allowed.out, HasSubstr(R"("kind":"Namespace")"));
}

TEST_F(KubectlTest, ReplaceWithStaleResourceVersionConflicts) {
  ApplyFixture("configmap-settings.yaml");
  auto old = InNs({"get", "configmap", "settings", "-o", "json"});
  ASSERT_EQ(old.exit_code, 0) << old.Describe();
  std::string stale = Write("stale.json", old.out);

  auto bumped = InNs({"label", "configmap", "settings", "bump=1"});
  ASSERT_EQ(bumped.exit_code, 0) << bumped.Describe();

  auto conflict = InNs({"replace", "-f", stale});
  EXPECT_EQ(conflict.exit_code, 1) << conflict.Describe();
  EXPECT_THAT(conflict.err,
              HasSubstr("Error from server (Conflict): error when replacing \"" + stale +
                        "\": Operation cannot be fulfilled on configmaps \"settings\": the object has been "
                        "modified; please apply your changes to the latest version and try again"));
  EXPECT_EQ(JsonPath("cm/settings", "{.metadata.labels.bump}"), "1");

  // With the current version the same replace goes through.
  auto current = InNs({"get", "configmap", "settings", "-o", "json"});
  ASSERT_EQ(current.exit_code, 0) << current.Describe();
  auto replaced = InNs({"replace", "-f", Write("current.json", current.out)});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.Describe();
  EXPECT_EQ(replaced.out, "configmap/settings replaced\n");

  // Creating what exists is AlreadyExists (409 too).
  auto duplicate = InNs({"create", "-f", TestdataPath("configmap-settings.yaml")});
  EXPECT_EQ(duplicate.exit_code, 1) << duplicate.Describe();
  EXPECT_THAT(duplicate.err, HasSubstr("(AlreadyExists)"));
  EXPECT_THAT(duplicate.err, HasSubstr("configmaps \"settings\" already exists"));
}

TEST_F(KubectlTest, InvalidCustomObjectIsRejectedWithFieldCauses) {
  EnsureWidgetCrd();
  auto invalid = InNs({"apply", "-f", TestdataPath("widget-invalid.yaml")});
  EXPECT_EQ(invalid.exit_code, 1) << invalid.Describe();
  EXPECT_THAT(invalid.err, HasSubstr("The Widget \"broken\" is invalid: "));
  EXPECT_THAT(invalid.err, HasSubstr("spec.size: Invalid value: 42: spec.size in body should be less than or "
                                     "equal to 10"));
  EXPECT_THAT(invalid.err, HasSubstr("spec.color: Unsupported value: \"purple\": supported values: \"red\", "
                                     "\"green\", \"blue\""));
  EXPECT_THAT(invalid.err,
              HasSubstr("spec.owner: Invalid value: \"Alice-1\": spec.owner in body should match "
                        "'^[a-z]+$'"));
  auto none = InNs({"get", "widgets"});
  EXPECT_EQ(none.err, "No resources found in " + ns_ + " namespace.\n") << none.Describe();

  auto missing = InNs({"create", "-f",
                       Write("missing.yaml",
                             "apiVersion: conformance.airunway.dev/v1\nkind: Widget\n"
                             "metadata:\n  name: empty\nspec:\n  color: blue\n")});
  EXPECT_EQ(missing.exit_code, 1) << missing.Describe();
  EXPECT_THAT(missing.err, HasSubstr("The Widget \"empty\" is invalid: spec.size: Required value"));

  auto bad_name =
      InNs({"create", "-f",
            Write("bad-name.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n")});
  EXPECT_EQ(bad_name.exit_code, 1) << bad_name.Describe();
  EXPECT_THAT(bad_name.err, HasSubstr("The ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: "
                                      "\"Not_Valid\""));
}

// ------------------------------------------------------------------------------ lifecycle

// Not a KubectlTest: it stops its own simulator.
TEST(SimLifecycleTest, SigtermEndsTheSimulatorPromptlyAfterWatches) {
  if (!KubectlAvailable()) GTEST_SKIP() << "kubectl is not installed at " << kKubectlPath;
  TempDir dir;
  std::string kubeconfig = dir.path() + "/kubeconfig";
  testing::ChildProcess sim(
      {testing::AirunwayBinary(), "sim", "--tls", "--port", "0", "--kubeconfig-out", kubeconfig});
  ASSERT_TRUE(sim.WaitForOutput("kubesim is serving on https://", 20s)) << sim.Stdout() << sim.Stderr();
  conformance::Kubectl kubectl(kubeconfig, dir.path() + "/cache");

  // `kubectl wait` watches with a long timeoutSeconds and hangs up once satisfied...
  auto crd = kubectl.Run({"apply", "-f", TestdataPath("widget-crd.yaml")});
  ASSERT_EQ(crd.exit_code, 0) << crd.Describe();
  auto waited = kubectl.Run({"wait", "--for", "condition=Established", std::string("crd/") + kCrdName});
  ASSERT_EQ(waited.exit_code, 0) << waited.Describe();
  // ...another watcher dies abruptly, and a third is still open at shutdown.
  auto killed = kubectl.Start({"get", "namespaces", "--watch"});
  ASSERT_TRUE(killed->WaitForOutput("default", 15s)) << killed->Stderr();
  killed->Signal(SIGKILL);
  killed->Wait(10s);
  auto open = kubectl.Start({"get", "namespaces", "--watch"});
  ASSERT_TRUE(open->WaitForOutput("default", 15s)) << open->Stderr();

  auto started = std::chrono::steady_clock::now();
  sim.Signal(SIGTERM);
  auto code = sim.Wait(8s);
  ASSERT_TRUE(code) << "airunway sim still runs 8 s after SIGTERM";
  EXPECT_EQ(*code, 0) << sim.Stderr();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 6s);
  open->Signal(SIGTERM);
  open->Wait(10s);
}

}  // namespace
}  // namespace airunway::conformance
