#include "server/listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace kv::server {
namespace {

/// The first fd systemd passes (SD_LISTEN_FDS_START).
constexpr int activated_fd = 3;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void make_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl(O_NONBLOCK)");
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) fail("fcntl(FD_CLOEXEC)");
}

/// fd 3 if the environment hands it to this very process, else -1.
int activated_socket() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  // Another process's variables, inherited: not ours to act on.
  if (pid == nullptr || fds == nullptr || std::to_string(getpid()) != pid) return -1;
  const std::string count = fds;
  // Children must not take the socket for theirs.
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (count != "1") {
    throw std::runtime_error("socket activation passed LISTEN_FDS=" + count +
                             "; kv-server serves exactly one socket");
  }
  int listening = 0;
  socklen_t size = sizeof listening;
  if (getsockopt(activated_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) < 0 ||
      listening == 0) {
    throw std::runtime_error("socket activation: fd 3 is not a listening socket");
  }
  make_nonblocking(activated_fd);
  return activated_fd;
}

int bound_socket(const Options& options) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(options.port);
  if (inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("--host takes an IPv4 address such as 127.0.0.1, not \"" +
                             options.host + "\"");
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    fail("bind " + options.host + ":" + std::to_string(options.port));
  }
  if (listen(fd, SOMAXCONN) < 0) fail("listen");
  return fd;
}

}  // namespace

Listener open_listener(const Options& options) {
  const int activated = activated_socket();
  if (activated >= 0) return Listener{activated, true};
  return Listener{bound_socket(options), false};
}

std::string local_address(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) < 0) fail("getsockname");
  char host[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET6) {  // an activated socket may be IPv6
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(v6.sin6_port));
  }
  const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
  inet_ntop(AF_INET, &v4.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(v4.sin_port));
}

}  // namespace kv::server
