// ChildProcess: starts a program (argv only, never a shell) for integration tests, with its
// stdout and stderr captured to files, and stops it with a signal.
//
// Thread-safety: one owner thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace airunway::testing {

class ChildProcess {
 public:
  // Starts `argv` with `extra_env` ("NAME=value") added to this process's environment and
  // stdin read from `stdin_path` (/dev/null when empty).
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> extra_env = {},
               const std::string& stdin_path = {});
  ~ChildProcess();  // SIGKILLs the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Waits until stdout contains `needle`; returns the whole stdout then, or nullopt on timeout
  // or when the child exits first.
  std::optional<std::string> WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout);
  void Signal(int signal_number);
  // Waits for exit; returns the exit code (128+signal when killed), or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// The airunway binary under test (AIRUNWAY_BINARY, set by CTest).
std::string AirunwayBinary();

// Parses "127.0.0.1:PORT" or "http://127.0.0.1:PORT" out of `text`; 0 when absent.
int FindPort(const std::string& text);

}  // namespace airunway::testing
