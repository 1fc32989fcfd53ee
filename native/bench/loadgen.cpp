// chatlab-loadgen: fan-out throughput of a running chatlab-server.
//
// R receivers and one sender connect; once every receiver's roster shows all
// R + 1 members, the sender writes N chat lines as fast as the socket takes
// them and the clock runs until every receiver has counted N chat frames.
// One thread, epoll, no JSON decoding: a chat frame is a line that starts
// with {"from": and ends with "type":"chat"} (the canonical encoding).
//
// stdout: one "receivers=R lines=N ... deliveries_per_s=D" line. Exit status 0
// when every receiver counted every line; 1 when it timed out, could not
// connect or the server closed a connection; 2 on bad arguments.

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/connect.hpp"
#include "bench/options.hpp"
#include "cli/arguments.hpp"
#include "core/codec.hpp"
#include "core/requests.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* usage =
    "usage: chatlab-loadgen --connect HOST:PORT [--receivers 100] [--lines 2000]\n"
    "                       [--line-bytes 60] [--timeout 30]\n";

struct Options {
  chatlab::bench::Endpoint server;  ///< where chatlab-server listens; required
  std::size_t receivers = 100;      ///< R
  std::size_t lines = 2000;         ///< N, sent by the one sender
  std::size_t line_bytes = 60;      ///< each line on the wire, "\n" included
  double timeout_s = 30;            ///< give up (exit 1) after this
};

/// One client socket and what it has seen so far.
struct Peer {
  int fd = -1;
  std::string partial;     ///< an unterminated line carried to the next read
  std::size_t chats = 0;   ///< chat frames counted
  std::size_t roster = 0;  ///< members in the last roster seen
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "chatlab-loadgen: %s\n", what.c_str());
  std::exit(1);
}

/// The shortest chat line on the wire: an empty text, "\n" included.
std::size_t empty_chat_bytes() { return chatlab::encode(chatlab::chat_message("")).size(); }

/// Reads one of the load generator's own options into `options`: false for a
/// name it does not know, a UsageError for a value missing or out of its range.
bool read_option(Options& options, const std::string& name, chatlab::cli::Arguments& arguments) {
  using chatlab::bench::count_option;
  if (name == "--receivers") {
    options.receivers = count_option(name, arguments.value(), 1, 100000);
  } else if (name == "--lines") {
    options.lines = count_option(name, arguments.value(), 1, 10'000'000);
  } else if (name == "--line-bytes") {
    // A text of one byte at least; 1 MiB is far past the server's default frame limit.
    options.line_bytes = count_option(name, arguments.value(), empty_chat_bytes() + 1, 1 << 20);
  } else if (name == "--timeout") {
    options.timeout_s =
        chatlab::bench::real_option(name, arguments.value(), 0, 3600, chatlab::bench::Low::open);
  } else {
    return false;
  }
  return true;
}

int connect_to(const Options& options) {
  try {
    return chatlab::bench::connect_tcp(options.server.host, options.server.port);
  } catch (const std::exception& error) {
    fail(error.what());
  }
}

/// Counts what one line tells the benchmark: a chat, or a roster's size.
void take_line(Peer& peer, std::string_view line) {
  static constexpr std::string_view chat_head = "{\"from\":";
  static constexpr std::string_view chat_tail = "\"type\":\"chat\"}";
  static constexpr std::string_view roster_head = "{\"type\":\"roster\"";
  if (line.size() >= chat_head.size() + chat_tail.size() &&
      line.compare(0, chat_head.size(), chat_head) == 0 &&
      line.compare(line.size() - chat_tail.size(), chat_tail.size(), chat_tail) == 0) {
    ++peer.chats;
  } else if (line.compare(0, roster_head.size(), roster_head) == 0) {
    // Names never hold a comma, so the roster has as many members as commas.
    std::size_t commas = 0;
    for (char c : line) commas += c == ',' ? 1 : 0;
    peer.roster = commas;
  }
}

/// Reads once and scans whole lines; false when the server closed the socket.
bool read_peer(Peer& peer, std::vector<char>& buffer) {
  const ssize_t n = ::recv(peer.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  std::string_view data(buffer.data(), static_cast<std::size_t>(n));
  if (!peer.partial.empty()) {
    const auto end = data.find('\n');
    if (end == std::string_view::npos) {
      peer.partial.append(data);
      return true;
    }
    peer.partial.append(data.substr(0, end));
    take_line(peer, peer.partial);
    peer.partial.clear();
    data.remove_prefix(end + 1);
  }
  for (auto end = data.find('\n'); end != std::string_view::npos; end = data.find('\n')) {
    take_line(peer, data.substr(0, end));
    data.remove_prefix(end + 1);
  }
  peer.partial.assign(data);
  return true;
}

std::string chat_payload(const Options& options) {
  // parse() checked that line_bytes leaves room for one byte of text at least.
  const std::string text(options.line_bytes - empty_chat_bytes(), 'x');
  const std::string line = chatlab::encode(chatlab::chat_message(text));
  std::string payload;
  payload.reserve(line.size() * options.lines);
  for (std::size_t i = 0; i < options.lines; ++i) payload += line;
  return payload;
}

/// The event loop both phases share: read every peer until `done()` holds,
/// calling `writable()` when a socket registered for EPOLLOUT can take more.
template <class Done, class Writable>
void pump(int epoll, std::vector<Peer>& peers, Clock::time_point deadline, Done done,
          Writable writable) {
  std::vector<char> buffer(256 * 1024);
  std::vector<epoll_event> events(peers.size());
  while (!done()) {
    if (Clock::now() > deadline) fail("timed out");
    const int ready = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < ready; ++i) {
      const epoll_event& event = events[static_cast<std::size_t>(i)];
      if ((event.events & EPOLLOUT) != 0) writable();
      if ((event.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) continue;
      if (!read_peer(peers[event.data.u64], buffer)) fail("the server closed a connection");
    }
  }
}

void watch(int epoll, const Peer& peer, std::size_t index, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = index;
  ::epoll_ctl(epoll, EPOLL_CTL_MOD, peer.fd, &event);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const auto status = chatlab::bench::parse_or_exit("chatlab-loadgen", usage, argc, argv,
                                                        options, read_option)) {
    return *status;
  }
  const std::size_t members = options.receivers + 1;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options.timeout_s));
  const std::string payload = chat_payload(options);

  // Receivers first, the sender last: its join is the last roster change.
  // Others may share the room (a roster can be longer), never fewer.
  std::vector<Peer> peers(members);
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < members; ++i) {
    peers[i].fd = connect_to(options);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, peers[i].fd, &event);
  }
  Peer& sender = peers.back();
  const auto receivers_joined = [&] {
    for (std::size_t i = 0; i < options.receivers; ++i) {
      if (peers[i].roster < members) return false;
    }
    return sender.roster >= members;
  };
  pump(epoll, peers, deadline, receivers_joined, [] {});

  // The clock starts with the first byte sent; EPOLLOUT stays on while bytes wait.
  const auto start = Clock::now();
  std::size_t sent = 0;
  const auto send_more = [&] {
    if (sent == payload.size()) return;
    const ssize_t n = ::send(sender.fd, payload.data() + sent, payload.size() - sent,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) sent += static_cast<std::size_t>(n);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) fail("send failed");
    if (sent == payload.size()) watch(epoll, sender, options.receivers, EPOLLIN);
  };
  const auto all_counted = [&] {
    for (std::size_t i = 0; i < options.receivers; ++i) {
      if (peers[i].chats < options.lines) return false;
    }
    return true;
  };
  watch(epoll, sender, options.receivers, EPOLLIN | EPOLLOUT);
  send_more();
  pump(epoll, peers, deadline, all_counted, send_more);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  const double deliveries = static_cast<double>(options.receivers * options.lines);
  std::printf(
      "receivers=%zu lines=%zu line_bytes=%zu deliveries=%.0f elapsed_s=%.6f "
      "deliveries_per_s=%.0f\n",
      options.receivers, options.lines, options.line_bytes, deliveries, elapsed,
      deliveries / elapsed);
  for (Peer& peer : peers) ::close(peer.fd);
  ::close(epoll);
  return 0;
}
