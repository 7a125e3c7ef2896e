#include "cli/signals.h"

namespace airunway::cli {

SignalWaiter::SignalWaiter() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int SignalWaiter::Wait() {
  int signal_number = 0;
  while (sigwait(&set_, &signal_number) != 0) {
  }
  return signal_number;
}

void SignalWaiter::Detach(std::thread& waiter) {
  if (waiter.joinable()) waiter.detach();
}

}  // namespace airunway::cli
