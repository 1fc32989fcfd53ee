// The soak's phases in order: connect everyone, chat on a fixed schedule,
// drain the last chats, sync every connection, report.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <queue>
#include <utility>

#include "bench/connect.hpp"
#include "bench/soak.hpp"
#include "core/codec.hpp"
#include "core/requests.hpp"

namespace chatlab::bench::soak {
namespace {

/// A run that cannot start (the clients cannot all connect): exit status 2.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "chatlab-soak: %s\n", what.c_str());
  std::exit(2);
}

int connect_to(const Options& o) {
  try {
    return connect_tcp(o.server.host, o.server.port);
  } catch (const std::exception& error) {
    fail(error.what());
  }
}

}  // namespace

Soak::Soak(const Options& options)
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
  const std::string frame = chatlab::encode(chatlab::sync_message("end"));
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

void Soak::event(const char* name, Nanos at) {
  std::printf("EVENT %s %.6f\n", name, since_start(at));
  std::fflush(stdout);
}

}  // namespace chatlab::bench::soak
