// SignalWaiter: turns SIGINT/SIGTERM into an ordinary blocking wait on one thread.
//
// Construct it on the main thread before any other thread starts: it blocks the signals in
// the calling thread, and threads created afterwards inherit the mask, so only Wait() (via
// sigwait) ever sees them. This avoids running shutdown logic inside a signal handler.
//
// Thread-safety: Wait() from one thread at a time.
#pragma once

#include <signal.h>

#include <thread>

namespace airunway::cli {

class SignalWaiter {
 public:
  SignalWaiter();
  // Blocks until SIGINT or SIGTERM arrives; returns the signal number.
  int Wait();
  // Lets a thread blocked in Wait() outlive the caller (the process is exiting).
  void Detach(std::thread& waiter);

 private:
  sigset_t set_;
};

}  // namespace airunway::cli
