// Every kind of kubeconfig fixture in testdata/, end to end: each file is copied into a
// scratch directory with its placeholders pointed at the running kubesim (server URL, CA,
// client certificates issued by kubesim's CA, proxy), loaded through the real loader
// (LoadConfig with --kubeconfig, or $KUBECONFIG merging), and then used for real requests
// over HTTPS. Tokens the fixtures carry are registered in kubesim under their own user
// names, so each test can ask kubesim who the client is (a SelfSubjectReview).
//
// Fixture (credential kind)                        -> test
//   token.yaml (CA data, token, context namespace)   TokenWithCaDataAndContextNamespace
//   files.yaml (CA file, client cert/key files)      CaFileAndClientCertificateFiles
//   cert-data.yaml (cert/key data, tls-server-name)  CertificateDataAndTlsServerName
//   token-file.yaml (tokenFile, rotated)             TokenFileIsReadAgainWhenItRotates
//   basic.yaml (username/password)                   BasicAuthIsRefusedClearly
//   oidc.yaml (id-token, proxy-url)                  OidcIdTokenThroughTheKubeconfigsProxy
//   exec.yaml `exec` (v1, insecure-skip-tls-verify)  ExecPluginV1WithInsecureSkipTlsVerify
//   exec.yaml `missing` (v1beta1, installHint)       MissingExecPluginShowsItsInstallHint
//   exec.yaml `failing`                              FailingExecPluginShowsItsError
//   exec-refresh.yaml `expiring` (v1beta1)           ExpiredExecCredentialIsRenewedBeforeTheNextRequest
//   exec-refresh.yaml `revoked` (v1, 401)            RejectedExecCredentialIsRefreshedAfter401
//   merge-a.yaml + merge-b.yaml ($KUBECONFIG)        KubeconfigVariableMergesFirstWins
//   partly-broken.yaml                               GoodContextWorksBesideBrokenOnes
//   in-cluster service account                       InClusterServiceAccount
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>

#include "kube/encoding.h"
#include "kube/errors.h"
#include "kube/kubesim_fixture.h"
#include "kube/test_servers.h"

namespace airunway::kube {
namespace {

using common::ErrorCode;
using namespace testing;  // the kubesim fixture and its helpers

const std::string kData = KUBE_TESTDATA;

// What to point a fixture's placeholders at besides kubesim itself.
struct Rewrite {
  std::map<std::string, std::string> servers;  // by cluster name; the others get kubesim's URL
  std::map<std::string, std::string> cluster_fields;  // set on every cluster, e.g. tls-server-name
  std::string proxy_url;  // replaces proxy-url entries; they are dropped when empty
};

Getenv Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    if (auto it = values.find(name); it != values.end()) return it->second;
    return std::nullopt;
  };
}

class KubeconfigFixtureTest : public KubesimTest {
 protected:
  void SetUp() override {
    KubesimTest::SetUp();
    auto issued = sim_.IssueClientCertificate("fixture-cert-user", {"system:masters"});
    ASSERT_TRUE(issued) << issued.error().message;
    client_cert_ = *issued;
    // The tokens the fixtures carry, each under a user name the tests can recognise.
    for (const auto& [token, user] : std::map<std::string, std::string>{{"static-token-abc", "token-user"},
                                                                        {"file-token-123", "token-file-user"},
                                                                        {"oidc-id-token", "oidc-user"},
                                                                        {"from-plugin", "exec-v1-user"},
                                                                        {"token-a", "merge-a-user"},
                                                                        {"good-token", "good-user"}}) {
      ASSERT_TRUE(sim_.authenticator().AddToken(token, {.username = user}));
    }
  }

  // Copies testdata/`name` into the scratch directory, pointed at kubesim, and returns the
  // copy's path. Placeholder *-data values (PEM in base64) are replaced; relative files the
  // fixture names (CA, client certificate and key, token file, exec plugin) are written
  // beside the copy when testdata has them, so missing ones stay missing.
  std::string Install(const std::string& name, const Rewrite& rewrite = {}) {
    const std::string dir = ScratchDir();
    auto text = ReadFile(kData + "/" + name);
    EXPECT_TRUE(text) << text.error().message;
    if (!text) return {};
    for (auto at = text->find("@DIR@"); at != std::string::npos; at = text->find("@DIR@", at)) {
      text->replace(at, 5, dir);
    }
    try {
      YAML::Node root = YAML::Load(*text);
      for (YAML::Node entry : root["clusters"]) {
        YAML::Node cluster = entry["cluster"];
        const std::string cluster_name = entry["name"] ? entry["name"].as<std::string>() : "";
        if (cluster["server"]) {
          auto it = rewrite.servers.find(cluster_name);
          cluster["server"] = it != rewrite.servers.end() ? it->second : sim_.url();
        }
        if (cluster["proxy-url"]) {
          if (rewrite.proxy_url.empty()) {
            cluster.remove("proxy-url");
          } else {
            cluster["proxy-url"] = rewrite.proxy_url;
          }
        }
        const bool insecure = cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>();
        if (cluster["certificate-authority"]) {
          Provide(dir, cluster["certificate-authority"].as<std::string>(), sim_.ca_pem());
        } else if (cluster["certificate-authority-data"]) {
          ReplacePlaceholder(cluster["certificate-authority-data"], sim_.ca_pem());
        } else if (!insecure) {
          cluster["certificate-authority-data"] = Base64Encode(sim_.ca_pem());  // the server is now kubesim
        }
        for (const auto& [field, value] : rewrite.cluster_fields) cluster[field] = value;
      }
      for (YAML::Node entry : root["users"]) {
        YAML::Node user = entry["user"];
        if (user["client-certificate-data"]) ReplacePlaceholder(user["client-certificate-data"], client_cert_.cert_pem);
        if (user["client-key-data"]) ReplacePlaceholder(user["client-key-data"], client_cert_.key_pem);
        if (user["client-certificate"]) Provide(dir, user["client-certificate"].as<std::string>(), client_cert_.cert_pem);
        if (user["client-key"]) Provide(dir, user["client-key"].as<std::string>(), client_cert_.key_pem);
        if (user["tokenFile"]) Provide(dir, user["tokenFile"].as<std::string>(), {});
        if (user["exec"] && user["exec"]["command"]) Provide(dir, user["exec"]["command"].as<std::string>(), {});
      }
      YAML::Emitter out;
      out << root;
      const std::string path = dir + "/" + name;
      EXPECT_TRUE(WriteTextFile(path, out.c_str()));
      return path;
    } catch (const YAML::Exception& error) {
      ADD_FAILURE() << name << ": " << error.what();
      return {};
    }
  }

  // LoadConfig with --kubeconfig `path` (and no environment), as a command would.
  Config MustLoad(const std::string& path, const std::string& context = {}) {
    auto config = LoadConfig({.kubeconfig_path = path, .context = context, .getenv = Env({})});
    EXPECT_TRUE(config) << (config ? "" : config.error().message);
    return config ? *config : Config{};
  }

  // Who kubesim says a client for `config` is.
  static std::string WhoIs(const Config& config) {
    Client client(config, Options());
    return WhoAmI(client);
  }

  kubesim::CertificateAndKey client_cert_;

 private:
  // Writes `content` (or, when empty, testdata's own file) for the relative path `file`,
  // only if testdata has that file.
  static void Provide(const std::string& dir, const std::string& file, const std::string& content) {
    if (file.empty() || file.front() == '/' || !std::filesystem::exists(kData + "/" + file)) return;
    const std::string target = dir + "/" + file;
    if (content.empty()) {
      std::filesystem::copy_file(kData + "/" + file, target, std::filesystem::copy_options::overwrite_existing);
    } else {
      EXPECT_TRUE(WriteTextFile(target, content));
    }
  }
  // The fixtures' fake PEM blocks all start "-----BEGIN" (base64 "LS0tLS1CRUdJTi"); anything
  // else (such as a deliberately broken value) is left as it is.
  static void ReplacePlaceholder(YAML::Node node, const std::string& pem) {
    if (node.as<std::string>().starts_with("LS0tLS1CRUdJTi")) node = Base64Encode(pem);
  }
};

TEST_F(KubeconfigFixtureTest, TokenWithCaDataAndContextNamespace) {  // token.yaml
  Config config = MustLoad(Install("token.yaml"));
  EXPECT_EQ(config.namespace_name, "team-a");
  EXPECT_EQ(config.credentials->Kind(), "token");
  EXPECT_EQ(WhoIs(config), "token-user");
}

TEST_F(KubeconfigFixtureTest, CaFileAndClientCertificateFiles) {  // files.yaml
  Config config = MustLoad(Install("files.yaml"));
  EXPECT_EQ(config.tls.ca_pem, sim_.ca_pem());
  // kubesim, like the API server, tries the certificate before the token the file also names.
  EXPECT_EQ(WhoIs(config), "fixture-cert-user");
}

TEST_F(KubeconfigFixtureTest, CertificateDataAndTlsServerName) {  // cert-data.yaml
  // As written, tls-server-name is kubernetes.default.svc, which kubesim's certificate does
  // not name: the name is what is verified (127.0.0.1 alone would have passed).
  Config as_written = MustLoad(Install("cert-data.yaml"));
  EXPECT_EQ(as_written.tls.server_name, "kubernetes.default.svc");
  auto refused = Client(as_written, Options()).List(kConfigMaps, "default");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().reason, "TLSError");
  EXPECT_NE(refused.error().message.find("tls-server-name"), std::string::npos) << refused.error().message;

  Config by_name = MustLoad(Install("cert-data.yaml", {.cluster_fields = {{"tls-server-name", "localhost"}}}));
  EXPECT_EQ(by_name.tls.server_name, "localhost");
  EXPECT_EQ(WhoIs(by_name), "fixture-cert-user");
}

TEST_F(KubeconfigFixtureTest, TokenFileIsReadAgainWhenItRotates) {  // token-file.yaml
  const std::string path = Install("token-file.yaml");
  Config config = MustLoad(path);
  EXPECT_EQ(config.credentials->Kind(), "token-file");
  Client client(config, Options());
  EXPECT_EQ(WhoAmI(client), "token-file-user");

  ASSERT_TRUE(sim_.authenticator().AddToken("rotated-token-2", {.username = "rotated-user"}));
  ASSERT_TRUE(WriteTextFile(ScratchDir() + "/token.txt", "rotated-token-2\n"));
  EXPECT_EQ(WhoAmI(client), "rotated-user");  // the same client, no restart
}

TEST_F(KubeconfigFixtureTest, BasicAuthIsRefusedClearly) {  // basic.yaml
  // kubesim, like Kubernetes since 1.19, has no basic authentication: the user sees 401
  // Unauthorized, and the password never appears in the message.
  Config config = MustLoad(Install("basic.yaml"));
  EXPECT_EQ(config.credentials->Kind(), "basic");
  auto result = Client(config, Options()).List(kConfigMaps, "default");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(result.error().reason, "Unauthorized");
  EXPECT_NE(result.error().message.find("Unauthorized"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("s3cret"), std::string::npos) << result.error().message;
}

TEST_F(KubeconfigFixtureTest, OidcIdTokenThroughTheKubeconfigsProxy) {  // oidc.yaml
  ConnectProxy proxy(sim_.port());
  Config config =
      MustLoad(Install("oidc.yaml", {.proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port())}));
  EXPECT_EQ(config.credentials->Kind(), "oidc");
  EXPECT_EQ(WhoIs(config), "oidc-user");
  EXPECT_GE(proxy.connects(), 1);

  auto gcp = LoadConfig({.kubeconfig_path = ScratchDir() + "/oidc.yaml", .context = "gcp", .getenv = Env({})});
  ASSERT_FALSE(gcp);
  EXPECT_NE(gcp.error().message.find("gcp"), std::string::npos) << gcp.error().message;
}

TEST_F(KubeconfigFixtureTest, ExecPluginV1WithInsecureSkipTlsVerify) {  // exec.yaml, context exec
  Config config = MustLoad(Install("exec.yaml"));
  EXPECT_TRUE(config.tls.insecure_skip_verify);
  EXPECT_TRUE(config.tls.ca_pem.empty());
  EXPECT_EQ(config.credentials->Kind(), "exec");
  EXPECT_EQ(WhoIs(config), "exec-v1-user");
}

TEST_F(KubeconfigFixtureTest, MissingExecPluginShowsItsInstallHint) {  // exec.yaml, context missing (v1beta1)
  Config config = MustLoad(Install("exec.yaml"), "missing");
  auto result = Client(config, Options()).List(kConfigMaps, "default");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("kubectl-login-that-does-not-exist"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("kubectl-login is missing: run 'brew install kubectl-login'"),
            std::string::npos)
      << result.error().message;
}

TEST_F(KubeconfigFixtureTest, FailingExecPluginShowsItsError) {  // exec.yaml, context failing
  Config config = MustLoad(Install("exec.yaml"), "failing");
  auto result = Client(config, Options()).List(kConfigMaps, "default");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("plugin: you must log in first"), std::string::npos)
      << result.error().message;
}

TEST_F(KubeconfigFixtureTest, ExpiredExecCredentialIsRenewedBeforeTheNextRequest) {  // exec-refresh.yaml, v1beta1
  const std::string path = Install("exec-refresh.yaml");
  const std::string dir = ScratchDir();
  ASSERT_TRUE(sim_.authenticator().AddToken("beta-token-1", {.username = "exec-beta-1"}));
  ASSERT_TRUE(sim_.authenticator().AddToken("beta-token-2", {.username = "exec-beta-2"}));
  ASSERT_TRUE(WriteTextFile(dir + "/expiring-token", "beta-token-1"));
  Client client(MustLoad(path, "expiring"), Options());
  EXPECT_EQ(WhoAmI(client), "exec-beta-1");
  ASSERT_TRUE(WriteTextFile(dir + "/expiring-token", "beta-token-2"));  // the plugin's next answer
  EXPECT_EQ(WhoAmI(client), "exec-beta-2");  // no 401 needed: the old credential had expired
  auto runs = ReadFile(dir + "/expiring-runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(std::count(runs->begin(), runs->end(), '\n'), 2);
}

TEST_F(KubeconfigFixtureTest, RejectedExecCredentialIsRefreshedAfter401) {  // exec-refresh.yaml, v1
  const std::string path = Install("exec-refresh.yaml");
  const std::string dir = ScratchDir();
  ASSERT_TRUE(WriteTextFile(dir + "/revoked-token", "stale-token-from-yesterday"));
  Client client(MustLoad(path, "revoked"), Options());
  auto rejected = client.List(kConfigMaps, "default");
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::kUnauthorized);

  ASSERT_TRUE(sim_.authenticator().AddToken("fresh-token", {.username = "exec-v1-fresh"}));
  ASSERT_TRUE(WriteTextFile(dir + "/revoked-token", "fresh-token"));  // the user logs in again
  EXPECT_EQ(WhoAmI(client), "exec-v1-fresh");
  EXPECT_EQ(WhoAmI(client), "exec-v1-fresh");  // cached: no new plugin run
  auto runs = ReadFile(dir + "/revoked-runs");
  ASSERT_TRUE(runs);
  // Run 1: stale; 2: refreshed after the first 401, still stale; 3: refreshed after the
  // next request's 401, now valid; the last request reuses it.
  EXPECT_EQ(std::count(runs->begin(), runs->end(), '\n'), 3);
}

TEST_F(KubeconfigFixtureTest, KubeconfigVariableMergesFirstWins) {  // merge-a.yaml + merge-b.yaml
  // merge-b's own "shared" cluster points nowhere and its "shared" user's token-b is unknown
  // to kubesim: requests only work if merge-a's entries win, as kubectl merges.
  const std::string a = Install("merge-a.yaml");
  const std::string b = Install("merge-b.yaml", {.servers = {{"shared", "https://127.0.0.1:1"}}});
  const std::string list = a + ":" + ScratchDir() + "/missing.yaml:" + b;

  auto current = LoadConfig({.getenv = Env({{"KUBECONFIG", list}, {"HOME", "/nonexistent-home"}})});
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(current->context_name, "a");
  EXPECT_EQ(current->server, sim_.url());
  EXPECT_EQ(WhoIs(*current), "merge-a-user");

  auto only_b = LoadConfig({.context = "b", .getenv = Env({{"KUBECONFIG", list}, {"HOME", "/nonexistent-home"}})});
  ASSERT_TRUE(only_b) << only_b.error().message;
  EXPECT_EQ(only_b->namespace_name, "bee");
  EXPECT_EQ(WhoIs(*only_b), "merge-a-user");
}

TEST_F(KubeconfigFixtureTest, GoodContextWorksBesideBrokenOnes) {  // partly-broken.yaml
  const std::string path = Install("partly-broken.yaml");
  EXPECT_EQ(WhoIs(MustLoad(path)), "good-user");
  for (const char* context : {"bad-ca", "no-server", "missing-ca-file", "half-cert"}) {
    auto broken = LoadConfig({.kubeconfig_path = path, .context = context, .getenv = Env({})});
    ASSERT_FALSE(broken) << context;
    EXPECT_EQ(broken.error().code, ErrorCode::kInvalid) << context << ": " << broken.error().message;
  }
}

TEST_F(KubeconfigFixtureTest, InClusterServiceAccount) {
  const std::string dir = ScratchDir();
  ASSERT_TRUE(sim_.authenticator().AddToken("sa-token", {.username = "system:serviceaccount:llm:airunway"}));
  ASSERT_TRUE(WriteTextFile(dir + "/token", "sa-token\n"));
  ASSERT_TRUE(WriteTextFile(dir + "/ca.crt", sim_.ca_pem()));
  ASSERT_TRUE(WriteTextFile(dir + "/namespace", "llm"));
  auto config = LoadConfig({.getenv = Env({{"KUBERNETES_SERVICE_HOST", "127.0.0.1"},
                                           {"KUBERNETES_SERVICE_PORT", std::to_string(sim_.port())},
                                           {"HOME", "/nonexistent-home"}}),
                            .in_cluster_dir = dir});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->namespace_name, "llm");
  EXPECT_EQ(WhoIs(*config), "system:serviceaccount:llm:airunway");
}

}  // namespace
}  // namespace airunway::kube
