// LogStreamer: `GET /api/deployments/{name}/logs?follow=true` — pod logs streamed to the client
// as a chunked text body until the client goes away or the container ends.
//
// Why a dedicated, bounded thread pool: the Kubernetes client's StreamLogs blocks its calling
// thread for as long as the stream lasts (it reads the API server's chunked response over
// libcurl). Running it on the general WorkerPool would let a few open log tabs starve the short
// blocking calls (creates, deletes, settings writes) that pool exists for; running it on an
// I/O thread would stall every other connection. So follows get their own small pool with a
// hard cap (`max_streams`): beyond it a follow is refused with 503 at once instead of queueing.
// The HTTP side holds no thread at all — the producer writes into an http::BodyStream and the
// connection's coroutine is woken to send. A client that disconnects cancels the BodyStream,
// whose OnCancel callback signals the stop_token that interrupts StreamLogs immediately.
//
// Ownership: owns the pool and the stop sources of running streams; holds the client.
// Thread-safety: Follow may be called from any thread; the destructor stops every stream and
// waits for the pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "common/result.h"
#include "http/message.h"
#include "kube/client.h"

namespace airunway::services::deployments {

class LogStreamer {
 public:
  LogStreamer(std::shared_ptr<kube::Client> client, std::size_t max_streams);
  ~LogStreamer();
  LogStreamer(const LogStreamer&) = delete;
  LogStreamer& operator=(const LogStreamer&) = delete;

  // Starts following; the returned stream carries the log text (ANSI colours stripped).
  // kUnavailable when `max_streams` are already open.
  common::Result<std::shared_ptr<http::BodyStream>> Follow(std::string ns, std::string pod, kube::LogOptions options);

  std::size_t active() const { return active_.load(); }

 private:
  std::shared_ptr<kube::Client> client_;
  std::size_t max_streams_;
  std::atomic<std::size_t> active_{0};
  std::mutex mutex_;
  std::map<std::uint64_t, std::stop_source> running_;  // guarded by mutex_
  std::uint64_t next_id_ = 0;                          // guarded by mutex_
  boost::asio::thread_pool pool_;
};

}  // namespace airunway::services::deployments
