// Stop signals anywhere POSIX: the classic self-pipe. The handler does the
// one async-signal-safe thing that matters, a write(2) the loop will see.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <system_error>

#include "io/process.hpp"

namespace chatlab::io {
namespace {

/// The pipe's write end, for the handler; it lives as long as the process.
volatile std::sig_atomic_t stop_pipe_writer = -1;

extern "C" void write_stop_byte(int /*signal*/) {
  const int saved = errno;  // the interrupted code may be about to read errno
  const char byte = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(stop_pipe_writer, &byte, 1);
  errno = saved;
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void make_nonblocking_cloexec(int fd) {
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) throw_errno("fcntl");
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno("fcntl");
}

}  // namespace

Fd stop_signals() {
  int ends[2] = {-1, -1};
  if (::pipe(ends) != 0) throw_errno("pipe");
  Fd reader(ends[0]);
  Fd writer(ends[1]);
  make_nonblocking_cloexec(reader.get());
  make_nonblocking_cloexec(writer.get());  // a full pipe already says "stop"
  struct sigaction action{};
  action.sa_handler = write_stop_byte;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  stop_pipe_writer = writer.get();
  if (::sigaction(SIGTERM, &action, nullptr) != 0 || ::sigaction(SIGINT, &action, nullptr) != 0) {
    throw_errno("sigaction");
  }
  static Fd kept_for_the_handler;  // never closed while a handler may write to it
  kept_for_the_handler = std::move(writer);
  return reader;
}

bool take_stop_signal(int fd) noexcept {
  char sink[64];
  bool stopped = false;
  while (::read(fd, sink, sizeof sink) > 0) stopped = true;
  return stopped;
}

}  // namespace chatlab::io
