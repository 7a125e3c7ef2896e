// The kube client authenticating with a client certificate against kubesim over HTTPS: the
// API server takes the user from the certificate's CN and the groups from its O entries.
#include <gtest/gtest.h>

#include "kube/kubesim_fixture.h"

namespace airunway::kube {
namespace {

using testing::KubesimTest;

const ResourceRef kSelfSubjectReviews{"authentication.k8s.io", "v1", "selfsubjectreviews", false};

TEST_F(KubesimTest, ClientCertificateIdentifiesTheUserAndGroups) {
  auto certificate = sim_.IssueClientCertificate("alice", {"ml-team", "viewers"});
  ASSERT_TRUE(certificate) << certificate.error().message;
  Config config = testing::MustConfig(sim_.KubeconfigForClientCertificate(*certificate, "alice"));
  EXPECT_FALSE(config.tls.client_cert_pem.empty());
  Client client(config, Options());

  auto review = client.Create(kSelfSubjectReviews, "",
                              boost::json::object{{"apiVersion", "authentication.k8s.io/v1"},
                                                  {"kind", "SelfSubjectReview"}});
  ASSERT_TRUE(review) << review.error().message;
  EXPECT_EQ(testing::Str(*review, {"status", "userInfo", "username"}), "alice");
  const auto* groups = common::FindPath(*review, {"status", "userInfo", "groups"});
  ASSERT_NE(groups, nullptr);
  ASSERT_TRUE(groups->is_array());
  std::vector<std::string> names;
  for (const auto& g : groups->as_array()) names.emplace_back(g.as_string());
  EXPECT_NE(std::find(names.begin(), names.end(), "ml-team"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "viewers"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "system:authenticated"), names.end());

  // The identity is used for ordinary requests too.
  auto pods = client.List(kPods, "default");
  EXPECT_TRUE(pods) << (pods ? "" : pods.error().message);
}

TEST_F(KubesimTest, CertificateFromAnotherCaIsRejected) {
  kubesim::ApiServer other({.tls = true});
  ASSERT_TRUE(other.Start());
  auto foreign = other.IssueClientCertificate("mallory", {"system:masters"});
  ASSERT_TRUE(foreign);
  Config config = testing::MustConfig(sim_.KubeconfigForClientCertificate(*foreign, "mallory"));
  Client client(config, Options());
  auto pods = client.List(kPods, "default");
  EXPECT_FALSE(pods);
  other.Stop();
  other.Wait();
}

}  // namespace
}  // namespace airunway::kube
