// The soak's bytes in and out. No send blocks: what a socket does not take
// waits in its peer's queue under EPOLLOUT, so one full socket holds up no
// other client's schedule.

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "bench/soak.hpp"
#include "core/codec.hpp"
#include "core/requests.hpp"

namespace chatlab::bench::soak {

void Soak::pump(int timeout_ms) {
  std::array<epoll_event, 512> events;
  const int ready =
      ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
  for (int k = 0; k < ready; ++k) {
    const epoll_event& e = events[static_cast<std::size_t>(k)];
    const auto j = static_cast<std::size_t>(e.data.u64);
    if (!peers_[j].open) continue;
    if ((e.events & EPOLLOUT) != 0) write_out(j);
    if ((e.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_peer(j);
  }
}

void Soak::read_peer(std::size_t j) {
  Peer& p = peers_[j];
  const ssize_t n = ::recv(p.fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  const Nanos now = now_ns();
  if (n <= 0) {  // end of file, or a reset
    p.open = false;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, p.fd, nullptr);
    if (healthy(j)) ++closed_;
    if (j == slow_) eof_at_ = now;
    return;
  }
  for (const std::string& line : p.frames.feed({buffer_.data(), static_cast<std::size_t>(n)})) {
    take_line(j, line, now);
  }
}

void Soak::send_chat(std::size_t i) {
  Peer& p = peers_[i];
  if (!p.open) return;
  chatlab::Message message = chatlab::chat_message(random_text(i, now_ns()));
  p.out += chatlab::encode(message);
  ++p.seq;
  ++sent_[i];
  expected_ += n_ - 1;
  if (stop_at_ >= 0 && drop_at_ < 0) {
    message.sender = p.name;  // the frame the server relays to the slow reader
    offered_ += chatlab::encode(message).size();
  }
  write_out(i);
}

void Soak::write_out(std::size_t i) {
  Peer& p = peers_[i];
  while (!p.out.empty()) {
    const ssize_t n = ::send(p.fd, p.out.data(), p.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) p.out.clear();  // reading sees why
    if (n < 0) break;
    p.out.erase(0, static_cast<std::size_t>(n));
  }
  const bool want_out = !p.out.empty();
  if (want_out != p.watching_out) {
    p.watching_out = want_out;
    watch(i, want_out ? EPOLLIN | EPOLLOUT : EPOLLIN);
  }
}

void Soak::watch(std::size_t j, std::uint32_t events, int op) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = j;
  ::epoll_ctl(epoll_, op, peers_[j].fd, &e);
}

std::string Soak::random_text(std::size_t i, Nanos at) {
  // Printable ASCII, the two characters JSON escapes, a control character and
  // multi-byte UTF-8, so the server's escaping is exercised too.
  static constexpr std::array<std::string_view, 14> pieces = {"a",
                                                              "b",
                                                              "z",
                                                              "Q",
                                                              "7",
                                                              " ",
                                                              ".",
                                                              "/",
                                                              "\"",
                                                              "\\",
                                                              "\t",
                                                              "\xc3\xa9",
                                                              "\xe2\x86\x92",
                                                              "\xf0\x9f\x98\x80"};
  std::string text =
      std::to_string(i) + ' ' + std::to_string(peers_[i].seq) + ' ' + std::to_string(at) + ' ';
  std::uniform_int_distribution<std::size_t> length(text.size(), o_.text_bytes);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  const std::size_t target = length(random_);
  for (std::string_view next = pieces[piece(random_)]; text.size() + next.size() <= target;
       next = pieces[piece(random_)]) {
    text += next;
  }
  return text;
}

std::size_t Soak::unread(std::size_t j) const {
  int queued = 0;
  const bool known = ::ioctl(peers_[j].fd, FIONREAD, &queued) == 0 && queued > 0;
  return known ? static_cast<std::size_t>(queued) : 0;
}

}  // namespace chatlab::bench::soak
