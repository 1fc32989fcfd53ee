#pragma once
/// A connection's pending output: encoded frames, oldest first.

#include <cstddef>
#include <string>
#include <string_view>

namespace chatlab::io {

/// Frames queued for one socket, in one buffer. It grows by doubling, as a
/// string does, but never past `cap` (the connection's limit, plus a frame):
/// the server refuses a connection whose queue passes the limit, so the
/// buffer's memory, not only its bytes, stays within the limit and a frame.
class Outbox {
 public:
  explicit Outbox(std::size_t cap) noexcept : cap_(cap) {}

  /// Queues one whole frame.
  void append(std::string_view frame) {
    // Inline: fan-out calls this once per recipient of every frame.
    if (buffer_.size() + frame.size() > buffer_.capacity()) make_room(frame.size());
    buffer_.append(frame);
  }

  /// Bytes queued and not yet consumed.
  std::size_t size() const noexcept { return buffer_.size() - head_; }
  bool empty() const noexcept { return head_ == buffer_.size(); }

  /// The unsent bytes, oldest first.
  std::string_view pending() const noexcept { return std::string_view(buffer_).substr(head_); }

  /// The oldest `bytes` are sent.
  void consume(std::size_t bytes) noexcept;

  /// Whether the bytes consumed so far end inside a frame.
  bool mid_frame() const noexcept { return head_ != 0 && buffer_[head_ - 1] != '\n'; }

  /// Drops everything queued except the rest of a frame already partly consumed.
  void keep_inflight_frame() noexcept;

  /// Memory the buffer holds, used or not.
  std::size_t capacity() const noexcept { return buffer_.capacity(); }

  /// Frees the buffer; only for an empty outbox.
  void release() noexcept;

 private:
  /// Grows the buffer for `bytes` more, reusing the sent front first.
  void make_room(std::size_t bytes);

  std::string buffer_;    ///< frames; those before head_ are sent
  std::size_t head_ = 0;  ///< bytes of buffer_ already consumed
  std::size_t cap_;       ///< the capacity growth stops at, unless one append needs more
};

}  // namespace chatlab::io
