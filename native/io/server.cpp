#include "io/server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "io/process.hpp"

namespace chatlab::io {
namespace {

// Poller keys of the fds that are not connections; sessions count up from 1.
constexpr std::uint64_t listener_key = ~std::uint64_t{0};
constexpr std::uint64_t signals_key = listener_key - 1;
constexpr std::uint64_t stdin_key = listener_key - 2;

/// Connections accepted per wakeup, so a connect storm cannot starve traffic.
constexpr int accepts_per_wakeup = 64;
/// How long the listener rests when even the spare fd cannot make room.
constexpr auto accept_pause = std::chrono::milliseconds(100);
constexpr std::size_t input_buffer_bytes = 64 * 1024;

/// Queued output written mid-batch; well under the limit, so batching alone never passes it.
std::size_t eager_write_bytes(std::size_t max_outbound_bytes) {
  return std::max<std::size_t>(std::min<std::size_t>(max_outbound_bytes / 4, 64 * 1024), 1);
}

Fd open_spare() noexcept { return Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

Address listen_address(const ServerOptions& options) {
  const auto address = parse_address(options.host, options.port);
  if (!address) throw std::invalid_argument("--host must be an IP address: " + options.host);
  return *address;
}

}  // namespace

Server::Server(const ServerOptions& options, Fd listener)
    : options_(options),
      room_(options.max_clients),
      signals_(stop_signals()),
      listener_(listener ? std::move(listener) : listen_on(listen_address(options))),
      spare_(open_spare()),
      endpoint_(local_endpoint(listener_.get())),
      input_(input_buffer_bytes) {
  ignore_sigpipe();
  poller_.add(signals_.get(), interest_read, signals_key);
  poller_.add(listener_.get(), interest_read, listener_key);
  if (options_.exit_on_stdin_eof) {
    if (!stop_with_parent()) stopping_ = true;
    watch_stdin();
  }
}

int Server::run() {
  while (!stopping_) {
    const int ready = wait_for_events();
    for (int i = 0; i < ready && !stopping_; ++i) dispatch(poller_.event(i));
    flush_scheduled();
    expire_deadlines();
  }
  connections_.clear();  // closing every socket is all a stop owes the clients
  return 0;
}

int Server::wait_for_events() {
  // A burst (a join in a full room sends everyone a long roster) grows every
  // outbox. Freeing them as they empty would cost steady fan-out dearly, so
  // they are kept while work keeps coming and released, with the allocator's
  // free pages, the moment the loop would otherwise sleep.
  if (heap_dirty_) {
    const int ready = poller_.wait(0);
    if (ready != 0) return ready;
    for (auto& entry : connections_) entry.second->release_idle_outbox();
    return_free_memory();
    heap_dirty_ = false;
  }
  return poller_.wait(next_timeout_ms());
}

void Server::dispatch(const ReadyEvent& event) {
  const std::uint64_t key = event.key;
  if (key == listener_key) return accept_clients();
  if (key == signals_key) return on_signal();
  if (key == stdin_key) return on_stdin();
  Connection* connection = find(key);
  if (connection == nullptr) return;  // closed earlier in this batch
  try {
    on_client(*connection, event);
  } catch (const std::exception& error) {
    // Nothing one client sends may take the others down with it.
    std::fprintf(stderr, "chatlab-server: dropping session %llu: %s\n",
                 static_cast<unsigned long long>(key), error.what());
    drop(key);
  }
}

void Server::accept_clients() {
  for (int i = 0; i < accepts_per_wakeup; ++i) {
    Fd socket = accept_client(listener_.get());
    if (socket) {
      admit(std::move(socket));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE) {
      shed_client();
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      std::fprintf(stderr, "chatlab-server: accept: %s\n", std::strerror(errno));
    }
    return;
  }
}

void Server::shed_client() {
  // Out of fds: accept and close at once with the spare fd, so the client
  // learns now and the level-triggered listener does not spin.
  spare_.reset();
  Fd doomed = accept_client(listener_.get());
  const bool shed = static_cast<bool>(doomed);
  doomed.reset();
  spare_ = open_spare();
  if (shed) return;
  std::fprintf(stderr, "chatlab-server: out of file descriptors; pausing accept\n");
  poller_.remove(listener_.get());
  accept_paused_ = true;
  accept_resume_ = Clock::now() + accept_pause;
}

void Server::admit(Fd socket) {
  set_no_delay(socket.get());
  const SessionId session = next_session_++;
  auto connection = std::make_unique<Connection>(
      std::move(socket), session, options_.max_frame_bytes,
      eager_write_bytes(options_.max_outbound_bytes), options_.max_outbound_bytes);
  if (!poller_.add(connection->fd(), interest_read, session)) {
    std::fprintf(stderr, "chatlab-server: cannot watch a client: %s\n", std::strerror(errno));
    return;
  }
  connections_.emplace(session, std::move(connection));
  deliver(room_.join(session));
}

void Server::watch_stdin() {
  // epoll refuses regular files and /dev/null (EPERM) and both pollers a
  // closed stdin (EBADF): each of those is at end of file already. poll(2)
  // takes files and reports them readable, so their read finds the end.
  if (poller_.add(STDIN_FILENO, interest_read, stdin_key)) return;
  if (errno == EPERM || errno == EBADF) {
    stopping_ = true;
    return;
  }
  std::fprintf(stderr, "chatlab-server: cannot watch stdin (%s); --exit-on-stdin-eof ignored\n",
               std::strerror(errno));
}

void Server::on_stdin() {
  // stdin stays blocking (it may be shared with a shell); one read after
  // readiness never blocks.
  char sink[4096];
  const ssize_t n = ::read(STDIN_FILENO, sink, sizeof sink);
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) stopping_ = true;
}

void Server::on_signal() {
  if (take_stop_signal(signals_.get())) stopping_ = true;
}

int Server::next_timeout_ms() const {
  bool any = accept_paused_;
  Clock::time_point nearest = accept_resume_;
  for (SessionId session : closing_) {
    const auto found = connections_.find(session);
    if (found == connections_.end()) continue;
    const Clock::time_point deadline = found->second->deadline();
    if (!any || deadline < nearest) nearest = deadline;
    any = true;
  }
  if (!any) return -1;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(nearest - Clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(wait.count(), 0));
}

void Server::expire_deadlines() {
  const Clock::time_point now = Clock::now();
  if (accept_paused_ && accept_resume_ <= now) {
    accept_paused_ = false;
    poller_.add(listener_.get(), interest_read, listener_key);
  }
  std::vector<SessionId> expired;
  const auto gone = std::remove_if(closing_.begin(), closing_.end(), [&](SessionId session) {
    const auto found = connections_.find(session);
    if (found == connections_.end()) return true;
    if (found->second->deadline() > now) return false;
    expired.push_back(session);
    return true;
  });
  closing_.erase(gone, closing_.end());
  for (SessionId session : expired) {
    // Whoever stopped reading still gets whole frames: the one in flight is finished.
    if (Connection* connection = find(session)) {
      connection->drop_after_inflight_frame();
      connection->stop_waiting();
      connection->flush();
    }
    drop(session);
  }
}

}  // namespace chatlab::io
