#pragma once
/// What the bench tools share: a blocking TCP connection to an IP literal.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace chatlab::bench {

/// A socket address as connect() takes it.
struct Address {
  sockaddr_storage storage{};  ///< a sockaddr_in or a sockaddr_in6
  socklen_t length = 0;        ///< the size of the one it holds
};

/// The address of an IPv4 or IPv6 literal; nothing for anything else (no DNS:
/// a bench measures the server, not the resolver).
inline std::optional<Address> ip_address(const std::string& host, std::uint16_t port) {
  Address address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    address.length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    address.length = sizeof *v6;
  } else {
    return std::nullopt;
  }
  return address;
}

/// A connected socket with TCP_NODELAY set; throws std::runtime_error saying why not.
inline int connect_tcp(const std::string& host, std::uint16_t port) {
  const auto address = ip_address(host, port);
  if (!address) throw std::runtime_error("not an IP address: " + host);
  const int fd = ::socket(address->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0) {
    const int error = errno;  // close() may change it
    ::close(fd);
    throw std::runtime_error(std::string("connect: ") + std::strerror(error));
  }
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

}  // namespace chatlab::bench
