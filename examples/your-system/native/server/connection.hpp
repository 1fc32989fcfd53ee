#pragma once
/// One client's socket and the bytes it has not yet taken.

#include <cstddef>
#include <string>

namespace kv::server {

/// A connection as the event loop sees it; the protocol state is the Engine's.
struct Connection {
  int fd = -1;                ///< the socket, non-blocking
  std::string outbox;         ///< encoded lines the kernel has not yet accepted
  std::size_t sent = 0;       ///< how much of outbox the kernel has taken
  bool closing = false;       ///< told to close: flush, half-close, then drain to EOF
  bool half_closed = false;   ///< shutdown(SHUT_WR) done
  bool peer_done = false;     ///< the peer's EOF was read: flush what is due, then close
  unsigned interest = 0;      ///< the epoll events registered now
  std::size_t discarded = 0;  ///< bytes read and thrown away while closing

  /// The bytes queued but not yet sent.
  std::size_t pending() const noexcept { return outbox.size() - sent; }
};

}  // namespace kv::server
