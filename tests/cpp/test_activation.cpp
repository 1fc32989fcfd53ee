// io/activation.hpp: the variables and fd 3 that socket activation hands over.
// Each case puts what it hands over on fd 3 (keeping whatever was there) and
// sets the variables for this very process, as the launcher does.

#include "io/activation.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "io/socket.hpp"

using chatlab::io::activation_fd;
using chatlab::io::Fd;
using chatlab::io::take_activated_listener;

namespace {

/// Puts `fd` on fd 3 for the length of a case and sets systemd's variables.
class Handover {
 public:
  Handover(int fd, const std::string& pid, const char* fds) : saved_(::dup(activation_fd)) {
    REQUIRE(::dup2(fd, activation_fd) == activation_fd);
    ::setenv("LISTEN_PID", pid.c_str(), 1);
    ::setenv("LISTEN_FDS", fds, 1);
  }
  Handover(const Handover&) = delete;
  Handover& operator=(const Handover&) = delete;
  ~Handover() {
    if (saved_ >= 0) {
      ::dup2(saved_, activation_fd);
      ::close(saved_);
    } else {
      ::close(activation_fd);
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
  }

 private:
  int saved_;  ///< what fd 3 was before, or -1
};

std::string own_pid() { return std::to_string(::getpid()); }

Fd loopback_socket(int type, bool listening) {
  Fd socket(::socket(AF_INET, type, 0));
  REQUIRE(socket);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  if (listening) REQUIRE(::listen(socket.get(), 4) == 0);
  return socket;
}

}  // namespace

TEST_CASE("a listening TCP socket on fd 3 for this pid is taken, non-blocking and close-on-exec") {
  const Fd socket = loopback_socket(SOCK_STREAM, true);
  const Handover handover(socket.get(), own_pid(), "1");
  Fd taken = take_activated_listener();
  REQUIRE(taken.get() == activation_fd);
  CHECK((::fcntl(activation_fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(activation_fd, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(std::getenv("LISTEN_PID") == nullptr);  // unset: no child of ours takes them
  CHECK(std::getenv("LISTEN_FDS") == nullptr);
}

TEST_CASE("variables meant for another process are dropped and fd 3 left alone") {
  const Fd socket = loopback_socket(SOCK_STREAM, true);
  const Handover handover(socket.get(), std::to_string(::getpid() + 1), "1");
  CHECK_FALSE(take_activated_listener());
  CHECK(std::getenv("LISTEN_PID") == nullptr);
  CHECK(::fcntl(activation_fd, F_GETFD) != -1);
}

TEST_CASE("no variables, no socket") {
  ::unsetenv("LISTEN_PID");
  CHECK_FALSE(take_activated_listener());
}

TEST_CASE("what cannot be served is refused, saying why") {
  const Fd listening = loopback_socket(SOCK_STREAM, true);
  const Fd idle = loopback_socket(SOCK_STREAM, false);
  const Fd datagram = loopback_socket(SOCK_DGRAM, false);
  int pipe_ends[2] = {-1, -1};
  REQUIRE(::pipe(pipe_ends) == 0);
  const Fd pipe_read(pipe_ends[0]);
  const Fd pipe_write(pipe_ends[1]);
  struct Case {
    int fd;               ///< what fd 3 becomes
    const char* fds;      ///< LISTEN_FDS
    const char* message;  ///< the refusal
  };
  for (const Case& bad : {Case{listening.get(), "2", "LISTEN_FDS=2: exactly one"},
                          Case{idle.get(), "1", "fd 3 is not listening"},
                          Case{datagram.get(), "1", "fd 3 is not a stream socket"},
                          Case{pipe_read.get(), "1", "fd 3 is not a socket"}}) {
    CAPTURE(bad.message);
    const Handover handover(bad.fd, own_pid(), bad.fds);
    CHECK_THROWS_WITH_AS(take_activated_listener(), doctest::Contains(bad.message),
                         std::runtime_error);
  }
}
