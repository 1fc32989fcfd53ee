#pragma once
/// What the bench tools share: a blocking TCP connection to an IP literal.

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "io/socket.hpp"

namespace chatlab::bench {

/// A connected socket with TCP_NODELAY set; throws std::runtime_error saying
/// why not. The host is read as the apps read it (io::parse_address): an IP
/// literal or "localhost", no DNS, since a bench measures the server, not the
/// resolver.
inline int connect_tcp(const std::string& host, std::uint16_t port) {
  const auto address = io::parse_address(host, port);
  if (!address) throw std::runtime_error("not an IP address: " + host);
  const int fd = ::socket(address->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0) {
    const int error = errno;  // close() may change it
    ::close(fd);
    throw std::runtime_error(std::string("connect: ") + std::strerror(error));
  }
  io::set_no_delay(fd);
  return fd;
}

}  // namespace chatlab::bench
