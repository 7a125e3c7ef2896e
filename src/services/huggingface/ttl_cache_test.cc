#include "services/huggingface/ttl_cache.h"

#include <gtest/gtest.h>

namespace airunway::huggingface {
namespace {

using namespace std::chrono_literals;

class FakeClock {
 public:
  std::chrono::steady_clock::time_point now{};
  SteadyClock Fn() {
    return [this] { return now; };
  }
};

TEST(TtlCacheTest, ServesUntilTheEntryExpires) {
  FakeClock clock;
  TtlCache<int> cache(10, 1h, clock.Fn());
  cache.Put("a", 1);
  EXPECT_EQ(cache.Get("a"), 1);
  clock.now += 59min;
  EXPECT_EQ(cache.Get("a"), 1);
  clock.now += 1min;
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);  // dropped on access
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(TtlCacheTest, EvictsTheLeastRecentlyUsedWhenFull) {
  TtlCache<int> cache(2, 1h);
  cache.Put("a", 1);
  cache.Put("b", 2);
  EXPECT_EQ(cache.Get("a"), 1);  // "b" is now the least recently used
  cache.Put("c", 3);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get("b"), std::nullopt);
  EXPECT_EQ(cache.Get("a"), 1);
  EXPECT_EQ(cache.Get("c"), 3);
}

TEST(TtlCacheTest, PutReplacesAndRenews) {
  FakeClock clock;
  TtlCache<int> cache(2, 10s, clock.Fn());
  cache.Put("a", 1);
  clock.now += 9s;
  cache.Put("a", 2);
  clock.now += 9s;
  EXPECT_EQ(cache.Get("a"), 2);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TtlCacheTest, ZeroCapacityStoresNothing) {
  TtlCache<int> cache(0, 10s);
  cache.Put("a", 1);
  EXPECT_EQ(cache.Get("a"), std::nullopt);
}

}  // namespace
}  // namespace airunway::huggingface
