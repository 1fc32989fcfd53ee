#include "core/line_buffer.hpp"

#include <algorithm>

namespace kv {

std::vector<std::string> LineBuffer::feed(std::string_view data) {
  std::vector<std::string> lines;
  while (!overflowed_ && !data.empty()) {
    const std::size_t end = data.find('\n');
    if (end == std::string_view::npos) {
      if (partial_.size() + data.size() > max_line_bytes_) {
        overflowed_ = true;
      } else {
        partial_.append(data);
      }
      break;
    }
    if (partial_.empty()) {
      take(data.substr(0, end), lines);
    } else {
      // One byte past the limit is enough to know the line is refused.
      partial_.append(data.substr(0, std::min(end, max_line_bytes_ + 1)));
      take(partial_, lines);
      partial_.clear();
    }
    data.remove_prefix(end + 1);
  }
  if (overflowed_) std::string().swap(partial_);
  return lines;
}

void LineBuffer::take(std::string_view line, std::vector<std::string>& out) {
  if (line.size() > max_line_bytes_) {
    overflowed_ = true;
    return;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) out.emplace_back(line);
}

}  // namespace kv
