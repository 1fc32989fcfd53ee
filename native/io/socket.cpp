#include "io/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#ifdef __linux__
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#endif

// socket() and accept4() that set O_NONBLOCK and FD_CLOEXEC themselves; the
// portable build takes the fcntl() path on Linux too, so CI exercises it.
#if defined(__linux__) && !defined(CHATLAB_PORTABLE_IO)
#define CHATLAB_SOCKET_FLAGS 1
#endif

#include <cerrno>
#include <cstring>
#include <system_error>

namespace chatlab::io {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

#ifdef MSG_NOSIGNAL
constexpr int no_sigpipe_flag = MSG_NOSIGNAL;
#else
constexpr int no_sigpipe_flag = 0;  // SO_NOSIGPIPE, set on the socket, does it
#endif

#ifndef CHATLAB_SOCKET_FLAGS
/// For systems whose socket() and accept() take no flags (macOS). A fork and
/// exec on another thread in between could inherit the fd: as far as they go.
bool make_nonblocking_cloexec(int fd) noexcept {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags != -1 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
         ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}
#endif

void refuse_sigpipe(int fd) noexcept {
#ifdef SO_NOSIGPIPE
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#else
  (void)fd;
#endif
}

}  // namespace

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::optional<Address> parse_address(const std::string& host, std::uint16_t port) {
  Address address;
  const std::string literal = host == "localhost" ? "127.0.0.1" : host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  if (::inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    address.length = sizeof(sockaddr_in);
    return address;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (::inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    address.length = sizeof(sockaddr_in6);
    return address;
  }
  return std::nullopt;
}

Fd open_stream_socket(int family) {
#ifdef CHATLAB_SOCKET_FLAGS
  Fd socket(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket) throw_errno("socket");
#else
  Fd socket(::socket(family, SOCK_STREAM, 0));
  if (!socket || !make_nonblocking_cloexec(socket.get())) throw_errno("socket");
#endif
  refuse_sigpipe(socket.get());
  return socket;
}

Fd listen_on(const Address& address) {
  Fd listener = open_stream_socket(address.storage.ss_family);
  // A restarted server must not wait for the old one's TIME_WAIT; this never
  // lets two live listeners share a port on Linux.
  const int on = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) !=
      0) {
    throw_errno("bind");
  }
  if (::listen(listener.get(), SOMAXCONN) != 0) throw_errno("listen");
  return listener;
}

Fd accept_client(int listener) noexcept {
#ifdef CHATLAB_SOCKET_FLAGS
  return Fd(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
#else
  Fd client(::accept(listener, nullptr, nullptr));
  if (client && !make_nonblocking_cloexec(client.get())) {
    const int error = errno;
    client.reset();
    errno = error;  // the caller reads errno when nothing was accepted
    return client;
  }
  refuse_sigpipe(client.get());
  return client;
#endif
}

std::string local_endpoint(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    throw_errno("getsockname");
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
  ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
}

IoStatus receive_some(int fd, char* buffer, std::size_t size, std::size_t& got) {
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, size, 0);
    if (n > 0) {
      got = static_cast<std::size_t>(n);
      return IoStatus::ok;
    }
    if (n == 0) return IoStatus::eof;
    if (errno == EINTR) continue;
    return would_block(errno) ? IoStatus::blocked : IoStatus::failed;
  }
}

IoStatus send_some(int fd, const char* data, std::size_t size, std::size_t& sent) {
  for (;;) {
    const ssize_t n = ::send(fd, data, size, no_sigpipe_flag);
    if (n >= 0) {
      sent = static_cast<std::size_t>(n);
      return IoStatus::ok;
    }
    if (errno == EINTR) continue;
    return would_block(errno) ? IoStatus::blocked : IoStatus::failed;
  }
}

void set_no_delay(int fd) noexcept {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

std::size_t unsent_bytes(int fd) noexcept {
  int queued = 0;
#if defined(SIOCOUTQ)
  if (::ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return 0;
#elif defined(SO_NWRITE)
  socklen_t length = sizeof queued;
  if (::getsockopt(fd, SOL_SOCKET, SO_NWRITE, &queued, &length) != 0 || queued < 0) return 0;
#else
  (void)fd;
#endif
  return static_cast<std::size_t>(queued);
}

void fix_send_buffer(int fd, std::size_t bytes) noexcept {
  const int size = static_cast<int>(std::min<std::size_t>(bytes, 1 << 30));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

void grow_send_buffer(int fd, std::size_t bytes) noexcept {
  int size = 0;
  socklen_t length = sizeof size;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &length) != 0 || size < 0) return;
  std::size_t wanted = static_cast<std::size_t>(size) + bytes;
#if defined(__linux__)
  // Linux counts its bookkeeping against the buffer, may already hold more
  // than the buffer's size (it fills a buffer it has begun), and doubles
  // what it is asked for. A small window cuts the queue into small buffers,
  // so the new bytes are counted thrice.
  std::uint32_t memory[SK_MEMINFO_VARS] = {};
  socklen_t memory_length = sizeof memory;
  std::size_t queued = static_cast<std::size_t>(size);
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, memory, &memory_length) == 0) {
    queued = std::max<std::size_t>(queued, memory[SK_MEMINFO_WMEM_QUEUED]);
  }
  wanted = (queued + 3 * bytes + 16 * 1024) / 2;
#endif
  const int grown = static_cast<int>(std::min<std::size_t>(wanted, 1 << 30));
#ifdef SO_SNDBUFFORCE
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &grown, sizeof grown) == 0) return;
#endif
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &grown, sizeof grown);
}

}  // namespace chatlab::io
