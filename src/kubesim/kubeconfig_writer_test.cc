#include "kubesim/kubeconfig_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kubesim/pki.h"

namespace airunway::kubesim {
namespace {

namespace fs = std::filesystem;
using common::ErrorCode;

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

KubeconfigOptions TokenOptions() {
  KubeconfigOptions options;
  options.server_url = "https://127.0.0.1:6443";
  options.ca_pem = kCaPem;
  options.token = "s3cr3t-token";
  return options;
}

YAML::Node Parse(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << e.what() << "\n" << text;
    return YAML::Node();
  }
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

unsigned Mode(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// A fresh directory per test under the gtest temp dir.
class KubeconfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "kubeconfig-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST(KubeconfigRenderTest, HttpsWithTokenHasOneClusterUserAndContext) {
  auto text = RenderKubeconfig(TokenOptions());
  ASSERT_TRUE(text) << text.error().message;
  YAML::Node root = Parse(*text);
  EXPECT_EQ(root["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(root["kind"].as<std::string>(), "Config");
  EXPECT_EQ(root["current-context"].as<std::string>(), "kubesim");

  ASSERT_EQ(root["clusters"].size(), 1u);
  const YAML::Node cluster = root["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), "kubesim");
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  EXPECT_EQ(Base64Decode(cluster["cluster"]["certificate-authority-data"].as<std::string>()), kCaPem);
  EXPECT_FALSE(cluster["cluster"]["insecure-skip-tls-verify"]);

  ASSERT_EQ(root["users"].size(), 1u);
  EXPECT_EQ(root["users"][0]["name"].as<std::string>(), "kubesim-admin");
  EXPECT_EQ(root["users"][0]["user"]["token"].as<std::string>(), "s3cr3t-token");
  EXPECT_FALSE(root["users"][0]["user"]["client-certificate-data"]);

  ASSERT_EQ(root["contexts"].size(), 1u);
  const YAML::Node context = root["contexts"][0];
  EXPECT_EQ(context["name"].as<std::string>(), "kubesim");
  EXPECT_EQ(context["context"]["cluster"].as<std::string>(), "kubesim");
  EXPECT_EQ(context["context"]["user"].as<std::string>(), "kubesim-admin");
  EXPECT_EQ(context["context"]["namespace"].as<std::string>(), "default");
}

TEST(KubeconfigRenderTest, PlainHttpSkipsTlsVerification) {
  KubeconfigOptions options;
  options.server_url = "http://127.0.0.1:8080";
  options.token = "t";
  auto text = RenderKubeconfig(options);
  ASSERT_TRUE(text) << text.error().message;
  YAML::Node cluster = Parse(*text)["clusters"][0]["cluster"];
  EXPECT_TRUE(cluster["insecure-skip-tls-verify"].as<bool>());
  EXPECT_FALSE(cluster["certificate-authority-data"]);
}

TEST(KubeconfigRenderTest, ClientCertificateUserCarriesCertAndKeyData) {
  auto ca = GenerateCa("kubesim-ca");
  ASSERT_TRUE(ca);
  auto client = IssueClientCertificate(*ca, "alice", {"dev"});
  ASSERT_TRUE(client);
  KubeconfigOptions options;
  options.server_url = "https://localhost:6443";
  options.ca_pem = ca->cert_pem;
  options.user_name = "alice";
  options.context_name = "alice@kubesim";
  options.namespace_name = "team-a";
  options.client_cert_pem = client->cert_pem;
  options.client_key_pem = client->key_pem;
  auto text = RenderKubeconfig(options);
  ASSERT_TRUE(text) << text.error().message;
  YAML::Node root = Parse(*text);
  const YAML::Node user = root["users"][0]["user"];
  EXPECT_EQ(Base64Decode(user["client-certificate-data"].as<std::string>()), client->cert_pem);
  EXPECT_EQ(Base64Decode(user["client-key-data"].as<std::string>()), client->key_pem);
  EXPECT_FALSE(user["token"]);
  EXPECT_EQ(root["current-context"].as<std::string>(), "alice@kubesim");
  EXPECT_EQ(root["contexts"][0]["context"]["user"].as<std::string>(), "alice");
  EXPECT_EQ(root["contexts"][0]["context"]["namespace"].as<std::string>(), "team-a");

  // The decoded data is what kubectl would load: it still verifies against the CA.
  auto subject = VerifyClientCertificate(
      *Base64Decode(root["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>()),
      *Base64Decode(user["client-certificate-data"].as<std::string>()));
  ASSERT_TRUE(subject);
  EXPECT_EQ(subject->common_name, "alice");
}

TEST(KubeconfigRenderTest, RejectsInconsistentOptions) {
  KubeconfigOptions no_url = TokenOptions();
  no_url.server_url.clear();
  EXPECT_EQ(RenderKubeconfig(no_url).error().code, ErrorCode::kInvalid);

  KubeconfigOptions bad_scheme = TokenOptions();
  bad_scheme.server_url = "ftp://127.0.0.1";
  EXPECT_NE(RenderKubeconfig(bad_scheme).error().message.find("ftp://127.0.0.1"), std::string::npos);

  KubeconfigOptions no_ca = TokenOptions();
  no_ca.ca_pem.clear();
  EXPECT_EQ(RenderKubeconfig(no_ca).error().code, ErrorCode::kInvalid);
  no_ca.insecure_skip_tls_verify = true;
  auto insecure = RenderKubeconfig(no_ca);
  ASSERT_TRUE(insecure);
  EXPECT_TRUE(Parse(*insecure)["clusters"][0]["cluster"]["insecure-skip-tls-verify"].as<bool>());

  KubeconfigOptions half_cert = TokenOptions();
  half_cert.client_cert_pem = kCaPem;
  EXPECT_EQ(RenderKubeconfig(half_cert).error().code, ErrorCode::kInvalid);
}

TEST_F(KubeconfigFileTest, WritesMode0600AndParsesBack) {
  const fs::path path = dir_ / "nested" / "dir" / "config";
  auto written = WriteKubeconfig(path.string(), TokenOptions());
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(Mode(dir_ / "nested"), 0700u);
  YAML::Node root = Parse(ReadFile(path));
  EXPECT_EQ(root["users"][0]["user"]["token"].as<std::string>(), "s3cr3t-token");
  EXPECT_EQ(root["current-context"].as<std::string>(), "kubesim");
}

TEST_F(KubeconfigFileTest, ReplacesAnExistingFileAndLeavesNoTemporaries) {
  const fs::path path = dir_ / "config";
  {
    std::ofstream old(path);
    old << "old: content\n";
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  ASSERT_TRUE(WriteKubeconfig(path.string(), TokenOptions()));
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_FALSE(Parse(ReadFile(path))["old"]);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(KubeconfigFileTest, ErrorNamesThePathAndTheCause) {
  // A directory where the file should go: rename() fails even for root.
  const fs::path path = dir_ / "config";
  fs::create_directory(path);
  auto written = WriteKubeconfig(path.string(), TokenOptions());
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message, "writing kubeconfig \"" + path.string() + "\": Is a directory");
  EXPECT_EQ(written.error().message.find("s3cr3t-token"), std::string::npos);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1) << "the temporary file is removed";
}

TEST_F(KubeconfigFileTest, UnwritableDirectoryIsReported) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const fs::path locked = dir_ / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  const fs::path path = locked / "config";
  auto written = WriteKubeconfig(path.string(), TokenOptions());
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find(path.string()), std::string::npos) << written.error().message;
  EXPECT_NE(written.error().message.find("Permission denied"), std::string::npos) << written.error().message;
}

TEST_F(KubeconfigFileTest, ParentThatIsAFileIsReported) {
  const fs::path blocker = dir_ / "file";
  std::ofstream(blocker) << "x";
  auto written = WriteKubeconfig((blocker / "config").string(), TokenOptions());
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find((blocker / "config").string()), std::string::npos)
      << written.error().message;
}

}  // namespace
}  // namespace airunway::kubesim
