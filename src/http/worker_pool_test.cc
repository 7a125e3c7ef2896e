#include "http/worker_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

namespace airunway::http {
namespace {

template <typename T>
T RunOnIo(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  std::optional<T> result;
  auto wrapper = [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(task)); };
  boost::asio::co_spawn(io, wrapper(), boost::asio::detached);
  io.run();
  return std::move(*result);
}

TEST(WorkerPoolTest, RunsWorkWithOwningCapturesOffTheCallingThread) {
  WorkerPool pool(2, 8);
  auto caller = std::this_thread::get_id();
  auto owned = std::make_shared<std::string>("a fairly long string that is not stored inline");
  auto task = [&]() -> boost::asio::awaitable<common::Result<std::string>> {
    // Named, not a temporary inside the co_await: see the note in worker_pool.h.
    auto work = [owned, text = std::string(*owned), caller] {
      EXPECT_NE(std::this_thread::get_id(), caller);
      return text + "!";
    };
    co_return co_await pool.Run(work);
  };
  auto result = RunOnIo(task());
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, *owned + "!");
}

TEST(WorkerPoolTest, ExceptionsBecomeInternalErrors) {
  WorkerPool pool(1, 4);
  auto task = [&]() -> boost::asio::awaitable<common::Result<int>> {
    co_return co_await pool.Run([]() -> int { throw std::runtime_error("boom"); });
  };
  auto result = RunOnIo(task());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, common::ErrorCode::kInternal);
}

}  // namespace
}  // namespace airunway::http
