#include "io/console_input.hpp"

#include <utility>

namespace chatlab::io {

std::vector<std::string> ConsoleInput::feed(std::string_view data) {
  pending_.append(data);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = pending_.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
  }
  pending_.erase(0, start);
  return lines;
}

std::optional<std::string> ConsoleInput::finish() {
  std::string rest = std::exchange(pending_, std::string());
  if (rest.empty()) return std::nullopt;
  return rest;
}

}  // namespace chatlab::io
