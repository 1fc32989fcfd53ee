// What the soak's peers receive, checked. A frame is recognised by its
// canonical layout (sorted keys, no spaces), not decoded: one thread reads
// every delivery of the run.

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "bench/soak.hpp"

namespace chatlab::bench::soak {
namespace {

bool starts(std::string_view line, std::string_view head) {
  return line.compare(0, head.size(), head) == 0;
}

/// The quoted value that starts right after `head`, up to the next quote.
std::string_view quoted_after(std::string_view line, std::string_view head) {
  const std::string_view rest = line.substr(head.size());
  return rest.substr(0, rest.find('"'));
}

}  // namespace

void Soak::take_line(std::size_t j, std::string_view line, Nanos now) {
  static constexpr std::string_view chat_tail = R"(,"type":"chat"})";
  static constexpr std::string_view welcome = R"({"from":"server","text":"welcome, )";
  static constexpr std::string_view leave = R"({"type":"leave","user":")";
  static constexpr std::string_view error = R"({"code":")";
  Peer& p = peers_[j];
  if (line.size() > chat_tail.size() &&
      line.compare(line.size() - chat_tail.size(), chat_tail.size(), chat_tail) == 0) {
    take_chat(j, line, now);
  } else if (starts(line, R"({"type":"roster")")) {
    // Names hold no comma: a roster has as many members as commas.
    p.roster = static_cast<std::size_t>(std::count(line.begin(), line.end(), ','));
  } else if (starts(line, R"({"type":"join")")) {
    // Only while everyone connects.
  } else if (starts(line, leave) && slow_ != SIZE_MAX &&
             quoted_after(line, leave) == peers_[slow_].name) {
    slow_left(now);  // every chatting client sees it leave; the first one times it
  } else if (starts(line, welcome)) {
    p.name = std::string(quoted_after(line, welcome));
  } else if (line == R"({"id":"end","type":"sync"})") {
    p.synced = true;
  } else if (j == slow_ && starts(line, error)) {
    slow_error_ = std::string(quoted_after(line, error));
  } else if (healthy(j)) {
    ++unexpected_;
    // %.*s bounds the read: line.data() need not end in a NUL.
    std::fprintf(stderr, "chatlab-soak: %s got %.*s\n", p.name.c_str(),
                 static_cast<int>(std::min<std::size_t>(line.size(), 200)),
                 line.data());  // NOLINT(bugprone-suspicious-stringview-data-usage)
  }
}

void Soak::take_chat(std::size_t j, std::string_view line, Nanos now) {
  // {"from":"guest-3","text":"<sender> <seq> <sent ns> ...","type":"chat"}
  static constexpr std::string_view from = R"({"from":")";
  static constexpr std::string_view text = R"(","text":")";
  if (!starts(line, from)) return void(++unexpected_);
  const std::string_view name = quoted_after(line, from);
  const std::size_t body = from.size() + name.size();
  if (line.compare(body, text.size(), text) != 0) return void(++unexpected_);
  // The line is a std::string's view, so the numbers end before its NUL at the latest.
  char* end = nullptr;
  const std::size_t i = std::strtoull(line.data() + body + text.size(), &end, 10);
  const auto seq = static_cast<std::uint32_t>(std::strtoul(end, &end, 10));
  const Nanos sent = std::strtoll(end, &end, 10);
  if (i >= n_ || i == j) return void(++unexpected_);
  if (peers_[i].name != name) ++misattributed_;
  std::uint32_t& next = next_[j * n_ + i];
  ++got_[j * n_ + i];
  const bool in_order = seq == next;
  next = seq + 1;
  if (!healthy(j)) {
    ++slow_chats_;
    slow_out_of_order_ += in_order ? 0 : 1;
    return;
  }
  out_of_order_ += in_order ? 0 : 1;
  ++delivered_;
  Window w = Window::baseline;
  if (sent < start_ + seconds(o_.warmup_s)) {
    w = Window::warmup;
  } else if (stop_at_ >= 0 && sent >= stop_at_) {
    w = drop_at_ >= 0 && sent >= drop_at_ ? Window::after : Window::lag;
  }
  latency_[w].add(now - sent);
  if (w != Window::warmup) steady_.add(now - sent);
  const auto second = static_cast<std::size_t>(std::max<Nanos>(sent - start_, 0) / seconds(1));
  if (second < by_second_.size()) by_second_[second].add(now - sent);
}

}  // namespace chatlab::bench::soak
