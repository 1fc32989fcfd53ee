// Theory of operation: the socket, the callbacks and the flags live in a
// State that the receive thread co-owns, so that a callback may disconnect,
// or even destroy, its Client: the thread then finishes the callback, sees
// `stopping`, calls on_closed and drops its share, which closes the socket.
// disconnect() wakes a blocked recv() with shutdown(), never close(): the fd
// stays valid until nobody can use it.
#include "client/client.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "core/codec.hpp"
#include "core/error.hpp"
#include "core/line_buffer.hpp"

namespace kv::client {
namespace {

/// The longest line accepted from the server: a reply is at most a key and
/// a value, escaped, and a server that sends more is broken.
constexpr std::size_t max_reply_bytes = 1 << 20;

/// Bounds connect() by `timeout` (Linux honours SO_SNDTIMEO there), then lifts the
/// bound again so that send() blocks as documented.
void set_send_timeout(int fd, std::chrono::milliseconds timeout) {
  const auto whole = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(whole.count());
  limit.tv_usec = static_cast<suseconds_t>((timeout - whole).count() * 1000);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

int connected_socket(const std::string& host, std::uint16_t port,
                     std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (status != 0) throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(status));
  std::string why = "no address";
  int fd = -1;
  for (addrinfo* each = found; each != nullptr && fd < 0; each = each->ai_next) {
    fd = socket(each->ai_family, each->ai_socktype | SOCK_CLOEXEC, each->ai_protocol);
    if (fd < 0) continue;
    set_send_timeout(fd, timeout);
    if (::connect(fd, each->ai_addr, each->ai_addrlen) < 0) {
      why = errno == EINPROGRESS ? "timed out" : std::strerror(errno);
      close(fd);
      fd = -1;
    } else {
      set_send_timeout(fd, std::chrono::milliseconds(0));
    }
  }
  freeaddrinfo(found);
  if (fd < 0)
    throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " + why);
  return fd;
}

}  // namespace

struct Client::State {
  explicit State(Callbacks given) : callbacks(std::move(given)) {}
  ~State() {
    if (fd >= 0) close(fd);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  void receive();
  std::string dispatch(std::string_view data, LineBuffer& lines);

  Callbacks callbacks;                ///< the user's; touched by the receive thread only
  int fd = -1;                        ///< the socket, closed with the last owner
  std::mutex send_mutex;              ///< one request line at a time
  std::atomic<bool> stopping{false};  ///< disconnect() was called
  std::atomic<bool> up{false};        ///< connected and not yet closed
};

void Client::State::receive() {
  LineBuffer lines(max_reply_bytes);
  std::string reason;
  char buffer[65536];
  while (reason.empty()) {
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (stopping) {
      reason = "disconnected";
    } else if (got == 0) {
      reason = "the server closed the connection";
    } else if (got < 0) {
      reason = std::string("the connection failed: ") + std::strerror(errno);
    } else {
      reason = dispatch(std::string_view(buffer, static_cast<std::size_t>(got)), lines);
    }
  }
  up = false;
  shutdown(fd, SHUT_RDWR);
  if (callbacks.on_closed) callbacks.on_closed(reason);
  callbacks = Callbacks{};  // no reference the user's callbacks hold outlives the connection
}

std::string Client::State::dispatch(std::string_view data, LineBuffer& lines) {
  for (const std::string& line : lines.feed(data)) {
    if (stopping) return "disconnected";
    Reply reply;
    try {
      reply = decode_reply(line);
    } catch (const ProtocolError& error) {
      return std::string("the server sent a line that is no reply: ") + error.what();
    }
    if (reply.kind == ReplyKind::changed) {
      if (callbacks.on_changed) callbacks.on_changed(reply.key, reply.value);
    } else if (callbacks.on_reply) {
      callbacks.on_reply(reply);
    }
  }
  if (lines.overflowed()) return "the server sent a line longer than 1 MiB";
  return {};
}

Client::Client(Callbacks callbacks) : state_(std::make_shared<State>(std::move(callbacks))) {}

Client::~Client() {
  disconnect();
  if (!receiver_.joinable()) return;
  if (receiver_.get_id() == std::this_thread::get_id()) {
    receiver_.detach();  // destroyed by its own callback: the thread holds the state
  } else {
    receiver_.join();
  }
}

void Client::connect(const std::string& host, std::uint16_t port,
                     std::chrono::milliseconds timeout) {
  if (state_->fd >= 0) throw std::runtime_error("this client has connected already");
  state_->fd = connected_socket(host, port, timeout);
  state_->up = true;
  receiver_ = std::thread([state = state_] { state->receive(); });
}

void Client::send(const Request& request) {
  if (!state_->up) throw std::runtime_error("not connected");
  const std::string line = encode(request);
  const std::lock_guard<std::mutex> lock(state_->send_mutex);
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t done = ::send(state_->fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(done);
  }
}

void Client::disconnect() {
  if (state_->fd < 0 || state_->stopping.exchange(true)) return;
  shutdown(state_->fd, SHUT_RDWR);  // wakes the receive thread; the fd stays open
  if (receiver_.joinable() && receiver_.get_id() != std::this_thread::get_id()) receiver_.join();
}

bool Client::connected() const { return state_->up; }

}  // namespace kv::client
