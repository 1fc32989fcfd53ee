#pragma once
/// Process-level set-up: stop signals as a file descriptor, no SIGPIPE, parent death, fds.

#include "io/socket.hpp"

namespace chatlab::io {

/// Returns an fd that turns readable when SIGTERM or SIGINT arrives, so the
/// event loop handles a stop like any other event, never inside a handler
/// (a signalfd on Linux, a self-pipe elsewhere). Once per process; throws
/// std::system_error if the kernel refuses.
Fd stop_signals();

/// Reads what is pending on the fd from stop_signals(); true if a stop came.
bool take_stop_signal(int fd) noexcept;

/// A peer that resets must cost one connection, not the process; writes use
/// MSG_NOSIGNAL too, this covers every other path.
void ignore_sigpipe() noexcept;

/// Asks for SIGTERM when the parent dies (Linux); false if it already has,
/// since the request only covers deaths that happen after it is made.
bool stop_with_parent() noexcept;

/// Returns the allocator's free memory to the kernel (glibc: malloc_trim);
/// a no-op elsewhere.
void return_free_memory() noexcept;

/// Raises the soft RLIMIT_NOFILE to the hard limit, so --max-clients is not cut by a default 1024.
void raise_fd_limit() noexcept;

/// Opens /dev/null on any of stdin, stdout, stderr that is closed, so no
/// socket lands on fd 0..2 and is then read as stdin or written as a log.
void ensure_standard_fds() noexcept;

}  // namespace chatlab::io
