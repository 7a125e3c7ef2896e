#include "kubesim/log_buffers.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace airunway::kubesim {

std::string FormatRfc3339Nano(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<nanoseconds>(when.time_since_epoch());
  auto secs = duration_cast<seconds>(since_epoch);
  auto nanos = since_epoch - secs;
  if (nanos.count() < 0) {  // before 1970: keep the fraction positive
    secs -= seconds(1);
    nanos += seconds(1);
  }
  std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm calendar{};
  gmtime_r(&t, &calendar);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", calendar.tm_year + 1900, calendar.tm_mon + 1,
                                calendar.tm_mday, calendar.tm_hour, calendar.tm_min, calendar.tm_sec);
  if (nanos.count() != 0) {
    std::string fraction = fmt::format("{:09}", nanos.count());
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    out += "." + fraction;
  }
  out += "Z";
  return out;
}

LogBuffers::LogBuffers() : LogBuffers(Options{}) {}

LogBuffers::LogBuffers(Options options) : options_(std::move(options)) {}

std::chrono::system_clock::time_point LogBuffers::Now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

bool LogBuffers::Deliver(Follower& follower, std::string_view text) {
  if (follower.remaining_bytes) {
    if (*follower.remaining_bytes <= 0) return false;
    if (static_cast<std::int64_t>(text.size()) > *follower.remaining_bytes) {
      text = text.substr(0, static_cast<std::size_t>(*follower.remaining_bytes));
    }
    *follower.remaining_bytes -= static_cast<std::int64_t>(text.size());
  }
  bool keep = false;
  try {
    keep = follower.callbacks.on_data ? follower.callbacks.on_data(text) : false;
  } catch (...) {
    keep = false;
  }
  return keep && !(follower.remaining_bytes && *follower.remaining_bytes <= 0);
}

void LogBuffers::Append(std::string_view ns, std::string_view pod, std::string_view container, std::string_view text,
                        std::optional<std::chrono::system_clock::time_point> when) {
  const auto stamp = when ? *when : Now();
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::lock_guard lock(mu_);
  Key key{std::string(ns), std::string(pod), std::string(container)};
  Buffer& buffer = buffers_[key];
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find('\n', start);
    std::string_view piece = text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    buffer.lines.push_back(Line{stamp, std::string(piece)});
    buffer.bytes += piece.size() + 1;
    // Followers see the line even if the bound drops it from the buffer right away.
    if (!buffer.followers.empty()) {
      std::vector<LogFollowId> finished;
      for (LogFollowId id : buffer.followers) {
        auto it = followers_.find(id);
        if (it == followers_.end()) continue;
        std::string out = it->second.timestamps ? FormatRfc3339Nano(stamp) + " " : std::string();
        out.append(piece);
        out.push_back('\n');
        if (!Deliver(it->second, out)) finished.push_back(id);
      }
      for (LogFollowId id : finished) {
        auto it = followers_.find(id);
        const bool spent = it->second.remaining_bytes && *it->second.remaining_bytes <= 0;
        auto on_end = spent ? it->second.callbacks.on_end : std::function<void()>();
        followers_.erase(it);
        buffer.followers.erase(std::remove(buffer.followers.begin(), buffer.followers.end(), id),
                               buffer.followers.end());
        if (on_end) on_end();
      }
    }
    while (buffer.bytes > options_.max_bytes_per_container && buffer.lines.size() > 1) {
      buffer.bytes -= buffer.lines.front().text.size() + 1;
      buffer.lines.pop_front();
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

bool LogBuffers::Has(std::string_view ns, std::string_view pod, std::string_view container) const {
  std::lock_guard lock(mu_);
  return buffers_.count(Key{std::string(ns), std::string(pod), std::string(container)}) > 0;
}

std::vector<std::string> LogBuffers::Containers(std::string_view ns, std::string_view pod) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto it = buffers_.lower_bound(Key{std::string(ns), std::string(pod), ""});
       it != buffers_.end() && std::get<0>(it->first) == ns && std::get<1>(it->first) == pod; ++it) {
    out.push_back(std::get<2>(it->first));
  }
  return out;
}

std::string LogBuffers::Render(const Buffer& buffer, const LogReadOptions& options) const {
  std::size_t first = 0;
  if (options.tail_lines && *options.tail_lines >= 0 &&
      static_cast<std::size_t>(*options.tail_lines) < buffer.lines.size()) {
    first = buffer.lines.size() - static_cast<std::size_t>(*options.tail_lines);
  }
  std::optional<std::chrono::system_clock::time_point> since = options.since_time;
  if (options.since_seconds) since = Now() - std::chrono::seconds(*options.since_seconds);
  std::string out;
  for (std::size_t i = first; i < buffer.lines.size(); ++i) {
    const Line& line = buffer.lines[i];
    if (since && line.time < *since) continue;
    if (options.timestamps) {
      out += FormatRfc3339Nano(line.time);
      out += ' ';
    }
    out += line.text;
    out += '\n';
    if (options.limit_bytes && static_cast<std::int64_t>(out.size()) >= *options.limit_bytes) break;
  }
  if (options.limit_bytes && *options.limit_bytes >= 0 && static_cast<std::int64_t>(out.size()) > *options.limit_bytes) {
    out.resize(static_cast<std::size_t>(*options.limit_bytes));
  }
  return out;
}

std::optional<std::string> LogBuffers::Read(std::string_view ns, std::string_view pod, std::string_view container,
                                            const LogReadOptions& options) const {
  std::lock_guard lock(mu_);
  auto it = buffers_.find(Key{std::string(ns), std::string(pod), std::string(container)});
  if (it == buffers_.end()) return std::nullopt;
  return Render(it->second, options);
}

LogFollowId LogBuffers::Follow(std::string_view ns, std::string_view pod, std::string_view container,
                               const LogReadOptions& options, LogFollower callbacks) {
  std::lock_guard lock(mu_);
  Key key{std::string(ns), std::string(pod), std::string(container)};
  Buffer& buffer = buffers_[key];
  const LogFollowId id = next_id_++;
  Follower follower{key, std::move(callbacks), options.timestamps, options.limit_bytes};
  std::string backlog = Render(buffer, options);
  bool keep = true;
  if (!backlog.empty()) keep = Deliver(follower, backlog);
  if (keep && follower.remaining_bytes && *follower.remaining_bytes <= 0) keep = false;
  if (!keep) {
    const bool spent = follower.remaining_bytes && *follower.remaining_bytes <= 0;
    if (spent && follower.callbacks.on_end) follower.callbacks.on_end();
    return id;
  }
  followers_.emplace(id, std::move(follower));
  buffer.followers.push_back(id);
  return id;
}

void LogBuffers::Unfollow(LogFollowId id) {
  std::lock_guard lock(mu_);
  auto it = followers_.find(id);
  if (it == followers_.end()) return;
  if (auto b = buffers_.find(it->second.key); b != buffers_.end()) {
    auto& list = b->second.followers;
    list.erase(std::remove(list.begin(), list.end(), id), list.end());
  }
  followers_.erase(it);
}

std::size_t LogBuffers::FollowerCount() const {
  std::lock_guard lock(mu_);
  return followers_.size();
}

void LogBuffers::RemovePod(std::string_view ns, std::string_view pod) {
  std::lock_guard lock(mu_);
  auto it = buffers_.lower_bound(Key{std::string(ns), std::string(pod), ""});
  while (it != buffers_.end() && std::get<0>(it->first) == ns && std::get<1>(it->first) == pod) {
    for (LogFollowId id : it->second.followers) {
      auto f = followers_.find(id);
      if (f == followers_.end()) continue;
      auto on_end = std::move(f->second.callbacks.on_end);
      followers_.erase(f);
      if (on_end) on_end();
    }
    it = buffers_.erase(it);
  }
}

}  // namespace airunway::kubesim
