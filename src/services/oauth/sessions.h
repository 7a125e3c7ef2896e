// Sessions: sign-ins in progress, keyed by their OAuth `state`, each holding the PKCE
// verifier and redirect URI until the code comes back.
//
// A session expires 10 minutes after it started (expired sessions are swept whenever the
// store is touched), and the store is bounded: when full, the oldest session goes, so a
// flood of /start calls cannot grow memory without limit. Sessions live in this process only
// (a sign-in must finish on the replica that started it).
//
// Thread-safety: all methods are safe from any thread (one mutex).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace airunway::oauth {

struct Session {
  std::string verifier;
  std::string redirect_uri;
  std::chrono::steady_clock::time_point created;
};

struct SessionOptions {
  std::chrono::milliseconds ttl{std::chrono::minutes(10)};
  std::size_t capacity = 10'000;
  std::function<std::chrono::steady_clock::time_point()> clock;  // empty = steady_clock::now
};

class Sessions {
 public:
  explicit Sessions(SessionOptions options = {});

  struct Started {
    std::string state;
    std::string challenge;
  };
  // A fresh state and PKCE pair for `redirect_uri`; the verifier stays here.
  Started Start(std::string redirect_uri);
  // The session of `state`, or nullopt when unknown or expired. It stays until Remove, so a
  // failed exchange can be retried with the same state.
  std::optional<Session> Find(std::string_view state);
  void Remove(std::string_view state);
  std::size_t size();

 private:
  std::chrono::steady_clock::time_point Now() const;
  void SweepLocked(std::chrono::steady_clock::time_point now);

  SessionOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;  // guarded by mutex_
};

}  // namespace airunway::oauth
