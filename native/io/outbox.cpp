#include "io/outbox.hpp"

#include <algorithm>

namespace chatlab::io {
namespace {

/// Below this the sent front of the buffer is not worth moving.
constexpr std::size_t compact_threshold = 64 * 1024;

}  // namespace

void Outbox::make_room(std::size_t bytes) {
  if (head_ >= compact_threshold && head_ * 2 >= buffer_.size()) {
    // The last byte sent stays: mid_frame() reads it to tell a cut frame.
    buffer_.erase(0, head_ - 1);
    head_ = 1;
  }
  const std::size_t wanted = buffer_.size() + bytes;
  if (wanted > buffer_.capacity()) {
    // Into a new string, not reserve(): libstdc++ rounds a reserve up to twice
    // the old capacity, which would pass the cap.
    std::string grown;
    grown.reserve(std::max(std::min(2 * buffer_.capacity(), cap_), wanted));
    grown.append(buffer_);
    buffer_.swap(grown);
  }
}

void Outbox::consume(std::size_t bytes) noexcept {
  head_ += bytes;
  if (head_ < buffer_.size()) return;
  // All sent: keep the capacity, so steady fan-out allocates nothing.
  buffer_.clear();
  head_ = 0;
}

void Outbox::keep_inflight_frame() noexcept {
  // Canonical frames hold no raw '\n', so the first one ends the frame in flight.
  const std::size_t end = mid_frame() ? buffer_.find('\n', head_) + 1 : head_;
  buffer_.resize(end);
}

void Outbox::release() noexcept {
  std::string().swap(buffer_);
  head_ = 0;
}

}  // namespace chatlab::io
