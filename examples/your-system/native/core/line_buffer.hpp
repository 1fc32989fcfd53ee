#pragma once
/// Cuts a byte stream into lines at "\n", refusing a line longer than a limit.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

/// Reassembles lines from reads of any size. Memory is bounded by the limit:
/// a partial line is refused as soon as it is too long, not when its "\n" comes.
class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  /// The lines `data` completes, in order, without "\n" and one final "\r";
  /// empty lines are skipped. After the first line that is too long, nothing.
  std::vector<std::string> feed(std::string_view data);

  /// Whether a line longer than the limit was seen; the stream is then over.
  bool overflowed() const noexcept { return overflowed_; }

 private:
  void take(std::string_view line, std::vector<std::string>& out);

  std::size_t max_line_bytes_;  ///< the longest line accepted, "\r" included
  std::string partial_;         ///< the bytes of a line whose "\n" has not come
  bool overflowed_ = false;     ///< set once, by a line over the limit
};

}  // namespace kv
