#include "services/oauth/sessions.h"

#include <gtest/gtest.h>

#include "services/oauth/pkce.h"

namespace airunway::oauth {
namespace {

using namespace std::chrono_literals;

class SessionsTest : public ::testing::Test {
 protected:
  SessionOptions Options(std::size_t capacity = 100) {
    return SessionOptions{.ttl = 10min, .capacity = capacity, .clock = [this] { return now_; }};
  }
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(SessionsTest, KeepsTheVerifierMatchingTheChallengeUntilRemoved) {
  Sessions sessions(Options());
  auto started = sessions.Start("http://localhost/cb");
  auto session = sessions.Find(started.state);
  ASSERT_TRUE(session);
  EXPECT_EQ(ChallengeFor(session->verifier), started.challenge);
  EXPECT_EQ(session->redirect_uri, "http://localhost/cb");
  EXPECT_TRUE(sessions.Find(started.state));  // finding does not consume
  sessions.Remove(started.state);
  EXPECT_FALSE(sessions.Find(started.state));
}

TEST_F(SessionsTest, ExpireAfterTenMinutes) {
  Sessions sessions(Options());
  auto started = sessions.Start("http://localhost/cb");
  now_ += 9min + 59s;
  EXPECT_TRUE(sessions.Find(started.state));
  now_ += 1s;
  EXPECT_FALSE(sessions.Find(started.state));
  EXPECT_EQ(sessions.size(), 0u);
}

TEST_F(SessionsTest, AFullStoreDropsTheOldest) {
  Sessions sessions(Options(2));
  auto first = sessions.Start("a");
  now_ += 1s;
  auto second = sessions.Start("b");
  now_ += 1s;
  auto third = sessions.Start("c");
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.Find(first.state));
  EXPECT_TRUE(sessions.Find(second.state));
  EXPECT_TRUE(sessions.Find(third.state));
}

}  // namespace
}  // namespace airunway::oauth
