#include "io/poller.hpp"

#include <cerrno>
#include <system_error>

namespace chatlab::io {
namespace {

epoll_event make_event(std::uint32_t events, std::uint64_t key) noexcept {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key;
  return event;
}

}  // namespace

Poller::Poller() : epoll_(::epoll_create1(EPOLL_CLOEXEC)), events_{} {
  if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

bool Poller::add(int fd, std::uint32_t events, std::uint64_t key) noexcept {
  epoll_event event = make_event(events, key);
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) == 0;
}

void Poller::modify(int fd, std::uint32_t events, std::uint64_t key) noexcept {
  epoll_event event = make_event(events, key);
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
}

void Poller::remove(int fd) noexcept { ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

int Poller::wait(int timeout_ms) noexcept {
  const int ready =
      ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeout_ms);
  return ready < 0 ? 0 : ready;  // EINTR: the caller simply goes round again
}

}  // namespace chatlab::io
