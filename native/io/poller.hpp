#pragma once
/// Readiness of many file descriptors: the one place the server waits.

#include <cstdint>
#include <memory>

namespace chatlab::io {

/// What a registration asks to be woken for.
enum Interest : std::uint32_t {
  interest_none = 0,   ///< registered but quiet (a peer at EOF with nothing to send)
  interest_read = 1,   ///< input, EOF, or an error to read
  interest_write = 2,  ///< room in the send buffer
};

/// One ready file descriptor. A hang-up or an error sets both flags: reading
/// and writing are how the caller learns which it was.
struct ReadyEvent {
  std::uint64_t key = 0;  ///< the key given at registration
  bool readable = false;  ///< input, EOF, hang-up or error
  bool writable = false;  ///< room to write, hang-up or error
};

/// Level-triggered readiness, on epoll (Linux) or poll(2) (any POSIX system;
/// the CMake option CHATLAB_PORTABLE_IO picks poll(2), on by default off
/// Linux). Each registration carries a 64-bit key instead of a pointer, so an
/// event for a connection closed earlier in the batch is just a key that no
/// longer resolves.
class Poller {
 public:
  /// Throws std::system_error if the kernel refuses one (epoll_create1).
  Poller();
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  /// Registers `fd`; false with errno set if it is refused: EBADF for a
  /// closed fd, EPERM (epoll) for a regular file, ENOTSUP (poll(2) on macOS)
  /// for a device such as a terminal.
  bool add(int fd, std::uint32_t interest, std::uint64_t key) noexcept;
  void modify(int fd, std::uint32_t interest, std::uint64_t key) noexcept;
  void remove(int fd) noexcept;

  /// Waits up to `timeout_ms` (-1: forever); returns how many events are ready.
  int wait(int timeout_ms) noexcept;

  /// The `index`th event of the last wait(), 0 <= index < its result.
  ReadyEvent event(int index) const noexcept;

 private:
  struct Backend;
  std::unique_ptr<Backend> backend_;  ///< epoll or poll(2), chosen at build time
};

}  // namespace chatlab::io
