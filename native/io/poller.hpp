#pragma once
/// A thin epoll wrapper: the one place the server waits.

#include <sys/epoll.h>

#include <array>
#include <cstdint>

#include "io/socket.hpp"

namespace chatlab::io {

/// Level-triggered epoll. Each registration carries a 64-bit key instead of a
/// pointer, so an event for a connection closed earlier in the batch is just
/// a key that no longer resolves.
class Poller {
 public:
  /// Throws std::system_error if the kernel refuses an epoll instance.
  Poller();

  /// Registers `fd`; false with errno set if epoll refuses it (EPERM for regular files).
  bool add(int fd, std::uint32_t events, std::uint64_t key) noexcept;
  void modify(int fd, std::uint32_t events, std::uint64_t key) noexcept;
  void remove(int fd) noexcept;

  /// Waits up to `timeout_ms` (-1: forever); returns how many events are ready.
  int wait(int timeout_ms) noexcept;

  const epoll_event& event(int index) const noexcept {
    return events_[static_cast<std::size_t>(index)];
  }

 private:
  Fd epoll_;                             ///< the epoll instance
  std::array<epoll_event, 256> events_;  ///< filled by wait()
};

}  // namespace chatlab::io
