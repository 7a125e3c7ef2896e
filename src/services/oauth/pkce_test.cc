#include "services/oauth/pkce.h"

#include <gtest/gtest.h>

namespace airunway::oauth {
namespace {

TEST(PkceTest, VerifierAndChallengeAreBase64UrlOfTheRightLength) {
  auto pkce = NewPkce();
  EXPECT_EQ(pkce.verifier.size(), 43u);
  EXPECT_EQ(pkce.challenge.size(), 43u);
  for (char c : pkce.verifier + pkce.challenge) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_') << c;
  }
  EXPECT_NE(NewPkce().verifier, pkce.verifier);
}

TEST(PkceTest, ChallengeIsBase64UrlOfSha256) {
  // SHA-256("abc") = ba7816bf...f20015ad, in base64url without padding.
  EXPECT_EQ(ChallengeFor("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST(PkceTest, StatesAreVersion4Uuids) {
  auto state = NewUuidV4();
  EXPECT_TRUE(IsUuid(state)) << state;
  EXPECT_EQ(state[14], '4');
  EXPECT_NE(std::string("89ab").find(state[19]), std::string::npos);
  EXPECT_NE(NewUuidV4(), state);
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("0000000000000000000000000000000000000"));
  EXPECT_FALSE(IsUuid("g0000000-0000-0000-0000-000000000000"));
}

TEST(PkceTest, AuthorizeUrlCarriesEverythingFormEncodedInOrder) {
  auto url = AuthorizeUrl("https://huggingface.co/oauth/authorize", "client-1", "http://localhost:3000/cb?x=1",
                          "CHALLENGE", "STATE");
  EXPECT_EQ(url,
            "https://huggingface.co/oauth/authorize?client_id=client-1&redirect_uri=http%3A%2F%2Flocalhost%3A3000"
            "%2Fcb%3Fx%3D1&scope=openid+profile+read-repos&response_type=code&code_challenge=CHALLENGE"
            "&code_challenge_method=S256&state=STATE");
}

}  // namespace
}  // namespace airunway::oauth
