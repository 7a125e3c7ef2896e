// LogBuffers: the container logs of the simulated cluster, as the kubelet would keep them.
//
// One append-only, size-bounded line buffer per (namespace, pod, container); every line is
// stored with the time it was written. The simulated kubelet and tests Append; the HTTP
// front serves `GET .../pods/<name>/log` with Read (tailLines, sinceSeconds/sinceTime,
// timestamps, limitBytes) and `?follow=true` with Follow, which replays the selected
// backlog and then pushes every new line until the follower stops, its byte limit is spent,
// or the pod is removed (RemovePod, called when the pod is deleted).
//
// Thread-safety: all methods are safe from any thread; one mutex guards everything.
// Follower callbacks run under that mutex, in append order, on the appending thread: they
// must be cheap (queue bytes) and must not call back into LogBuffers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace airunway::kubesim {

// Go's time.RFC3339Nano in UTC: "2026-01-02T03:04:05.123456789Z", trailing zeros of the
// fraction dropped ("...05.1Z", "...05Z"), as kubelet log timestamps are written.
std::string FormatRfc3339Nano(std::chrono::system_clock::time_point when);

struct LogReadOptions {
  std::optional<std::int64_t> tail_lines;    // the last N lines
  std::optional<std::int64_t> since_seconds;  // lines written in the last N seconds
  std::optional<std::chrono::system_clock::time_point> since_time;  // lines at or after
  bool timestamps = false;                   // prefix each line with "<RFC3339Nano> "
  std::optional<std::int64_t> limit_bytes;   // stop after this many bytes (may cut a line)
};

struct LogFollower {
  // Receives output text ("line\n", possibly prefixed); return false to stop following.
  std::function<bool(std::string_view text)> on_data;
  // Called once when following ends for a reason other than on_data returning false or
  // Unfollow: the pod's logs were removed or limit_bytes was reached. May be empty.
  std::function<void()> on_end;
};

using LogFollowId = std::uint64_t;

class LogBuffers {
 public:
  struct Options {
    std::size_t max_bytes_per_container = 1 << 20;  // oldest lines are dropped beyond this
    std::function<std::chrono::system_clock::time_point()> clock;  // default: system clock
  };

  LogBuffers();
  explicit LogBuffers(Options options);

  // Appends `text` (split on '\n'; one trailing newline is ignored) stamped `when` (default:
  // now), creating the buffer on first use.
  void Append(std::string_view ns, std::string_view pod, std::string_view container, std::string_view text,
              std::optional<std::chrono::system_clock::time_point> when = std::nullopt);
  bool Has(std::string_view ns, std::string_view pod, std::string_view container) const;
  std::vector<std::string> Containers(std::string_view ns, std::string_view pod) const;  // sorted

  // The selected lines; nullopt when the container has no buffer. tailLines selects the
  // last lines first, then since* filters them (the kubelet's order); limitBytes cuts last.
  std::optional<std::string> Read(std::string_view ns, std::string_view pod, std::string_view container,
                                  const LogReadOptions& options) const;

  // Sends the backlog Read would return, then every new line. Creates an empty buffer when
  // the container has none yet (a running container that has not logged).
  LogFollowId Follow(std::string_view ns, std::string_view pod, std::string_view container,
                     const LogReadOptions& options, LogFollower follower);
  void Unfollow(LogFollowId id);  // unknown ids are ignored
  std::size_t FollowerCount() const;

  // Drops every buffer of the pod and ends its followers (on_end).
  void RemovePod(std::string_view ns, std::string_view pod);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  struct Line {
    std::chrono::system_clock::time_point time;
    std::string text;
  };
  struct Buffer {
    std::deque<Line> lines;
    std::size_t bytes = 0;
    std::vector<LogFollowId> followers;
  };
  struct Follower {
    Key key;
    LogFollower callbacks;
    bool timestamps = false;
    std::optional<std::int64_t> remaining_bytes;
  };

  std::chrono::system_clock::time_point Now() const;
  std::string Render(const Buffer& buffer, const LogReadOptions& options) const;
  // Delivers `text` to a follower, honouring its byte budget; false when it is finished.
  bool Deliver(Follower& follower, std::string_view text);

  const Options options_;
  mutable std::mutex mu_;
  std::map<Key, Buffer> buffers_;
  std::unordered_map<LogFollowId, Follower> followers_;
  LogFollowId next_id_ = 1;
};

}  // namespace airunway::kubesim
