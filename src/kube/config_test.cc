#include "kube/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace airunway::kube {
namespace {

using common::ErrorCode;

const std::string kData = KUBE_TESTDATA;

std::string Path(const std::string& name) { return kData + "/" + name; }

Config MustResolve(const std::string& file, const std::string& context = {}) {
  auto kubeconfig = Kubeconfig::Load({.kubeconfig_path = Path(file)});
  EXPECT_TRUE(kubeconfig) << (kubeconfig ? "" : kubeconfig.error().message);
  if (!kubeconfig) return {};
  auto config = kubeconfig->Resolve(context);
  EXPECT_TRUE(config) << (config ? "" : config.error().message);
  return config ? *config : Config{};
}

common::Error MustFail(const std::string& file, const std::string& context) {
  auto kubeconfig = Kubeconfig::Load({.kubeconfig_path = Path(file)});
  EXPECT_TRUE(kubeconfig);
  if (!kubeconfig) return {};
  auto config = kubeconfig->Resolve(context);
  EXPECT_FALSE(config) << "context " << context << " resolved";
  return config ? common::Error{} : config.error();
}

Getenv Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(KubeconfigTest, TokenUserWithCaDataAndNamespace) {
  Config config = MustResolve("token.yaml");
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(config.namespace_name, "team-a");
  EXPECT_EQ(config.context_name, "dev");
  EXPECT_EQ(config.cluster_name, "dev-cluster");
  EXPECT_EQ(config.user_name, "dev-user");
  EXPECT_NE(config.tls.ca_pem.find("fake-ca"), std::string::npos);
  ASSERT_TRUE(config.credentials);
  EXPECT_EQ(config.credentials->Kind(), "token");
  auto credential = config.credentials->Get();
  ASSERT_TRUE(credential);
  EXPECT_EQ(credential->bearer_token, "static-token-abc");
}

TEST(KubeconfigTest, RelativeFilesResolveAgainstTheKubeconfigDirectory) {
  Config config = MustResolve("files.yaml");
  EXPECT_EQ(config.namespace_name, "default");
  EXPECT_NE(config.tls.ca_pem.find("fake-ca"), std::string::npos);
  EXPECT_NE(config.tls.client_cert_pem.find("fake-client"), std::string::npos);
  EXPECT_NE(config.tls.client_key_pem.find("fake-key"), std::string::npos);
  EXPECT_EQ(config.credentials->Kind(), "token-file");
  auto credential = config.credentials->Get();
  ASSERT_TRUE(credential);
  EXPECT_EQ(credential->bearer_token, "file-token-123");  // trimmed
}

TEST(KubeconfigTest, ClientCertificateDataAndServerName) {
  Config config = MustResolve("cert-data.yaml");
  EXPECT_NE(config.tls.client_cert_pem.find("fake-client"), std::string::npos);
  EXPECT_NE(config.tls.client_key_pem.find("fake-key"), std::string::npos);
  EXPECT_EQ(config.tls.server_name, "kubernetes.default.svc");
  EXPECT_EQ(config.credentials->Kind(), "anonymous");
}

TEST(KubeconfigTest, BasicAuth) {
  Config config = MustResolve("basic.yaml");
  EXPECT_EQ(config.server, "http://localhost:8080");
  auto credential = config.credentials->Get();
  ASSERT_TRUE(credential);
  EXPECT_EQ(credential->username, "admin");
  EXPECT_EQ(credential->password, "s3cret");
  EXPECT_EQ(config.credentials->Kind(), "basic");
}

TEST(KubeconfigTest, OidcIdTokenAndHttpProxy) {
  Config config = MustResolve("oidc.yaml");
  EXPECT_EQ(config.proxy_url, "http://proxy.local:3128");
  EXPECT_EQ(config.credentials->Kind(), "oidc");
  auto credential = config.credentials->Get();
  ASSERT_TRUE(credential);
  EXPECT_EQ(credential->bearer_token, "oidc-id-token");
}

TEST(KubeconfigTest, UnsupportedAuthProviderNamesTheField) {
  auto error = MustFail("oidc.yaml", "gcp");
  EXPECT_EQ(error.code, ErrorCode::kInvalid);
  EXPECT_NE(error.message.find("user \"gcp\": auth-provider.name"), std::string::npos) << error.message;
}

TEST(KubeconfigTest, ExecPluginRunsRelativeToTheKubeconfig) {
  Config config = MustResolve("exec.yaml");
  EXPECT_TRUE(config.tls.insecure_skip_verify);
  EXPECT_EQ(config.proxy_url, "socks5://127.0.0.1:1080");
  EXPECT_EQ(config.credentials->Kind(), "exec");
  auto credential = config.credentials->Get();
  ASSERT_TRUE(credential) << credential.error().message;
  EXPECT_EQ(credential->bearer_token, "from-plugin");
}

TEST(KubeconfigTest, MissingExecPluginShowsTheInstallHint) {
  Config config = MustResolve("exec.yaml", "missing");
  auto credential = config.credentials->Get();
  ASSERT_FALSE(credential);
  EXPECT_EQ(credential.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(credential.error().message.find("kubectl-login-that-does-not-exist"), std::string::npos);
  EXPECT_NE(credential.error().message.find("brew install kubectl-login"), std::string::npos);
}

TEST(KubeconfigTest, FailingExecPluginReportsItsExitStatusAndStderr) {
  Config config = MustResolve("exec.yaml", "failing");
  auto credential = config.credentials->Get();
  ASSERT_FALSE(credential);
  EXPECT_NE(credential.error().message.find("exited with status 3"), std::string::npos) << credential.error().message;
  EXPECT_NE(credential.error().message.find("you must log in first"), std::string::npos);
}

TEST(KubeconfigTest, BrokenContextsDoNotStopTheGoodOne) {
  auto kubeconfig = Kubeconfig::Load({.kubeconfig_path = Path("partly-broken.yaml")});
  ASSERT_TRUE(kubeconfig);
  EXPECT_EQ(kubeconfig->ContextNames().size(), 8u);
  ASSERT_EQ(kubeconfig->problems().size(), 1u);  // the nameless cluster
  EXPECT_NE(kubeconfig->problems()[0].find("clusters[4]: name: missing"), std::string::npos);
  auto good = kubeconfig->Resolve();
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->context_name, "good");

  const std::string file = Path("partly-broken.yaml");
  struct Case {
    std::string context;
    std::string message;
  };
  for (const auto& [context, message] : std::vector<Case>{
           {"bad-ca", file + ": cluster \"bad-ca\": certificate-authority-data: not valid base64"},
           {"no-server", file + ": cluster \"no-server\": server: missing"},
           {"missing-ca-file", file + ": cluster \"missing-ca-file\": certificate-authority: cannot read"},
           {"unknown-cluster", file + ": context \"unknown-cluster\": cluster: cluster \"nowhere\" is not defined"},
           {"unknown-user", file + ": context \"unknown-user\": user: user \"nobody\" is not defined"},
           {"half-cert", file + ": user \"half-cert\": client-key: missing"},
           {"both", file + ": user \"both\": username: a user may have a token or a username/password"},
       }) {
    auto error = MustFail("partly-broken.yaml", context);
    EXPECT_EQ(error.code, ErrorCode::kInvalid) << context;
    EXPECT_EQ(error.message.rfind(message, 0), 0u) << context << ": " << error.message;
  }
}

TEST(KubeconfigTest, BrokenMessagesNeverCarrySecrets) {
  auto error = MustFail("partly-broken.yaml", "both");
  EXPECT_EQ(error.message.find("good-token"), std::string::npos);
  EXPECT_EQ(error.message.find(": t,"), std::string::npos);
}

TEST(KubeconfigTest, UnknownContext) {
  auto error = MustFail("token.yaml", "prod");
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_NE(error.message.find("context \"prod\" not found"), std::string::npos);
}

TEST(KubeconfigTest, MalformedYamlNamesFileAndLine) {
  auto kubeconfig = Kubeconfig::Load({.kubeconfig_path = Path("broken-syntax.yaml")});
  ASSERT_FALSE(kubeconfig);
  EXPECT_EQ(kubeconfig.error().code, ErrorCode::kInvalid);
  EXPECT_NE(kubeconfig.error().message.find("broken-syntax.yaml: malformed YAML at line"), std::string::npos)
      << kubeconfig.error().message;
}

TEST(KubeconfigTest, OtherKindsAreNotKubeconfigs) {
  auto kubeconfig = Kubeconfig::Load({.kubeconfig_path = Path("not-a-config.yaml")});
  ASSERT_FALSE(kubeconfig);
  EXPECT_NE(kubeconfig.error().message.find("kind: want Config, got Pod"), std::string::npos);
}

TEST(KubeconfigTest, ExplicitMissingFileIsAnError) {
  auto kubeconfig = Kubeconfig::Load({.kubeconfig_path = Path("nope.yaml")});
  ASSERT_FALSE(kubeconfig);
  EXPECT_EQ(kubeconfig.error().code, ErrorCode::kNotFound);
  EXPECT_NE(kubeconfig.error().message.find("nope.yaml"), std::string::npos);
}

TEST(KubeconfigTest, KubeconfigVariableMergesFirstWins) {
  LoadOptions options;
  options.getenv = Env({{"KUBECONFIG", Path("merge-a.yaml") + ":" + Path("missing.yaml") + ":" +
                                           Path("broken-syntax.yaml") + ":" + Path("merge-b.yaml")}});
  auto kubeconfig = Kubeconfig::Load(options);
  ASSERT_TRUE(kubeconfig) << kubeconfig.error().message;
  EXPECT_EQ(kubeconfig->current_context(), "a");
  EXPECT_EQ(kubeconfig->ContextNames(), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(kubeconfig->problems().size(), 1u);  // the broken file; the missing one is skipped silently
  EXPECT_NE(kubeconfig->problems()[0].find("broken-syntax.yaml"), std::string::npos);

  auto a = kubeconfig->Resolve();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->server, "https://a.example:6443");  // context "a", cluster "shared" from the first file
  EXPECT_EQ(a->credentials->Get()->bearer_token, "token-a");
  auto b = kubeconfig->Resolve("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->server, "https://only-b.example:6443");
  EXPECT_EQ(b->namespace_name, "bee");
  EXPECT_EQ(b->credentials->Get()->bearer_token, "token-a");  // user "shared" from the first file
}

TEST(KubeconfigTest, HomeConfigIsTheFallback) {
  auto home = std::filesystem::temp_directory_path() / ("kube-home-" + std::to_string(::getpid()));
  std::filesystem::create_directories(home / ".kube");
  std::filesystem::copy_file(Path("basic.yaml"), home / ".kube" / "config",
                             std::filesystem::copy_options::overwrite_existing);
  LoadOptions options;
  options.getenv = Env({{"HOME", home.string()}});
  auto config = LoadConfig(options);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->context_name, "basic");
  std::filesystem::remove_all(home);
}

TEST(KubeconfigTest, InClusterWhenNoKubeconfig) {
  auto dir = std::filesystem::temp_directory_path() / ("kube-sa-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "sa-token-1\n";
  std::ofstream(dir / "ca.crt") << "-----BEGIN CERTIFICATE-----\nsa-ca\n-----END CERTIFICATE-----\n";
  std::ofstream(dir / "namespace") << "airunway-system";
  LoadOptions options;
  options.in_cluster_dir = dir.string();
  options.getenv = Env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"},
                        {"HOME", "/nonexistent-home"}});
  auto config = LoadConfig(options);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->namespace_name, "airunway-system");
  EXPECT_EQ(config->context_name, "inClusterContext");
  EXPECT_NE(config->tls.ca_pem.find("sa-ca"), std::string::npos);
  EXPECT_EQ(config->credentials->Get()->bearer_token, "sa-token-1");

  // The projected token rotates: the next request sees the new one.
  std::ofstream(dir / "token", std::ios::trunc) << "sa-token-2-rotated\n";
  EXPECT_EQ(config->credentials->Get()->bearer_token, "sa-token-2-rotated");

  options.getenv = Env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"KUBERNETES_SERVICE_PORT", "8080"}});
  auto plain = LoadConfig(options);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->server, "http://10.0.0.1:8080");
  std::filesystem::remove_all(dir);
}

TEST(KubeconfigTest, NothingFoundSaysWhereItLooked) {
  LoadOptions options;
  options.in_cluster_dir = "/nonexistent-sa";
  options.getenv = Env({{"HOME", "/nonexistent-home"}});
  auto config = LoadConfig(options);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_NE(config.error().message.find("/nonexistent-home/.kube/config"), std::string::npos);
  EXPECT_NE(config.error().message.find("not running in a cluster"), std::string::npos);
}

TEST(KubeconfigTest, ParseFromText) {
  auto kubeconfig = Kubeconfig::Parse("", "empty.yaml");
  ASSERT_TRUE(kubeconfig);
  EXPECT_TRUE(kubeconfig->ContextNames().empty());
  auto config = kubeconfig->Resolve();
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("no current-context"), std::string::npos);

  auto list = Kubeconfig::Parse("- a\n- b\n", "list.yaml");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("list.yaml: not a kubeconfig"), std::string::npos);
}

}  // namespace
}  // namespace airunway::kube
