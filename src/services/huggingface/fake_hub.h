// FakeHub: a stand-in for the HuggingFace Hub that tests run in-process on 127.0.0.1 (port 0)
// and reach through HF_ENDPOINT / HubOptions::endpoint. Nothing leaves the machine.
//
// It answers from JSON files under a testdata directory, in the Hub's own shapes:
//   GET  /api/models?search=Q&filter=T&...   search/<Q>.<T>.json (else [])
//   GET  /api/models/<owner>/<name>          models/<owner>__<name>.json (else 404)
//   GET  /<owner>/<name>/resolve/main/config.json   configs/<owner>__<name>.json
//   GET  /api/whoami-v2                      whoami.json for a known token, else 401
//   POST /oauth/token                        a token for code "good-code", else 400
// Search requests missing the parameters the real Hub needs (full, config, limit, the eight
// expand[] fields) get a 400, so the client's wire format is checked too. A model file whose
// "gated" is not false answers 401 unless a known token is sent.
//
// Faults are scripted: FailNext(n, status) answers the next n requests with `status`;
// SetHang(true) holds every request until the client gives up; SetDelay(d) answers late.
// Hits() counts requests by path prefix; tokens() lists the Authorization headers seen.
//
// Thread-safety: all methods are safe from any thread while the server runs.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/server.h"

namespace airunway::huggingface::testing {

inline constexpr const char* kValidToken = "hf_valid_token_0123456789";
inline constexpr const char* kOAuthAccessToken = "hf_oauth_access_token_abcdef";
inline constexpr const char* kGoodCode = "good-code";

class FakeHub {
 public:
  explicit FakeHub(std::string testdata_dir);
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  common::Status Start();
  void Stop();
  std::string endpoint() const;

  void FailNext(int count, int status, std::optional<int> retry_after_seconds = {});
  void SetHang(bool hang) { hang_.store(hang); }
  void SetDelay(std::chrono::milliseconds delay) { delay_ms_.store(delay.count()); }

  // Requests whose path starts with `prefix` ("" = all).
  int Hits(const std::string& prefix = "") const;
  std::vector<std::string> authorizations() const;
  std::vector<std::string> targets() const;
  std::string last_token_form() const;

 private:
  struct Failure {
    int status;
    std::optional<int> retry_after;
  };

  std::string testdata_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> hang_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<long long> delay_ms_{0};
  mutable std::mutex mutex_;
  std::deque<Failure> failures_;         // guarded by mutex_
  std::vector<std::string> paths_;       // guarded by mutex_
  std::vector<std::string> targets_;     // guarded by mutex_
  std::vector<std::string> authorizations_;  // guarded by mutex_
  std::string last_token_form_;          // guarded by mutex_

  http::Response Answer(const http::Request& request);
  friend struct FakeHubRoutes;
};

}  // namespace airunway::huggingface::testing
