#pragma once
/// Reassembles "\n"-terminated frames from a byte stream cut anywhere.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chatlab {

/// Default and protocol maximum of bytes before a frame's "\n" (a "\r" counts).
inline constexpr std::size_t default_max_frame_bytes = 65536;

/// Per-connection reassembly. Complete lines come out with one trailing "\r"
/// dropped; empty lines are skipped. Once a frame passes the limit the buffer
/// is overflowed for good: it keeps nothing more and yields nothing more.
class FrameBuffer {
 public:
  explicit FrameBuffer(std::size_t max_frame_bytes = default_max_frame_bytes);

  /// The frames that `data` completes, in order. Frames completed before an
  /// overflow in the same chunk are still returned; check overflowed() after.
  std::vector<std::string> feed(std::string_view data);

  /// True once a frame was longer than the limit (frame_too_large).
  bool overflowed() const noexcept { return overflowed_; }

  /// Bytes of an unterminated frame held back, waiting for its "\n".
  std::size_t pending_bytes() const noexcept { return partial_.size(); }

  std::size_t max_frame_bytes() const noexcept { return max_frame_bytes_; }

 private:
  void take_line(std::string_view line, std::vector<std::string>& out);

  std::size_t max_frame_bytes_;  ///< limit on bytes before "\n"
  std::string partial_;          ///< the start of a frame whose "\n" has not come yet
  bool overflowed_ = false;      ///< a frame passed the limit; the stream is dead
};

}  // namespace chatlab
