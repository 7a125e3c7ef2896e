#include "services/oauth/sessions.h"

#include <algorithm>

#include "services/oauth/pkce.h"

namespace airunway::oauth {

Sessions::Sessions(SessionOptions options) : options_(std::move(options)) {}

std::chrono::steady_clock::time_point Sessions::Now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void Sessions::SweepLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now - it->second.created >= options_.ttl ? sessions_.erase(it) : std::next(it);
  }
}

Sessions::Started Sessions::Start(std::string redirect_uri) {
  auto pkce = NewPkce();
  Started started{NewUuidV4(), pkce.challenge};
  auto now = Now();
  std::lock_guard lock(mutex_);
  SweepLocked(now);
  if (options_.capacity > 0 && sessions_.size() >= options_.capacity) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.created < b.second.created;
    });
    sessions_.erase(oldest);
  }
  sessions_[started.state] = Session{std::move(pkce.verifier), std::move(redirect_uri), now};
  return started;
}

std::optional<Session> Sessions::Find(std::string_view state) {
  auto now = Now();
  std::lock_guard lock(mutex_);
  SweepLocked(now);
  auto it = sessions_.find(std::string(state));
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

void Sessions::Remove(std::string_view state) {
  std::lock_guard lock(mutex_);
  sessions_.erase(std::string(state));
}

std::size_t Sessions::size() {
  auto now = Now();
  std::lock_guard lock(mutex_);
  SweepLocked(now);
  return sessions_.size();
}

}  // namespace airunway::oauth
