#pragma once
/// File descriptors as values, and the few socket calls the server shell makes.

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace chatlab::io {

/// Owns one file descriptor and closes it exactly once.
class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;  ///< -1 when empty
};

/// A socket address the listener can bind to.
struct Address {
  sockaddr_storage storage{};  ///< sockaddr_in or sockaddr_in6
  socklen_t length = 0;        ///< the size of the one in use
};

/// An IPv4 or IPv6 literal (or "localhost", read as 127.0.0.1) and a port;
/// nothing when `host` is neither, since the server never resolves names.
std::optional<Address> parse_address(const std::string& host, std::uint16_t port);

/// A non-blocking, close-on-exec TCP socket of `family` that never raises
/// SIGPIPE where the system can say so per socket; throws std::system_error.
Fd open_stream_socket(int family);

/// A non-blocking listening socket; throws std::system_error naming the step that failed.
Fd listen_on(const Address& address);

/// The next pending connection, non-blocking; empty with errno set when there is none.
Fd accept_client(int listener) noexcept;

/// "127.0.0.1:43117" or "[::1]:43117": where `fd` is bound, as the READY line prints it.
std::string local_endpoint(int fd);

/// Outcome of one non-blocking socket call.
enum class IoStatus {
  ok,       ///< some bytes moved
  blocked,  ///< EAGAIN: try again when the Poller says so
  eof,      ///< the peer shut down its sending side
  failed,   ///< reset or any other error: the connection is gone
};

/// One non-blocking recv into `buffer`; `got` is set when the result is ok.
IoStatus receive_some(int fd, char* buffer, std::size_t size, std::size_t& got);

/// One non-blocking send that never raises SIGPIPE; `sent` is set when the result is ok.
IoStatus send_some(int fd, const char* data, std::size_t size, std::size_t& sent);

/// Disables Nagle: every frame is a complete message, so waiting for more only adds latency.
void set_no_delay(int fd) noexcept;

/// Bytes the kernel still holds in the send queue of `fd` (Linux SIOCOUTQ,
/// macOS SO_NWRITE), 0 where the system cannot tell.
std::size_t unsent_bytes(int fd) noexcept;

/// Fixes the send buffer of `fd` at `bytes` of payload: no autotuning, so a
/// later grow_send_buffer() has headroom below the system's ceiling.
void fix_send_buffer(int fd, std::size_t bytes) noexcept;

/// Makes room in the send buffer of `fd` for `bytes` more of payload than it
/// holds now (past the ceiling where the process may), so they go out whole.
void grow_send_buffer(int fd, std::size_t bytes) noexcept;

}  // namespace chatlab::io
