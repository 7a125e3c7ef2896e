#include "controller/runtime/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

namespace airunway::controller::runtime {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, PerKeyBackoffDoublesFromFiveMillisecondsAndForgetResets) {
  RateLimiter limiter({}, [] { return Clock::time_point{}; });
  EXPECT_EQ(limiter.When("a"), 5ms);
  EXPECT_EQ(limiter.When("a"), 10ms);
  EXPECT_EQ(limiter.When("a"), 20ms);
  EXPECT_EQ(limiter.When("b"), 5ms);  // per key
  EXPECT_EQ(limiter.NumRequeues("a"), 3);
  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
  EXPECT_EQ(limiter.When("a"), 5ms);
}

TEST(RateLimiterTest, BackoffIsCappedAtOneThousandSeconds) {
  RateLimiter limiter({.qps = 0}, [] { return Clock::time_point{}; });
  std::chrono::nanoseconds last{};
  for (int i = 0; i < 100; ++i) last = limiter.When("a");
  EXPECT_EQ(last, 1000s);
}

TEST(RateLimiterTest, GlobalBucketAllowsBurstThenSpacesAtQps) {
  Clock::time_point now{};
  RateLimiter limiter({.base_delay = 0ms, .qps = 10, .burst = 100}, [&] { return now; });
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.When("k" + std::to_string(i)), 0ms) << i;
  EXPECT_EQ(limiter.When("x"), 100ms);
  EXPECT_EQ(limiter.When("y"), 200ms);
  now += 1s;  // ten tokens back, two of them already promised
  for (int i = 0; i < 8; ++i) ASSERT_EQ(limiter.When("z" + std::to_string(i)), 0ms) << i;
  EXPECT_EQ(limiter.When("w"), 100ms);
}

TEST(WorkQueueTest, KeyAddedTwiceIsHandedOutOnce) {
  WorkQueue queue;
  queue.Add("default/a");
  queue.Add("default/a");
  queue.Add("default/b");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.Get(), "default/a");
  EXPECT_EQ(queue.Get(), "default/b");
  EXPECT_EQ(queue.GetFor(10ms), std::nullopt);
}

TEST(WorkQueueTest, KeyReAddedWhileProcessingWaitsForDone) {
  WorkQueue queue;
  queue.Add("a");
  auto key = queue.Get();
  ASSERT_EQ(key, "a");
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0u);  // not handed to a second worker
  EXPECT_EQ(queue.GetFor(10ms), std::nullopt);
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, NoKeyIsEverOnTwoWorkersAtOnce) {
  WorkQueue queue({.rate_limiter = {.qps = 0}});
  std::mutex mutex;
  std::set<std::string> in_flight;
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        {
          std::lock_guard lock(mutex);
          if (!in_flight.insert(*key).second) overlaps++;
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mutex);
          in_flight.erase(*key);
        }
        processed++;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.Add("key-" + std::to_string(i % 5));
  // Wait until everything queued has been handled, then stop.
  const auto deadline = Clock::now() + 10s;
  while ((queue.Len() > 0 || queue.ProcessingLen() > 0) && Clock::now() < deadline) std::this_thread::yield();
  queue.ShutDown();
  for (auto& w : workers) w.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), 5);
  EXPECT_LE(processed.load(), 2000);
}

TEST(WorkQueueTest, AddAfterHandsTheKeyOutOnlyOnceDue) {
  WorkQueue queue;
  const auto start = Clock::now();
  queue.AddAfter("a", 50ms);
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_EQ(queue.WaitingLen(), 1u);
  auto key = queue.GetFor(5s);
  EXPECT_EQ(key, "a");
  EXPECT_GE(Clock::now() - start, 50ms);
  EXPECT_EQ(queue.WaitingLen(), 0u);
}

TEST(WorkQueueTest, AddAfterMovesAWaitingKeyEarlierNeverLater) {
  WorkQueue queue;
  queue.AddAfter("a", 1h);
  queue.AddAfter("a", 20ms);
  queue.AddAfter("a", 2h);
  EXPECT_EQ(queue.WaitingLen(), 1u);
  EXPECT_EQ(queue.GetFor(5s), "a");
  queue.Done("a");
  EXPECT_EQ(queue.GetFor(50ms), std::nullopt);  // no second copy from the stale entries
}

TEST(WorkQueueTest, AddRateLimitedBacksOffPerKey) {
  WorkQueue queue;
  queue.AddRateLimited("a");  // 5 ms
  EXPECT_EQ(queue.NumRequeues("a"), 1);
  EXPECT_EQ(queue.GetFor(5s), "a");
  queue.Done("a");
  queue.Forget("a");
  EXPECT_EQ(queue.NumRequeues("a"), 0);
}

TEST(WorkQueueTest, ShutDownWakesBlockedWorkers) {
  WorkQueue queue;
  auto blocked = std::async(std::launch::async, [&] { return queue.Get(); });
  auto blocked_delayed = std::async(std::launch::async, [&] {
    queue.AddAfter("later", 1h);
    return queue.Get();
  });
  EXPECT_EQ(blocked.wait_for(20ms), std::future_status::timeout);
  queue.ShutDown();
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(blocked.get(), std::nullopt);
  ASSERT_EQ(blocked_delayed.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(blocked_delayed.get(), std::nullopt);
  EXPECT_TRUE(queue.ShuttingDown());
  queue.Add("x");  // ignored
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, ReportsDepthAddsLatencyWorkDurationAndRetries) {
  Registry registry;
  WorkQueue queue({.name = "md", .metrics = &registry});
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  const std::vector<std::string> labels{"md", "md"};
  EXPECT_EQ(registry.AddGauge("workqueue_depth", "", {"name", "controller"}).WithLabels(labels).Value(), 2);
  EXPECT_EQ(registry.AddCounter("workqueue_adds_total", "", {"name", "controller"}).WithLabels(labels).Value(), 3);
  auto key = queue.Get();
  ASSERT_TRUE(key);
  queue.Done(*key);
  queue.AddRateLimited("c");

  const auto text = registry.Expose();
  EXPECT_NE(text.find("workqueue_depth{name=\"md\",controller=\"md\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_queue_duration_seconds_count{name=\"md\",controller=\"md\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("workqueue_work_duration_seconds_count{name=\"md\",controller=\"md\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("workqueue_retries_total{name=\"md\",controller=\"md\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_queue_duration_seconds_bucket{name=\"md\",controller=\"md\",le=\"1e-08\"}"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace airunway::controller::runtime
