#include "kube/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/time.h"
#include "kube/encoding.h"

namespace airunway::kube {
namespace {

using common::ErrorCode;
using namespace std::chrono_literals;

const std::string kPlugin = std::string(KUBE_TESTDATA) + "/exec-plugin.sh";

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("kube-cred-" + std::to_string(::getpid()) + "-" +
                                                              std::to_string(counter_++))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

int Lines(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return 0;
  return static_cast<int>(std::count(text->begin(), text->end(), '\n'));
}

ExecConfig Plugin(const TempDir& dir, std::vector<std::pair<std::string, std::string>> env = {}) {
  ExecConfig config;
  config.api_version = "client.authentication.k8s.io/v1beta1";
  config.command = kPlugin;
  config.args = {"token"};
  env.emplace_back("PLUGIN_COUNT_FILE", dir.File("count"));
  config.env = std::move(env);
  return config;
}

TEST(CredentialsTest, ExecCredentialIsCachedUntilItExpires) {
  TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto fake_now = now;
  auto expiry = common::FormatRfc3339Seconds(now + 1h);
  auto provider = ExecCredentials(Plugin(dir, {{"PLUGIN_TOKEN", "tok-1"}, {"PLUGIN_EXPIRY", expiry}}), {},
                                  [&] { return fake_now; });
  for (int i = 0; i < 3; ++i) {
    auto credential = provider->Get();
    ASSERT_TRUE(credential) << credential.error().message;
    EXPECT_EQ(credential->bearer_token, "tok-1");
  }
  EXPECT_EQ(Lines(dir.File("count")), 1);
  fake_now = now + 2h;  // expired: the plugin runs again
  ASSERT_TRUE(provider->Get());
  EXPECT_EQ(Lines(dir.File("count")), 2);
}

TEST(CredentialsTest, InvalidateRunsThePluginAgain) {
  TempDir dir;
  std::ofstream(dir.File("token")) << "first";
  auto provider = ExecCredentials(Plugin(dir, {{"PLUGIN_TOKEN_FILE", dir.File("token")}}), {});
  EXPECT_EQ(provider->Get()->bearer_token, "first");
  std::ofstream(dir.File("token"), std::ios::trunc) << "second";
  EXPECT_EQ(provider->Get()->bearer_token, "first");  // cached: no expiry given
  EXPECT_TRUE(provider->Invalidate());
  EXPECT_EQ(provider->Get()->bearer_token, "second");
  EXPECT_EQ(Lines(dir.File("count")), 2);
}

TEST(CredentialsTest, ExecInfoCarriesClusterWhenAsked) {
  TempDir dir;
  auto config = Plugin(dir, {{"PLUGIN_INFO_FILE", dir.File("info")}});
  config.provide_cluster_info = true;
  auto provider = ExecCredentials(config, {.server = "https://k.example:6443", .ca_pem = "CA"});
  ASSERT_TRUE(provider->Get());
  auto info = ReadFile(dir.File("info"));
  ASSERT_TRUE(info);
  EXPECT_NE(info->find(R"("apiVersion":"client.authentication.k8s.io/v1beta1")"), std::string::npos);
  EXPECT_NE(info->find(R"("server":"https://k.example:6443")"), std::string::npos) << *info;
  EXPECT_NE(info->find(R"("certificate-authority-data":"Q0E=")"), std::string::npos) << *info;
  EXPECT_NE(info->find(R"("interactive":false)"), std::string::npos);
}

TEST(CredentialsTest, WrongApiVersionIsRejected) {
  TempDir dir;
  auto config = Plugin(dir);
  config.api_version = "client.authentication.k8s.io/v1alpha1";
  auto credential = ExecCredentials(config, {})->Get();
  ASSERT_FALSE(credential);
  EXPECT_NE(credential.error().message.find("unsupported apiVersion"), std::string::npos);
}

TEST(CredentialsTest, UnusableOutputIsRejectedWithoutEchoingIt) {
  TempDir dir;
  auto config = Plugin(dir);
  config.command = "/bin/echo";
  config.args = {R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"clientCertificateData":"secret-cert"}})"};
  auto credential = ExecCredentials(config, {})->Get();
  ASSERT_FALSE(credential);
  EXPECT_NE(credential.error().message.find("clientCertificateData and clientKeyData must come together"),
            std::string::npos);
  EXPECT_EQ(credential.error().message.find("secret-cert"), std::string::npos);
}

TEST(CredentialsTest, TokenFileErrors) {
  TempDir dir;
  auto missing = TokenFileCredentials(dir.File("none"))->Get();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUnauthorized);
  std::ofstream(dir.File("empty")) << "\n";
  auto empty = TokenFileCredentials(dir.File("empty"))->Get();
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("is empty"), std::string::npos);
}

}  // namespace
}  // namespace airunway::kube
