// Stop signals on Linux: blocked, and read from a signalfd.

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <system_error>

#include "io/process.hpp"

namespace chatlab::io {

Fd stop_signals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &stop, nullptr) != 0) {
    throw std::system_error(errno, std::generic_category(), "sigprocmask");
  }
  Fd signals(::signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals) throw std::system_error(errno, std::generic_category(), "signalfd");
  return signals;
}

bool take_stop_signal(int fd) noexcept {
  signalfd_siginfo info{};
  return ::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info);
}

}  // namespace chatlab::io
