// WorkerPool: a bounded pool of threads for blocking work (libcurl calls, subprocesses, file
// I/O) that coroutine handlers await without blocking an I/O thread:
//
//   auto result = co_await pool.Run([&] { return BlockingCall(); });   // see Run() on captures
//   if (!result) co_return Response::Error(result.error());   // busy or the call threw
//
// The coroutine resumes on its own executor when the work is done. When more than
// `max_pending` calls are queued or running, Run fails at once with kUnavailable instead of
// queueing without bound. An exception thrown by the work becomes a kInternal error.
//
// Thread-safety: Run may be called from any thread; Stop/destruction waits for running work.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <optional>
#include <type_traits>

#include "common/result.h"

namespace airunway::http {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_pending)
      : pool_(threads), max_pending_(max_pending) {}
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // `work` is taken by reference and must live until the co_await completes. With g++ 12, a
  // closure that owns something (a string, a shared_ptr) must be a NAMED variable, not a
  // temporary written inside the co_await expression: g++ 12 destroys such temporaries twice
  // (a compiler bug, fixed in later releases; worker_pool_test.cc pins the safe form):
  //
  //   auto work = [request = std::move(r)] { return Fetch(request); };
  //   auto result = co_await pool.Run(work);
  //
  // Closures that capture only by reference ([&]) are safe either way.
  template <typename F, typename R = std::invoke_result_t<F&>>
  boost::asio::awaitable<common::Result<R>> Run(F&& work) {
    static_assert(!std::is_void_v<R>, "return a value (e.g. bool or Status) from pooled work");
    if (pending_.fetch_add(1) >= max_pending_) {
      pending_.fetch_sub(1);
      co_return common::MakeError(common::ErrorCode::kUnavailable,
                                  "the server is busy; try again in a moment", "Busy");
    }
    struct Release {
      std::atomic<std::size_t>& counter;
      ~Release() { counter.fetch_sub(1); }
    } release{pending_};
    // co_spawn needs a default-constructible result, hence the optional.
    auto outcome = co_await boost::asio::co_spawn(
        pool_.get_executor(),
        [&work]() -> boost::asio::awaitable<std::optional<common::Result<R>>> {
          try {
            co_return common::Result<R>(work());
          } catch (const std::exception& e) {
            co_return common::Result<R>(common::MakeError(common::ErrorCode::kInternal, e.what()));
          } catch (...) {
            co_return common::Result<R>(
                common::MakeError(common::ErrorCode::kInternal, "unknown failure in pooled work"));
          }
        },
        boost::asio::use_awaitable);
    co_return std::move(*outcome);
  }

  std::size_t pending() const { return pending_.load(); }
  void Stop() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
};

}  // namespace airunway::http
