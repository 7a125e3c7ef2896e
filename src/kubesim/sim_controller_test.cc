#include "kubesim/sim_controller.h"

#include <gtest/gtest.h>

#include "kubesim/sim_objects.h"

namespace airunway::kubesim {
namespace {

TEST(KeyQueueTest, DeduplicatesKeysWaitingToBeProcessed) {
  KeyQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Pending(), 2u);
  EXPECT_EQ(q.Pop(), "a");
  EXPECT_EQ(q.Pop(), "b");
  q.Add("a");  // may be queued again once taken
  EXPECT_EQ(q.Pop(), "a");
}

TEST(KeyQueueTest, DelayedKeysComeDueInOrderAndAnImmediateAddSupersedes) {
  KeyQueue q;
  q.AddAfter("late", std::chrono::milliseconds(30));
  q.AddAfter("early", std::chrono::milliseconds(5));
  const auto start = KeyQueue::Clock::now();
  EXPECT_EQ(q.Pop(), "early");
  EXPECT_EQ(q.Pop(), "late");
  EXPECT_GE(KeyQueue::Clock::now() - start, std::chrono::milliseconds(30));

  q.AddAfter("x", std::chrono::hours(1));
  q.Add("x");
  EXPECT_EQ(q.Pop(), "x");
  EXPECT_EQ(q.Pending(), 0u);
}

TEST(KeyQueueTest, ShutDownWakesAWaitingPop) {
  KeyQueue q;
  std::thread t([&] { EXPECT_EQ(q.Pop(), std::nullopt); });
  q.ShutDown();
  t.join();
}

TEST(SimObjectsTest, GlobAndKeys) {
  EXPECT_TRUE(simjson::GlobMatch("*:does-not-exist", "vllm/vllm-openai:does-not-exist"));
  EXPECT_TRUE(simjson::GlobMatch("crash-?", "crash-1"));
  EXPECT_FALSE(simjson::GlobMatch("crash-?", "crash-12"));
  EXPECT_TRUE(simjson::GlobMatch("*", ""));
  EXPECT_EQ(SplitObjectKey("ns/name"), (std::pair<std::string, std::string>{"ns", "name"}));
  EXPECT_EQ(simjson::ShortHash("x"), simjson::ShortHash("x"));
  EXPECT_NE(simjson::ShortHash("x"), simjson::ShortHash("y"));
}

}  // namespace
}  // namespace airunway::kubesim
