#include "io/activation.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace chatlab::io {
namespace {

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

int socket_option(int fd, int option) {
  int value = 0;
  socklen_t length = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &length) != 0) {
    throw std::runtime_error("fd 3 is not a socket: " + std::string(std::strerror(errno)));
  }
  return value;
}

/// Refuses fd 3 unless it is a listening TCP socket over IPv4 or IPv6.
void check_listening_tcp(int fd) {
  if (socket_option(fd, SO_TYPE) != SOCK_STREAM) {
    throw std::runtime_error("fd 3 is not a stream socket");
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0 ||
      (bound.ss_family != AF_INET && bound.ss_family != AF_INET6)) {
    throw std::runtime_error("fd 3 is not a TCP socket");
  }
#ifdef SO_ACCEPTCONN
  if (socket_option(fd, SO_ACCEPTCONN) == 0) throw std::runtime_error("fd 3 is not listening");
#endif
}

}  // namespace

Fd take_activated_listener() {
  const std::string pid = variable("LISTEN_PID");
  const std::string fds = variable("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (pid.empty() || pid != std::to_string(::getpid())) return Fd();
  if (fds != "1") {
    throw std::runtime_error("LISTEN_FDS=" + fds + ": exactly one listening socket is served");
  }
  check_listening_tcp(activation_fd);
  const int flags = ::fcntl(activation_fd, F_GETFL);
  if (flags == -1 || ::fcntl(activation_fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
      ::fcntl(activation_fd, F_SETFD, FD_CLOEXEC) != 0) {
    throw std::runtime_error("fd 3: " + std::string(std::strerror(errno)));
  }
  return Fd(activation_fd);
}

}  // namespace chatlab::io
