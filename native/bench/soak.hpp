#pragma once
/// chatlab-soak: many clients chat at a bounded rate against a running
/// chatlab-server, and every delivery is checked.
///
/// C clients connect one at a time (each waits for its welcome), until every
/// roster lists them all. Then each sends one chat every 1/R s, at a random
/// phase, for D s: a text of random length and content that starts
/// "<sender> <seq> <send time, ns> ". Every receiver checks that each other
/// client's chats arrive exactly once and in order, that "from" is the
/// sender's name, and how long each took (steady_clock, one process). With
/// --slow-at S one more member, which sends nothing, stops reading S s into
/// the run: the server must drop it (slow_consumer) while the others carry on.
/// When the senders stop, the run waits until every chat has arrived, then for
/// the answer to one sync per connection: nothing more was on its way.
///
/// One thread, epoll; the core reassembles frames and encodes them, and a
/// received frame is read by its canonical layout, not decoded.
///
/// stdout: "EVENT <name> <seconds since the first chat>" lines as the run goes,
/// then one "RESULT {json}" line. Exit status 0 when nothing was lost,
/// duplicated, reordered or misattributed, no chatting client was refused or
/// closed, and the slow reader (if any) was dropped; 1 otherwise; 2 on bad
/// arguments or when the clients cannot all connect.

#include <sys/epoll.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/latency.hpp"
#include "bench/options.hpp"
#include "core/framer.hpp"

namespace chatlab::bench::soak {

/// What chatlab-soak takes on its command line.
struct Options {
  Endpoint server;                     ///< where chatlab-server listens; required
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

/// The latency windows, by when a chat was sent.
enum Window { warmup, baseline, lag, after, windows };

/// The one clock of the run: a chat carries its send time to its receivers.
inline Nanos now_ns() {
  const auto since = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(since).count();
}

inline Nanos seconds(double s) { return static_cast<Nanos>(s * 1e9); }

/// One run, from the first connection to the RESULT line.
class Soak {
 public:
  /// Connects nothing yet: run() does.
  explicit Soak(const Options& options);

  /// Connects, chats, drains, syncs and prints RESULT; the exit status, 0 or 1.
  int run();

 private:
  // The phases of a run (soak_run.cpp).
  /// Connects every peer, one at a time, and waits until every roster lists them all.
  void connect_all();
  /// Sends each client's chats on its schedule until `end`.
  void chat_until(Nanos end);
  /// Waits for every chat sent; whether all came by `deadline`.
  bool drain(Nanos deadline);
  /// Sends one sync per chatting client; whether every answer came by `deadline`.
  bool sync_all(Nanos deadline);
  /// Prints one EVENT line, so a watcher can line the run up with the server.
  void event(const char* name, Nanos at);

  // Bytes in and out (soak_traffic.cpp).
  /// Waits up to `timeout_ms` for the sockets, then serves every ready one.
  void pump(int timeout_ms);
  /// Reads what peer j's socket holds and takes each whole frame.
  void read_peer(std::size_t j);
  /// Queues client i's next chat and writes what the socket takes.
  void send_chat(std::size_t i);
  /// Writes what the socket takes of peer i's queue; EPOLLOUT only while some is left.
  void write_out(std::size_t i);
  /// Sets the events epoll reports for peer j.
  void watch(std::size_t j, std::uint32_t events, int op = EPOLL_CTL_MOD);
  /// Client i's next text: its index, seq and send time `at`, then random bytes.
  std::string random_text(std::size_t i, Nanos at);
  /// Bytes in peer j's receive queue, not yet read.
  std::size_t unread(std::size_t j) const;

  // What arrives (soak_check.cpp).
  /// Takes one frame that peer j received at `now`.
  void take_line(std::size_t j, std::string_view line, Nanos now);
  /// Checks one chat peer j received at `now` and times it.
  void take_chat(std::size_t j, std::string_view line, Nanos now);

  // The slow reader (soak_slow.cpp).
  /// Stops the slow reader at --slow-at, then notes when its backlog nears the cap.
  void check_slow(Nanos now);
  /// The chatting clients saw the slow reader leave: the server dropped it.
  void slow_left(Nanos now);

  // The RESULT line (soak_result.cpp).
  /// The "slow" object: when the slow reader stopped, filled up and was dropped.
  std::string slow_json() const;
  /// Prints RESULT; whether the run passed.
  bool report(bool drained, double drain_s, bool synced) const;

  /// Whether peer j chats: the slow reader does not.
  bool healthy(std::size_t j) const { return j < n_; }
  /// The longest chat frame the server relays: every text byte escaped, a long name.
  std::size_t max_relay_bytes() const { return 2 * o_.text_bytes + 64; }
  /// Seconds from the first chat to `at`.
  double since_start(Nanos at) const { return static_cast<double>(at - start_) / 1e9; }

  Options o_;                        ///< as given
  std::size_t n_;                    ///< chatting clients: peers 0 .. n-1
  std::size_t slow_;                 ///< the slow reader's index (n), or SIZE_MAX without one
  std::vector<Peer> peers_;          ///< the chatting clients, then the slow reader
  std::vector<std::uint32_t> next_;  ///< [receiver * n + sender]: the next seq expected
  std::vector<std::uint32_t> got_;   ///< [receiver * n + sender]: chats received
  std::vector<std::uint64_t> sent_;  ///< chats each client sent
  Latency latency_[windows];         ///< healthy deliveries by window
  Latency steady_;                   ///< healthy deliveries after the warm-up
  std::vector<Latency> by_second_;   ///< healthy deliveries by the second they were sent in
  std::mt19937_64 random_;           ///< texts and phases, from --seed
  int epoll_;                        ///< every open peer's socket
  std::vector<char> buffer_;         ///< one read buffer for every peer
  Nanos start_ = 0;                  ///< when the chats began
  double connect_s_ = 0;             ///< how long connect_all() took
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

}  // namespace chatlab::bench::soak
