// chatlab-launch: ties a server's life to the test process, then becomes the server.
//
//   chatlab-launch --parent PID [--listen-fd N] -- PROGRAM [ARG...]
//
// ServerProcess starts every server through this program, so the lifeline
// needs no cooperation from the server: it asks the kernel to SIGKILL it
// when its parent dies (PR_SET_PDEATHSIG on Linux; a kqueue watcher
// elsewhere), checks that the parent is still PID (it may have died before
// the request), and exec's PROGRAM, which keeps the request and the pid.
// With --listen-fd, the listening socket N becomes fd 3 with LISTEN_FDS=1 and
// LISTEN_PID set to this pid, which only the child knows (systemd's socket
// activation). Every signal gets its default disposition, none is blocked.
// PROGRAM is a path: it is run as it is, never through a shell.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef __linux__
#include <sys/prctl.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
#include <sys/event.h>
#define CHATLAB_KQUEUE_WATCHER 1
#endif

namespace {

/// The shell's exit statuses for a program that cannot run, so a failed start reads familiar.
constexpr int status_cannot_run = 126;
constexpr int status_not_found = 127;
constexpr int status_usage = 2;
/// The first fd of socket activation (systemd's SD_LISTEN_FDS_START).
constexpr int first_listen_fd = 3;

/// What the command line asks for.
struct Launch {
  pid_t parent = 0;          ///< the process whose death ends the server
  int listen_fd = -1;        ///< the socket to hand over as fd 3, or -1
  char** program = nullptr;  ///< PROGRAM and its arguments, null-terminated
};

bool parse_int(const char* text, long low, long high, long& value) {
  char* end = nullptr;
  errno = 0;
  value = std::strtol(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && value >= low && value <= high;
}

bool parse(int argc, char** argv, Launch& launch) {
  long value = 0;
  int i = 1;
  for (; i + 1 < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
    if (std::strcmp(argv[i], "--parent") == 0 && parse_int(argv[i + 1], 1, 0x7fffffff, value)) {
      launch.parent = static_cast<pid_t>(value);
    } else if (std::strcmp(argv[i], "--listen-fd") == 0 &&
               parse_int(argv[i + 1], 0, 0x7fffffff, value)) {
      launch.listen_fd = static_cast<int>(value);
    } else {
      return false;
    }
  }
  if (i + 1 >= argc || std::strcmp(argv[i], "--") != 0 || launch.parent == 0) return false;
  launch.program = argv + i + 1;
  return true;
}

#ifdef CHATLAB_KQUEUE_WATCHER
/// Forks a watcher that SIGKILLs this process group once `parent` exits; it
/// ends with the server, which it watches too. It holds none of the server's
/// fds, so it never keeps a log pipe open.
bool watch_parent(pid_t parent) {
  const pid_t server = ::getpid();
  const pid_t watcher = ::fork();
  if (watcher != 0) return watcher > 0;
  for (int fd = 0; fd < 1024; ++fd) ::close(fd);
  const int queue = ::kqueue();
  struct kevent events[2];
  EV_SET(&events[0], static_cast<uintptr_t>(parent), EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, nullptr);
  EV_SET(&events[1], static_cast<uintptr_t>(server), EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, nullptr);
  struct kevent fired;
  const bool parent_gone = queue < 0 || ::kevent(queue, events, 2, nullptr, 0, nullptr) != 0 ||
                           (::kevent(queue, nullptr, 0, &fired, 1, nullptr) == 1 &&
                            static_cast<pid_t>(fired.ident) == parent);
  // No watch (kqueue refused, or the parent is gone already) means no lifeline: no server.
  if (parent_gone) ::kill(-::getpgid(server), SIGKILL);
  ::_exit(0);
}
#endif

/// Asks for SIGKILL when the parent dies; false if the parent is not `parent`
/// any more (the request only covers deaths after it is made).
bool die_with_parent(pid_t parent) {
#ifdef __linux__
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return false;
#elif defined(CHATLAB_KQUEUE_WATCHER)
  if (!watch_parent(parent)) return false;
#endif
  return ::getppid() == parent;
}

/// Gives the server the signal state a fresh process has, as a service
/// manager does: a test runner may ignore SIGINT (xdist's workers do), and
/// an ignored signal stays ignored across exec, so `stop_signal=SIGINT`
/// would never reach the server.
void default_signals() {
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) std::signal(signal, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

/// Makes `fd` this process's fd 3 and says so in systemd's variables.
bool hand_over_listener(int fd) {
  if (fd != first_listen_fd) {
    if (::dup2(fd, first_listen_fd) != first_listen_fd) return false;
    ::close(fd);
  }
  if (::fcntl(first_listen_fd, F_SETFD, 0) != 0) return false;  // survives the exec
  char pid[24];
  std::snprintf(pid, sizeof pid, "%ld", static_cast<long>(::getpid()));
  ::unsetenv("LISTEN_FDNAMES");
  return ::setenv("LISTEN_FDS", "1", 1) == 0 && ::setenv("LISTEN_PID", pid, 1) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Launch launch;
  if (!parse(argc, argv, launch)) {
    std::fputs("usage: chatlab-launch --parent PID [--listen-fd N] -- PROGRAM [ARG...]\n", stderr);
    return status_usage;
  }
  if (!die_with_parent(launch.parent)) return 1;  // nobody is left to read a message
  default_signals();
  if (launch.listen_fd >= 0 && !hand_over_listener(launch.listen_fd)) {
    std::fprintf(stderr, "chatlab-launch: cannot hand over fd %d: %s\n", launch.listen_fd,
                 std::strerror(errno));
    return 1;
  }
  ::execv(launch.program[0], launch.program);
  const int error = errno;
  std::fprintf(stderr, "chatlab-launch: cannot run %s: %s\n", launch.program[0],
               std::strerror(error));
  return error == ENOENT ? status_not_found : status_cannot_run;
}
