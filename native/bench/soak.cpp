// chatlab-soak: many clients chat at a bounded rate against a running
// chatlab-server, and every delivery is checked.
//
// C clients connect one at a time (each waits for its welcome), until every
// roster lists them all. Then each sends one chat every 1/R s, at a random
// phase, for D s: a text of random length and content that starts
// "<sender> <seq> <send time, ns> ". Every receiver checks that each other
// client's chats arrive exactly once and in order, that "from" is the
// sender's name, and how long each took (steady_clock, one process). With
// --slow-at S one more member, which sends nothing, stops reading S s into
// the run: the server must drop it (slow_consumer) while the others carry on.
// When the senders stop, the run waits until every chat has arrived, then for
// the answer to one sync per connection: nothing more was on its way.
//
// One thread, epoll; the core reassembles frames and encodes them, and a
// received frame is read by its canonical layout, not decoded.
//
// stdout: "EVENT <name> <seconds since the first chat>" lines as the run goes,
// then one "RESULT {json}" line. Exit status 0 when nothing was lost,
// duplicated, reordered or misattributed, no chatting client was refused or
// closed, and the slow reader (if any) was dropped; 1 otherwise; 2 on bad
// arguments or when the clients cannot all connect.

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apps/command_line.hpp"
#include "bench/connect.hpp"
#include "bench/json_writer.hpp"
#include "bench/latency.hpp"
#include "bench/options.hpp"
#include "core/codec.hpp"
#include "core/framer.hpp"

namespace {

using chatlab::apps::UsageError;
using chatlab::bench::Json;
using chatlab::bench::Latency;
using chatlab::bench::Nanos;

constexpr const char* usage =
    "usage: chatlab-soak --connect HOST:PORT [--clients 500] [--duration 60] [--rate 1]\n"
    "                    [--text-bytes 120] [--warmup 10] [--slow-at -1]\n"
    "                    [--max-outbound-bytes 1048576] [--drain-timeout 10] [--seed 1]\n"
    "                    [--hold 0]\n";

struct Options {
  chatlab::bench::Endpoint server;     ///< where chatlab-server listens; required
  std::size_t clients = 500;           ///< members that chat
  double duration_s = 60;              ///< how long they chat
  double rate = 1;                     ///< chats per second per client, evenly spaced
  std::size_t text_bytes = 120;        ///< longest text; each is of random length up to this
  double warmup_s = 10;                ///< latency of chats sent before this is reported apart
  double slow_at_s = -1;               ///< when the slow reader stops reading; < 0: no slow reader
  std::size_t max_outbound = 1048576;  ///< the server's --max-outbound-bytes
  double drain_timeout_s = 10;         ///< wait this long for the last chats, then the syncs
  unsigned seed = 1;                   ///< texts and phases
  bool hold = false;                   ///< after RESULT, keep every connection until stdin ends
};

/// A run that cannot start (the clients cannot all connect): exit status 2.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "chatlab-soak: %s\n", what.c_str());
  std::exit(2);
}

/// Reads one of the soak's own options into `o`: false for a name it does
/// not know, a UsageError for a value that is missing or out of its range.
bool read_option(Options& o, const std::string& name, chatlab::apps::Arguments& arguments) {
  using chatlab::bench::count_option;
  using chatlab::bench::Low;
  using chatlab::bench::real_option;
  constexpr double hour = 3600;  // the longest any of the times may be
  if (name == "--clients") {
    o.clients = count_option(name, arguments.value(), 2, 100000);
  } else if (name == "--duration") {
    o.duration_s = real_option(name, arguments.value(), 0, hour, Low::open);
  } else if (name == "--rate") {
    o.rate = real_option(name, arguments.value(), 0, 1000, Low::open);
  } else if (name == "--text-bytes") {
    o.text_bytes = count_option(name, arguments.value(), 40, 4096);
  } else if (name == "--warmup") {
    o.warmup_s = real_option(name, arguments.value(), 0, hour);
  } else if (name == "--slow-at") {
    // Any negative number means no slow reader, as -1 does.
    const std::string value = arguments.value();
    const auto at = chatlab::apps::parse_real(value, -std::numeric_limits<double>::max(), hour);
    if (!at) {
      throw UsageError(name + " takes a number up to 3600 (negative: none), not '" + value + "'");
    }
    o.slow_at_s = *at;
  } else if (name == "--max-outbound-bytes") {
    // The server takes any size; past 1 TiB the cap estimate's sums could wrap.
    o.max_outbound = count_option(name, arguments.value(), 1, std::size_t{1} << 40);
  } else if (name == "--drain-timeout") {
    o.drain_timeout_s = real_option(name, arguments.value(), 0, hour);
  } else if (name == "--seed") {
    o.seed = static_cast<unsigned>(
        count_option(name, arguments.value(), 0, std::numeric_limits<unsigned>::max()));
  } else if (name == "--hold") {
    o.hold = count_option(name, arguments.value(), 0, 1) != 0;
  } else {
    return false;
  }
  return true;
}

Nanos now_ns() {
  const auto since = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(since).count();
}

Nanos seconds(double s) { return static_cast<Nanos>(s * 1e9); }

int connect_to(const Options& o) {
  try {
    return chatlab::bench::connect_tcp(o.server.host, o.server.port);
  } catch (const std::exception& error) {
    fail(error.what());
  }
}

/// One client connection.
struct Peer {
  int fd = -1;
  chatlab::FrameBuffer frames;  ///< reassembly, as the server does it
  std::string out;              ///< bytes the socket has not taken yet
  std::string name;             ///< from the welcome notice
  std::size_t roster = 0;       ///< members in the last roster seen
  std::uint32_t seq = 0;        ///< chats sent
  bool open = true;             ///< not closed by the server
  bool synced = false;          ///< the final sync came back
  bool watching_out = false;    ///< EPOLLOUT is registered
};

bool starts(std::string_view line, std::string_view head) {
  return line.compare(0, head.size(), head) == 0;
}

/// The quoted value that starts right after `head`, up to the next quote.
std::string_view quoted_after(std::string_view line, std::string_view head) {
  const std::string_view rest = line.substr(head.size());
  return rest.substr(0, rest.find('"'));
}

/// The latency windows, by when a chat was sent.
enum Window { warmup, baseline, lag, after, windows };
constexpr const char* window_names[windows] = {"warmup", "baseline", "lag", "after"};

class Soak {
 public:
  explicit Soak(const Options& options)
      : o_(options),
        n_(options.clients),
        slow_(options.slow_at_s >= 0 ? n_ : SIZE_MAX),
        peers_(n_ + (options.slow_at_s >= 0 ? 1 : 0)),
        next_(peers_.size() * n_),
        got_(peers_.size() * n_),
        sent_(n_),
        by_second_(static_cast<std::size_t>(std::ceil(options.duration_s))),
        random_(options.seed),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)),
        buffer_(256 * 1024) {}

  int run();

 private:
  void connect_all();
  void chat_until(Nanos end);
  bool drain(Nanos deadline);
  bool sync_all(Nanos deadline);
  void pump(int timeout_ms);
  void read_peer(std::size_t j);
  void take_line(std::size_t j, std::string_view line, Nanos now);
  void take_chat(std::size_t j, std::string_view line, Nanos now);
  void slow_left(Nanos now);
  void send_chat(std::size_t i);
  void write_out(std::size_t i);
  void watch(std::size_t j, std::uint32_t events, int op = EPOLL_CTL_MOD);
  void check_slow(Nanos now);
  void event(const char* name, Nanos at);
  std::string random_text(std::size_t i, Nanos at);
  std::size_t unread(std::size_t j) const;
  bool healthy(std::size_t j) const { return j < n_; }
  /// The longest chat frame the server relays: every text byte escaped, a long name.
  std::size_t max_relay_bytes() const { return 2 * o_.text_bytes + 64; }
  double since_start(Nanos at) const { return static_cast<double>(at - start_) / 1e9; }
  std::string slow_json() const;
  bool report(bool drained, double drain_s, bool synced) const;

  Options o_;
  std::size_t n_;     ///< chatting clients: peers 0 .. n-1
  std::size_t slow_;  ///< the slow reader's index (n), or SIZE_MAX without one
  std::vector<Peer> peers_;
  std::vector<std::uint32_t> next_;  ///< [receiver * n + sender]: the next seq expected
  std::vector<std::uint32_t> got_;   ///< [receiver * n + sender]: chats received
  std::vector<std::uint64_t> sent_;  ///< chats each client sent
  Latency latency_[windows];         ///< healthy deliveries by window
  Latency steady_;                   ///< healthy deliveries after the warm-up
  std::vector<Latency> by_second_;   ///< healthy deliveries by the second they were sent in
  std::mt19937_64 random_;
  int epoll_;
  std::vector<char> buffer_;
  Nanos start_ = 0;
  double connect_s_ = 0;
  std::uint64_t expected_ = 0;       ///< deliveries due to chatting clients
  std::uint64_t delivered_ = 0;      ///< deliveries they received
  std::uint64_t out_of_order_ = 0;   ///< of those, arrivals whose seq was not the next one
  std::uint64_t misattributed_ = 0;  ///< chats whose "from" is not their sender's name
  std::uint64_t unexpected_ = 0;     ///< frames a chatting client should never get
  std::uint64_t closed_ = 0;         ///< chatting clients the server closed
  // The slow reader: when it stopped reading, when the server's share of its
  // backlog came within a frame of the cap (estimated), when the others saw it
  // leave, when it read its end of file.
  Nanos stop_at_ = -1, cap_at_ = -1, drop_at_ = -1, eof_at_ = -1;
  std::size_t unread_at_stop_ = 0, unread_at_drop_ = 0;
  std::uint64_t offered_ = 0, offered_at_drop_ = 0;  ///< bytes relayed to it since it stopped
  std::uint64_t slow_chats_ = 0, slow_out_of_order_ = 0;
  std::string slow_error_;  ///< the code of the error frame it read, if any
};

void Soak::watch(std::size_t j, std::uint32_t events, int op) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = j;
  ::epoll_ctl(epoll_, op, peers_[j].fd, &e);
}

void Soak::event(const char* name, Nanos at) {
  std::printf("EVENT %s %.6f\n", name, since_start(at));
  std::fflush(stdout);
}

std::size_t Soak::unread(std::size_t j) const {
  int queued = 0;
  const bool known = ::ioctl(peers_[j].fd, FIONREAD, &queued) == 0 && queued > 0;
  return known ? static_cast<std::size_t>(queued) : 0;
}

void Soak::connect_all() {
  const Nanos started = now_ns();
  const Nanos deadline = started + seconds(60);
  for (std::size_t j = 0; j < peers_.size(); ++j) {
    peers_[j].fd = connect_to(o_);
    watch(j, EPOLLIN, EPOLL_CTL_ADD);
    // One at a time: every join sends each member a roster, and rosters left
    // unread would count against the members' outbound limit.
    while (peers_[j].name.empty()) {
      if (!peers_[j].open) fail("the server closed client " + std::to_string(j) + " at once");
      if (now_ns() > deadline) fail("no welcome for client " + std::to_string(j) + " in 60 s");
      pump(10);
    }
  }
  const auto everyone = [&] {
    return std::all_of(peers_.begin(), peers_.end(),
                       [&](const Peer& p) { return p.roster == peers_.size(); });
  };
  while (!everyone()) {
    if (now_ns() > deadline) fail("rosters still incomplete after 60 s");
    pump(10);
  }
  connect_s_ = static_cast<double>(now_ns() - started) / 1e9;
}

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
    std::fprintf(stderr, "chatlab-soak: %s got %.*s\n", p.name.c_str(),
                 static_cast<int>(std::min<std::size_t>(line.size(), 200)), line.data());
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

void Soak::slow_left(Nanos now) {
  if (drop_at_ >= 0) return;
  drop_at_ = now;
  offered_at_drop_ = offered_;
  unread_at_drop_ = stop_at_ >= 0 ? unread(slow_) : 0;
  event("slow_dropped", now);
  // Read on: what the server had handed to the kernel, then the end of file.
  if (stop_at_ >= 0 && peers_[slow_].open) watch(slow_, EPOLLIN, EPOLL_CTL_ADD);
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

void Soak::send_chat(std::size_t i) {
  Peer& p = peers_[i];
  if (!p.open) return;
  chatlab::Message message;
  message.type = "chat";
  message.text = random_text(i, now_ns());
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

void Soak::check_slow(Nanos now) {
  if (slow_ == SIZE_MAX || drop_at_ >= 0) return;
  if (stop_at_ < 0 && now >= start_ + seconds(o_.slow_at_s)) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, peers_[slow_].fd, nullptr);  // it reads no more
    stop_at_ = now;
    unread_at_stop_ = unread(slow_);
    event("slow_stop", now);
  }
  if (stop_at_ < 0 || cap_at_ >= 0) return;
  // The server holds what it relayed to the slow reader since it stopped, less
  // what reached the reader's receive queue. Its own count may differ by a
  // frame either way (one in flight at the stop, one not yet handled), so the
  // clock starts once the estimate is within one largest frame of the cap:
  // early, which makes drop_after_cap an upper bound.
  const std::size_t queued = unread(slow_);
  const std::size_t arrived = queued - std::min(queued, unread_at_stop_);
  if (offered_ + max_relay_bytes() > arrived + o_.max_outbound) {
    cap_at_ = now;
    event("slow_cap", now);
  }
}

void Soak::chat_until(Nanos end) {
  using Due = std::pair<Nanos, std::size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
  const Nanos period = std::max<Nanos>(seconds(1.0 / o_.rate), 1);
  std::uniform_int_distribution<Nanos> phase(0, period - 1);
  for (std::size_t i = 0; i < n_; ++i) due.emplace(start_ + phase(random_), i);
  const Nanos warm_at = start_ + seconds(o_.warmup_s);
  bool warm = false;
  for (Nanos now = now_ns(); now < end; now = now_ns()) {
    if (!warm && now >= warm_at) {
      warm = true;
      event("warm", now);
    }
    // A fixed schedule per client: R chats a second, however late the loop runs.
    while (due.top().first <= now) {
      const Due next = due.top();
      due.pop();
      send_chat(next.second);
      due.emplace(next.first + period, next.second);
    }
    check_slow(now);
    const Nanos wait = std::min(due.top().first, end) - now_ns();
    pump(wait <= 0 ? 0 : static_cast<int>(std::min<Nanos>((wait + 999'999) / 1'000'000, 5)));
  }
}

bool Soak::drain(Nanos deadline) {
  // A closed client will never get the rest: no use waiting for it.
  while (delivered_ < expected_ && closed_ == 0 && now_ns() < deadline) {
    check_slow(now_ns());
    pump(5);
  }
  return delivered_ >= expected_;
}

bool Soak::sync_all(Nanos deadline) {
  chatlab::Message sync;
  sync.type = "sync";
  sync.id = "end";
  const std::string frame = chatlab::encode(sync);
  for (std::size_t i = 0; i < n_; ++i) {
    if (!peers_[i].open) continue;
    peers_[i].out += frame;
    write_out(i);
  }
  const auto all_synced = [&] {
    return std::all_of(peers_.begin(), peers_.begin() + static_cast<std::ptrdiff_t>(n_),
                       [](const Peer& p) { return p.synced || !p.open; });
  };
  while (!all_synced() && now_ns() < deadline) pump(5);
  // A dropped slow reader reads on to its end of file.
  const bool slow_reads = slow_ != SIZE_MAX && stop_at_ >= 0 && drop_at_ >= 0;
  while (slow_reads && peers_[slow_].open && now_ns() < deadline) pump(5);
  return all_synced();
}

std::string Soak::slow_json() const {
  const auto at = [&](Nanos t) {
    return t < 0 ? std::string("null") : std::to_string(since_start(t));
  };
  const auto between = [](Nanos a, Nanos b) {
    return a < 0 || b < 0 ? std::string("null") : std::to_string(static_cast<double>(b - a) / 1e9);
  };
  const std::size_t arrived = unread_at_drop_ - std::min(unread_at_drop_, unread_at_stop_);
  return Json()
      .count("cap_bytes", o_.max_outbound)
      .field("stop_s", at(stop_at_))
      .field("cap_s", at(cap_at_))
      .field("drop_s", at(drop_at_))
      .field("eof_s", at(eof_at_))
      .field("fill_s", between(stop_at_, cap_at_))
      .field("drop_after_cap_s", between(cap_at_, drop_at_))
      .field("drop_after_stop_s", between(stop_at_, drop_at_))
      .count("relayed_bytes", drop_at_ >= 0 ? offered_at_drop_ : offered_)
      .count("reader_queue_bytes", arrived)
      .count("chats", slow_chats_)
      .count("out_of_order", slow_out_of_order_)
      .field("error", '"' + slow_error_ + '"')
      .str();
}

bool Soak::report(bool drained, double drain_s, bool synced) const {
  std::uint64_t lost = 0, extra = 0, sent = 0;
  for (std::size_t i = 0; i < n_; ++i) {
    sent += sent_[i];
    for (std::size_t j = 0; j < n_; ++j) {
      const std::uint64_t got = got_[j * n_ + i];
      if (i == j) continue;
      lost += got < sent_[i] ? sent_[i] - got : 0;
      extra += got > sent_[i] ? got - sent_[i] : 0;
    }
  }
  const bool slow_ok =
      slow_ == SIZE_MAX || (stop_at_ >= 0 && drop_at_ >= 0 && slow_out_of_order_ == 0);
  const bool ok = lost == 0 && extra == 0 && out_of_order_ == 0 && misattributed_ == 0 &&
                  unexpected_ == 0 && closed_ == 0 && drained && synced && slow_ok;
  Json latency;
  for (int w = 0; w < windows; ++w) latency.field(window_names[w], latency_[w].json());
  latency.field("steady", steady_.json());
  std::string by_second = "[";
  for (const Latency& second : by_second_) {
    char figure[32];
    std::snprintf(figure, sizeof figure, "%s%.2f", by_second.size() > 1 ? "," : "",
                  second.quantile_ms(0.99));
    by_second += figure;
  }
  const std::string result =
      Json()
          .count("clients", n_)
          .number("rate", o_.rate)
          .number("duration_s", o_.duration_s)
          .count("text_bytes", o_.text_bytes)
          .number("connect_s", connect_s_)
          .count("sent", sent)
          .count("expected", expected_)
          .count("delivered", delivered_)
          .count("lost", lost)
          .count("extra", extra)
          .count("out_of_order", out_of_order_)
          .count("misattributed", misattributed_)
          .count("unexpected", unexpected_)
          .count("closed", closed_)
          .flag("drained", drained)
          .number("drain_s", drain_s)
          .flag("synced", synced)
          .field("latency_ms", latency.str())
          .field("p99_ms_by_second", by_second + "]")
          .field("slow", slow_ == SIZE_MAX ? std::string("null") : slow_json())
          .flag("ok", ok)
          .str();
  std::printf("RESULT %s\n", result.c_str());
  std::fflush(stdout);
  return ok;
}

int Soak::run() {
  connect_all();
  start_ = now_ns();
  event("start", start_);
  chat_until(start_ + seconds(o_.duration_s));
  const Nanos stopped = now_ns();
  event("send_end", stopped);
  // Every chat sent must arrive; then a sync answer on every connection shows
  // that nothing more was on its way.
  const bool drained = drain(stopped + seconds(o_.drain_timeout_s));
  const double drain_s = static_cast<double>(now_ns() - stopped) / 1e9;
  event("drained", now_ns());
  const bool synced = sync_all(now_ns() + seconds(o_.drain_timeout_s));
  const bool ok = report(drained, drain_s, synced);
  if (o_.hold) {
    std::array<char, 256> sink;
    while (::read(STDIN_FILENO, sink.data(), sink.size()) > 0) {
    }
  }
  for (const Peer& p : peers_) ::close(p.fd);
  ::close(epoll_);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const auto status =
          chatlab::bench::parse_or_exit("chatlab-soak", usage, argc, argv, options, read_option)) {
    return *status;
  }
  rlimit files{};  // C clients need C descriptors
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  Soak soak(options);
  return soak.run();
}
