// Poller on epoll: O(ready) per wait, the Linux backend.

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "io/poller.hpp"
#include "io/socket.hpp"

namespace chatlab::io {
namespace {

epoll_event make_event(std::uint32_t interest, std::uint64_t key) noexcept {
  epoll_event event{};
  if ((interest & interest_read) != 0) event.events |= EPOLLIN;
  if ((interest & interest_write) != 0) event.events |= EPOLLOUT;
  event.data.u64 = key;
  return event;
}

}  // namespace

struct Poller::Backend {
  Fd epoll{::epoll_create1(EPOLL_CLOEXEC)};  ///< the epoll instance
  std::array<epoll_event, 256> events{};     ///< filled by wait()
};

Poller::Poller() : backend_(std::make_unique<Backend>()) {
  if (!backend_->epoll) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

Poller::~Poller() = default;

bool Poller::add(int fd, std::uint32_t interest, std::uint64_t key) noexcept {
  epoll_event event = make_event(interest, key);
  return ::epoll_ctl(backend_->epoll.get(), EPOLL_CTL_ADD, fd, &event) == 0;
}

void Poller::modify(int fd, std::uint32_t interest, std::uint64_t key) noexcept {
  epoll_event event = make_event(interest, key);
  ::epoll_ctl(backend_->epoll.get(), EPOLL_CTL_MOD, fd, &event);
}

void Poller::remove(int fd) noexcept {
  ::epoll_ctl(backend_->epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
}

int Poller::wait(int timeout_ms) noexcept {
  auto& events = backend_->events;
  const int ready = ::epoll_wait(backend_->epoll.get(), events.data(),
                                 static_cast<int>(events.size()), timeout_ms);
  return ready < 0 ? 0 : ready;  // EINTR: the caller simply goes round again
}

ReadyEvent Poller::event(int index) const noexcept {
  const epoll_event& raw = backend_->events[static_cast<std::size_t>(index)];
  constexpr std::uint32_t trouble = EPOLLHUP | EPOLLERR;
  return {raw.data.u64, (raw.events & (EPOLLIN | trouble)) != 0,
          (raw.events & (EPOLLOUT | trouble)) != 0};
}

}  // namespace chatlab::io
