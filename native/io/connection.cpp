#include "io/connection.hpp"

#include <sys/socket.h>

#include <array>
#include <utility>

namespace chatlab::io {
namespace {

/// Below this the front of a half-written outbox is not worth moving.
constexpr std::size_t compact_threshold = 64 * 1024;

/// Outbox capacity an idle connection may keep between bursts.
constexpr std::size_t retained_outbox_bytes = 16 * 1024;

}  // namespace

Connection::Connection(Fd socket, SessionId session, std::size_t max_frame_bytes,
                       std::size_t eager_write_bytes)
    : socket_(std::move(socket)),
      session_(session),
      frames_(max_frame_bytes),
      eager_write_bytes_(eager_write_bytes) {}

bool Connection::queue(std::string_view frame) {
  outbox_.append(frame);
  // A failure here shows again at the scheduled flush, which handles it.
  if (!blocked_ && outbox_.size() - written_ >= eager_write_bytes_) write_out();
  return schedule();
}

bool Connection::schedule() noexcept {
  if (scheduled_) return false;
  scheduled_ = true;
  return true;
}

IoStatus Connection::flush() {
  scheduled_ = false;
  return write_out();
}

IoStatus Connection::write_out() {
  while (has_output()) {
    std::size_t sent = 0;
    const IoStatus status =
        send_some(fd(), outbox_.data() + written_, outbox_.size() - written_, sent);
    if (status != IoStatus::ok) {
      blocked_ = status == IoStatus::blocked;
      compact();
      return status;
    }
    written_ += sent;
    sent_since_probe_ += sent;
    mid_frame_ = outbox_[written_ - 1] != '\n';
  }
  // Everything is out: keep the capacity, so steady fan-out allocates nothing.
  // release_idle_outbox() gives a large one back once the server is idle.
  outbox_.clear();
  written_ = 0;
  blocked_ = false;
  return IoStatus::ok;
}

bool Connection::outbox_is_large() const noexcept {
  return outbox_.capacity() > retained_outbox_bytes;
}

bool Connection::release_idle_outbox() noexcept {
  if (has_output() || outbox_.capacity() <= retained_outbox_bytes) return false;
  std::string().swap(outbox_);
  written_ = 0;
  return true;
}

void Connection::compact() noexcept {
  if (written_ >= compact_threshold && written_ * 2 >= outbox_.size()) {
    outbox_.erase(0, written_);
    written_ = 0;
  }
}

bool Connection::over_limit(std::size_t limit) noexcept {
  const std::size_t queued = outbox_.size() - written_;
  // The kernel queue only shrinks between probes, so this bound is safe.
  if (kernel_at_probe_ + sent_since_probe_ + queued <= limit) return false;
  kernel_at_probe_ = unsent_bytes(fd());
  sent_since_probe_ = 0;
  return kernel_at_probe_ + queued > limit;
}

void Connection::drop_after_inflight_frame() noexcept {
  std::size_t keep = written_;
  if (mid_frame_) {
    // Canonical frames hold no raw '\n', so the first one ends the frame in flight.
    const std::size_t end = outbox_.find('\n', written_);
    keep = end == std::string::npos ? outbox_.size() : end + 1;
  }
  outbox_.resize(keep);
}

void Connection::start_flushing(Clock::time_point deadline) noexcept {
  phase_ = Phase::flushing;
  deadline_ = deadline;
}

void Connection::start_draining(Clock::time_point deadline) noexcept {
  ::shutdown(fd(), SHUT_WR);
  phase_ = Phase::draining;
  deadline_ = deadline;
}

void Connection::discard_input() noexcept {
  std::array<char, 16 * 1024> sink;
  std::size_t got = 0;
  for (int reads = 0; reads < 64; ++reads) {
    if (receive_some(fd(), sink.data(), sink.size(), got) != IoStatus::ok) return;
  }
}

bool Connection::interest_changed(std::uint32_t& interest) noexcept {
  // After EOF a level-triggered read interest would fire forever; write only while bytes wait.
  interest = peer_eof_ ? interest_none : interest_read;
  if (has_output()) interest |= interest_write;
  if (interest == registered_) return false;
  registered_ = interest;
  return true;
}

}  // namespace chatlab::io
