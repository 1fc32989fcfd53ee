// Poller on poll(2): O(registered) per wait, for systems without epoll
// (macOS, the BSDs). Unlike epoll, poll keeps watching a closed fd, so the
// server removes every socket before it closes it (Server::drop).

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <unordered_map>
#include <vector>

#include "io/poller.hpp"

namespace chatlab::io {
namespace {

short poll_events(std::uint32_t interest) noexcept {
  short events = 0;
  if ((interest & interest_read) != 0) events |= POLLIN;
  if ((interest & interest_write) != 0) events |= POLLOUT;
  return events;
}

}  // namespace

struct Poller::Backend {
  std::vector<pollfd> fds;                    ///< the registrations, dense, as poll(2) takes them
  std::vector<std::uint64_t> keys;            ///< the key of fds[i]
  std::unordered_map<int, std::size_t> slot;  ///< fd -> its index in fds
  std::vector<ReadyEvent> ready;              ///< filled by wait()
};

Poller::Poller() : backend_(std::make_unique<Backend>()) {}

Poller::~Poller() = default;

bool Poller::add(int fd, std::uint32_t interest, std::uint64_t key) noexcept {
  Backend& b = *backend_;
  if (::fcntl(fd, F_GETFD) == -1) return false;  // EBADF, as epoll_ctl says it
  pollfd probe{fd, POLLIN, 0};
  if (::poll(&probe, 1, 0) == 1 && (probe.revents & POLLNVAL) != 0) {
    errno = ENOTSUP;  // macOS cannot poll devices such as a terminal
    return false;
  }
  if (b.slot.count(fd) != 0) {
    errno = EEXIST;
    return false;
  }
  const std::size_t before = b.fds.size();
  try {
    b.slot.emplace(fd, before);
    b.fds.push_back(pollfd{fd, poll_events(interest), 0});
    b.keys.push_back(key);
    b.ready.reserve(b.fds.capacity());  // grows with fds, so wait() never allocates
  } catch (...) {
    b.slot.erase(fd);
    b.fds.resize(before);
    b.keys.resize(before);
    errno = ENOMEM;
    return false;
  }
  return true;
}

void Poller::modify(int fd, std::uint32_t interest, std::uint64_t key) noexcept {
  Backend& b = *backend_;
  const auto found = b.slot.find(fd);
  if (found == b.slot.end()) return;
  b.fds[found->second].events = poll_events(interest);
  b.keys[found->second] = key;
}

void Poller::remove(int fd) noexcept {
  Backend& b = *backend_;
  const auto found = b.slot.find(fd);
  if (found == b.slot.end()) return;
  const std::size_t index = found->second;
  b.slot.erase(found);
  if (index + 1 != b.fds.size()) {  // the last registration fills the hole
    b.fds[index] = b.fds.back();
    b.keys[index] = b.keys.back();
    b.slot[b.fds[index].fd] = index;
  }
  b.fds.pop_back();
  b.keys.pop_back();
}

int Poller::wait(int timeout_ms) noexcept {
  Backend& b = *backend_;
  b.ready.clear();
  const int ready = ::poll(b.fds.data(), static_cast<nfds_t>(b.fds.size()), timeout_ms);
  if (ready <= 0) return 0;  // EINTR: the caller simply goes round again
  constexpr short trouble = POLLHUP | POLLERR | POLLNVAL;
  for (std::size_t i = 0; i < b.fds.size(); ++i) {
    const short revents = b.fds[i].revents;
    if (revents == 0) continue;
    b.ready.push_back(
        {b.keys[i], (revents & (POLLIN | trouble)) != 0, (revents & (POLLOUT | trouble)) != 0});
  }
  return static_cast<int>(b.ready.size());
}

ReadyEvent Poller::event(int index) const noexcept {
  return backend_->ready[static_cast<std::size_t>(index)];
}

}  // namespace chatlab::io
