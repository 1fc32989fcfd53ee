#include "io/connection.hpp"

#include <sys/socket.h>

#include <array>
#include <utility>

namespace chatlab::io {
namespace {

/// Outbox capacity past the limit: the frame that passes it (most are shorter).
constexpr std::size_t outbox_slack_bytes = 64 * 1024;

/// Outbox capacity an idle connection may keep between bursts.
constexpr std::size_t retained_outbox_bytes = 16 * 1024;

/// The kernel send buffer, fixed: plenty for a reader that keeps up, and far
/// enough below the system's ceiling (net.core.wmem_max, 208 KiB by default)
/// that stop_waiting() can still grow it by a frame or two.
constexpr std::size_t send_buffer_bytes = 64 * 1024;

}  // namespace

Connection::Connection(Fd socket, SessionId session, std::size_t max_frame_bytes,
                       std::size_t eager_write_bytes, std::size_t max_outbound_bytes)
    : socket_(std::move(socket)),
      session_(session),
      frames_(max_frame_bytes),
      outbox_(max_outbound_bytes + outbox_slack_bytes),
      eager_write_bytes_(eager_write_bytes) {
  fix_send_buffer(fd(), send_buffer_bytes);
}

bool Connection::queue(std::string_view frame) {
  outbox_.append(frame);
  // A failure here shows again at the scheduled flush, which handles it.
  if (!blocked_ && outbox_.size() >= eager_write_bytes_) write_out();
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
    const std::string_view pending = outbox_.pending();
    std::size_t sent = 0;
    const IoStatus status = send_some(fd(), pending.data(), pending.size(), sent);
    if (status != IoStatus::ok) {
      blocked_ = status == IoStatus::blocked;
      return status;
    }
    outbox_.consume(sent);
    sent_since_probe_ += sent;
  }
  // Everything is out. The outbox keeps its capacity, so steady fan-out
  // allocates nothing; release_idle_outbox() gives it back once the server is idle.
  blocked_ = false;
  return IoStatus::ok;
}

bool Connection::outbox_is_large() const noexcept {
  return outbox_.capacity() > retained_outbox_bytes;
}

bool Connection::release_idle_outbox() noexcept {
  if (has_output() || outbox_.capacity() <= retained_outbox_bytes) return false;
  outbox_.release();
  return true;
}

bool Connection::over_limit_probed(std::size_t limit) noexcept {
  kernel_at_probe_ = unsent_bytes(fd());
  sent_since_probe_ = 0;
  return kernel_at_probe_ + outbox_.size() > limit;
}

void Connection::drop_after_inflight_frame() noexcept { outbox_.keep_inflight_frame(); }

void Connection::stop_waiting() noexcept {
  wait_for_writable_ = false;
  grow_send_buffer(fd(), outbox_.size());
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
