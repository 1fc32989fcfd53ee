// The slow reader: when it stops reading, and when the server should give up
// on it. The server's own count of its backlog cannot be seen from here, so
// it is estimated from what was relayed and what reached the reader's socket.

#include <algorithm>

#include "bench/soak.hpp"

namespace chatlab::bench::soak {

void Soak::check_slow(Nanos now) {
  if (slow_ == SIZE_MAX || drop_at_ >= 0) return;
  if (stop_at_ < 0 && now >= start_ + seconds(o_.slow_at_s)) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, peers_[slow_].fd, nullptr);  // it reads no more
    stop_at_ = now;
    unread_at_stop_ = unread(slow_);
    event("slow_stop", now);
  }
  if (stop_at_ < 0 || cap_at_ >= 0) return;
  // The server holds what it relayed to the slow reader since it stopped, less
  // what reached the reader's receive queue. Its own count may differ by a
  // frame either way (one in flight at the stop, one not yet handled), so the
  // clock starts once the estimate is within one largest frame of the cap:
  // early, which makes drop_after_cap an upper bound.
  const std::size_t queued = unread(slow_);
  const std::size_t arrived = queued - std::min(queued, unread_at_stop_);
  if (offered_ + max_relay_bytes() > arrived + o_.max_outbound) {
    cap_at_ = now;
    event("slow_cap", now);
  }
}

void Soak::slow_left(Nanos now) {
  if (drop_at_ >= 0) return;
  drop_at_ = now;
  offered_at_drop_ = offered_;
  unread_at_drop_ = stop_at_ >= 0 ? unread(slow_) : 0;
  event("slow_dropped", now);
  // Read on: what the server had handed to the kernel, then the end of file.
  if (stop_at_ >= 0 && peers_[slow_].open) watch(slow_, EPOLLIN, EPOLL_CTL_ADD);
}

}  // namespace chatlab::bench::soak
