#include "io/process.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <climits>
#include <csignal>

namespace chatlab::io {

void return_free_memory() noexcept {
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
}

void ignore_sigpipe() noexcept { std::signal(SIGPIPE, SIG_IGN); }

bool stop_with_parent() noexcept {
#ifdef __linux__
  const pid_t parent = ::getppid();
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) return true;  // best effort: stdin EOF still works
  return ::getppid() == parent;
#else
  return true;  // no such request here: the parent's end of stdin closing is the signal
#endif
}

void raise_fd_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) return;
#ifdef OPEN_MAX
  // macOS refuses a soft limit above OPEN_MAX, even under an unlimited hard one.
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, OPEN_MAX);
  ::setrlimit(RLIMIT_NOFILE, &limit);
#endif
}

void ensure_standard_fds() noexcept {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) continue;
    const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) ::close(opened);  // fd was taken after all
  }
}

}  // namespace chatlab::io
