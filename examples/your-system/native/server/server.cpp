// Theory of operation: one thread, one level-triggered epoll set. A readable
// socket is read once per wakeup (so one busy client cannot starve the rest)
// and its bytes go to the Engine; the effects it returns are encoded into
// the outboxes of their sessions and sent at once, with EPOLLOUT watched only
// while an outbox holds bytes the kernel refused. A connection the Engine
// closes is flushed, half-closed and drained until the peer's EOF: closing a
// socket with unread input would send a reset, which can destroy the error
// line still in flight.
#include "server/server.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/codec.hpp"

namespace kv::server {
namespace {

/// The epoll keys that are not sessions (sessions count from 1).
constexpr std::uint64_t listener_key = 0;
constexpr std::uint64_t signal_key = ~std::uint64_t{0};
/// One read per wakeup, this large: many lines per call, bounded per client.
constexpr std::size_t read_size = 65536;
/// What a closing connection may still send before it is cut without waiting for EOF.
constexpr std::size_t max_discarded_bytes = 1 << 20;
/// Accepts per wakeup: new connections must not starve the established ones.
constexpr int accepts_per_wakeup = 64;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void add(int epoll_fd, int fd, std::uint64_t key, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) fail("epoll_ctl(ADD)");
}

}  // namespace

Server::Server(int listen_fd, const Limits& limits, std::size_t max_outbound_bytes)
    : listen_fd_(listen_fd), max_outbound_bytes_(max_outbound_bytes), engine_(limits) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) fail("epoll_create1");
  sigset_t stops;
  sigemptyset(&stops);
  sigaddset(&stops, SIGTERM);
  sigaddset(&stops, SIGINT);
  signal_fd_ = signalfd(-1, &stops, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) fail("signalfd");
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  add(epoll_fd_, listen_fd_, listener_key, EPOLLIN);
  add(epoll_fd_, signal_fd_, signal_key, EPOLLIN);
}

Server::~Server() {
  for (auto& [session, connection] : connections_) close(connection.fd);
  for (int fd : {spare_fd_, signal_fd_, epoll_fd_, listen_fd_}) {
    if (fd >= 0) close(fd);
  }
}

int Server::run() {
  std::array<epoll_event, 64> events{};
  for (;;) {
    const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail("epoll_wait");
    for (int i = 0; i < ready; ++i) {
      const std::uint64_t key = events[static_cast<std::size_t>(i)].data.u64;
      const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
      if (key == signal_key) {
        signalfd_siginfo info{};
        if (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          return static_cast<int>(info.ssi_signo);
        }
        continue;
      }
      if (key == listener_key) {
        accept_all();
        continue;
      }
      // An earlier event of this batch may have dropped the session.
      if (connections_.count(key) == 0) continue;
      if ((what & EPOLLOUT) != 0) flush(key);
      if (connections_.count(key) != 0 && (what & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        on_readable(key);
      }
    }
  }
}

void Server::accept_all() {
  for (int i = 0; i < accepts_per_wakeup; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
      // Out of descriptors, the pending connection would wake us forever:
      // free the spare, take the connection and close it at once.
      close(spare_fd_);
      const int refused = accept(listen_fd_, nullptr, nullptr);
      if (refused >= 0) close(refused);
      spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
      return;
    }
    if (fd < 0) return;  // EAGAIN, or an aborted connection: nothing to do
    const Session session = next_session_++;
    Connection connection;
    connection.fd = fd;
    connection.interest = EPOLLIN;
    connections_.emplace(session, std::move(connection));
    add(epoll_fd_, fd, session, EPOLLIN);
    deliver(engine_.open(session));
  }
}

void Server::on_readable(Session session) {
  Connection& connection = connections_.at(session);
  std::array<char, read_size> buffer{};
  const ssize_t got = recv(connection.fd, buffer.data(), buffer.size(), 0);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (got < 0 || (got == 0 && connection.pending() == 0)) {  // a reset, or nothing due
    drop(session);
    return;
  }
  if (got == 0) {  // a half-close: the answers to what came before are still due
    connection.peer_done = true;
    connection.closing = true;
    engine_.close(session);
    update_interest(session, connection);
    return;
  }
  const auto size = static_cast<std::size_t>(got);
  if (connection.closing) {
    connection.discarded += size;
    if (connection.discarded > max_discarded_bytes) drop(session);
    return;
  }
  deliver(engine_.feed(session, std::string_view(buffer.data(), size)));
}

void Server::deliver(const std::vector<Outgoing>& effects) {
  std::vector<Session> touched;
  for (const Outgoing& effect : effects) {
    const auto found = connections_.find(effect.session);
    if (found == connections_.end() || found->second.closing) continue;
    found->second.outbox += encode(effect.reply);
    found->second.closing = effect.close;
    touched.push_back(effect.session);
    // A burst is no proof of a slow reader: only what the kernel refuses counts.
    if (found->second.pending() > max_outbound_bytes_) flush(effect.session);
    const auto still = connections_.find(effect.session);
    if (still != connections_.end() && !still->second.closing &&
        still->second.pending() > max_outbound_bytes_) {
      refuse_slow(effect.session, still->second);
    }
  }
  for (Session session : touched) {
    if (connections_.count(session) != 0) flush(session);
  }
}

void Server::refuse_slow(Session session, Connection& connection) {
  // What it has not taken is lost anyway: keep only the line in flight (cut
  // short, it would swallow the refusal) and the refusal.
  std::size_t keep = connection.sent;
  if (keep > 0 && connection.outbox[keep - 1] != '\n')
    keep = connection.outbox.find('\n', keep) + 1;
  connection.outbox.resize(keep);
  for (const Outgoing& refusal :
       engine_.refuse(session, ErrorCode::slow_consumer,
                      "this connection left more than " + std::to_string(max_outbound_bytes_) +
                          " bytes unread")) {
    connection.outbox += encode(refusal.reply);
  }
  connection.closing = true;
}

void Server::flush(Session session) {
  Connection& connection = connections_.at(session);
  while (connection.pending() > 0) {
    const ssize_t sent = send(connection.fd, connection.outbox.data() + connection.sent,
                              connection.pending(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (sent < 0) {  // the peer is gone
      drop(session);
      return;
    }
    connection.sent += static_cast<std::size_t>(sent);
  }
  if (connection.pending() == 0) {
    connection.outbox.clear();
    connection.sent = 0;
  }
  if (connection.closing && connection.pending() == 0 && connection.peer_done) {
    drop(session);
    return;
  }
  update_interest(session, connection);
  if (connection.closing && connection.pending() == 0 && !connection.half_closed) {
    shutdown(connection.fd, SHUT_WR);  // the peer reads the last line, then EOF
    connection.half_closed = true;
  }
}

void Server::drop(Session session) {
  const auto found = connections_.find(session);
  if (found == connections_.end()) return;
  close(found->second.fd);  // also leaves the epoll set
  connections_.erase(found);
  engine_.close(session);
}

void Server::update_interest(Session session, Connection& connection) {
  const unsigned wanted =
      (connection.peer_done ? 0U : EPOLLIN) | (connection.pending() > 0 ? EPOLLOUT : 0U);
  if (connection.interest == wanted) return;
  epoll_event event{};
  event.events = wanted;
  event.data.u64 = session;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event) < 0) fail("epoll_ctl(MOD)");
  connection.interest = wanted;
}

}  // namespace kv::server
