#include "core/framer.hpp"

#include <algorithm>
#include <cstring>

namespace chatlab {

FrameBuffer::FrameBuffer(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

std::vector<std::string> FrameBuffer::feed(std::string_view data) {
  std::vector<std::string> frames;
  while (!overflowed_ && !data.empty()) {
    const void* found = std::memchr(data.data(), '\n', data.size());
    if (found == nullptr) {
      // Refuse as soon as the partial frame is too long: waiting for its
      // newline would let a peer make us buffer without bound.
      if (partial_.size() + data.size() > max_frame_bytes_) {
        overflowed_ = true;
      } else {
        partial_.append(data);
      }
      break;
    }
    const auto length = static_cast<std::size_t>(static_cast<const char*>(found) - data.data());
    if (partial_.empty()) {
      take_line(data.substr(0, length), frames);
    } else {
      partial_.append(data.substr(0, std::min(length, max_frame_bytes_ + 1)));
      take_line(partial_, frames);
      partial_.clear();
    }
    data.remove_prefix(length + 1);
  }
  if (overflowed_) {
    partial_.clear();
    partial_.shrink_to_fit();
  }
  return frames;
}

void FrameBuffer::take_line(std::string_view line, std::vector<std::string>& out) {
  if (line.size() > max_frame_bytes_) {
    overflowed_ = true;
    return;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) out.emplace_back(line);
}

}  // namespace chatlab
