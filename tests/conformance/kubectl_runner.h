// Helpers for the kubectl conformance suite: run the real kubectl (argv only, never a
// shell) with a deadline and capture what a user would see, start long-running kubectl
// commands (watch, logs -f) in the background, and manage the temporary files they need.
//
// Every kubectl invocation gets `--kubeconfig FILE` and a private `--cache-dir` so that runs
// never share discovery caches with each other or with the developer's ~/.kube.
//
// Thread-safety: Kubectl is immutable after construction and may be shared; TempDir and the
// background processes belong to one thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace airunway::conformance {

inline constexpr const char* kKubectlPath = "/usr/bin/kubectl";

// True when the kubectl binary exists and is executable.
bool KubectlAvailable();

// Where the suite's YAML fixtures live (CONFORMANCE_TESTDATA, set by CMake).
std::string TestdataPath(const std::string& name);

// What a kubectl invocation left behind.
struct KubectlResult {
  int exit_code = -1;  // -1 when it could not be started or timed out
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr

  // For assertion messages.
  std::string Describe() const;
};

// A directory under /tmp removed (with its files) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

class Kubectl {
 public:
  Kubectl(std::string kubeconfig_path, std::string cache_dir);

  // Runs kubectl with `args`; kills it after `timeout`. With `stdin_path`, that file is its
  // standard input (for `-f -`).
  KubectlResult Run(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20),
                    const std::string& stdin_path = {}) const;

  // Starts kubectl with `args` in the background (watch, logs -f); the caller waits for its
  // output and signals it.
  std::unique_ptr<testing::ChildProcess> Start(const std::vector<std::string>& args) const;

  const std::string& kubeconfig() const { return kubeconfig_; }

 private:
  std::vector<std::string> Argv(const std::vector<std::string>& args) const;

  std::string kubeconfig_;
  std::string cache_dir_;
};

// The pause between polls of WaitFor.
void SleepBriefly();

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename Condition>
bool WaitFor(Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    SleepBriefly();
  }
}

// Splits `text` into lines without their terminators; no empty trailing line.
std::vector<std::string> Lines(const std::string& text);

// The whitespace-separated words of `line` (kubectl table rows).
std::vector<std::string> Words(const std::string& line);

}  // namespace airunway::conformance
