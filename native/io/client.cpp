#include "io/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/codec.hpp"
#include "core/framer.hpp"
#include "io/socket.hpp"

namespace chatlab::io {
namespace {

constexpr std::size_t read_chunk_bytes = 64 * 1024;

[[noreturn]] void throw_errno(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

/// A non-blocking connect, bounded by `timeout`; throws what connect(2) reports.
void connect_within(int fd, const Address& address, std::chrono::milliseconds timeout) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0) {
    return;
  }
  // After EINTR the connect goes on in the background, like EINPROGRESS.
  if (errno != EINPROGRESS && errno != EINTR) throw_errno(errno, "connect");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    const auto wait_ms = static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
    pollfd watched{fd, POLLOUT, 0};
    const int ready = ::poll(&watched, 1, wait_ms);
    if (ready > 0) break;
    if (ready == 0) throw_errno(ETIMEDOUT, "connect");
    if (errno != EINTR) throw_errno(errno, "poll");
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) throw_errno(errno, "connect");
  if (error != 0) throw_errno(error, "connect");
}

void make_blocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) throw_errno(errno, "fcntl");
}

}  // namespace

const char* describe(CloseReason reason) noexcept {
  switch (reason) {
    case CloseReason::disconnected: return "disconnected";
    case CloseReason::server_closed: return "closed by the server";
    case CloseReason::failed: return "connection failed";
    case CloseReason::frame_too_large: return "the server sent a frame over the limit";
  }
  return "closed";
}

struct Client::Shared {
  Shared(ClientCallbacks given, std::size_t max_frame_bytes)
      : callbacks(std::move(given)), frames(max_frame_bytes) {}

  /// Runs one callback; an exception it lets out is dropped, not propagated,
  /// since nothing above the receive thread could catch it.
  template <typename Call>
  void guarded(Call&& call) noexcept {
    try {
      call();
    } catch (...) {  // NOLINT(bugprone-empty-catch): dropping it is the rule above
    }
  }

  /// Marks the end and wakes the receive thread (recv returns 0) and any
  /// blocked writer (EPIPE). The descriptor stays valid: it closes with Shared.
  void stop() noexcept {
    closing = true;
    if (const int descriptor = fd.load(); descriptor >= 0) ::shutdown(descriptor, SHUT_RDWR);
  }

  /// Hands every complete line of `data` on; false once the limit is passed.
  bool deliver(std::string_view data) {
    for (std::string& line : frames.feed(data)) {
      if (closing) return true;  // disconnect() means no callback but on_close
      Message message;
      try {
        message = decode(line);
      } catch (const ProtocolError& error) {
        if (callbacks.on_invalid) guarded([&] { callbacks.on_invalid(line, error); });
        continue;
      }
      if (callbacks.on_message) guarded([&] { callbacks.on_message(std::move(message)); });
    }
    return !frames.overflowed();
  }

  /// The receive thread's body: read until the end, then report it once.
  void receive() noexcept {
    CloseReason reason = CloseReason::disconnected;
    std::string detail;
    try {
      std::vector<char> buffer(read_chunk_bytes);
      while (!closing) {
        std::size_t got = 0;
        const IoStatus status = receive_some(socket.get(), buffer.data(), buffer.size(), got);
        if (status == IoStatus::eof) {
          reason = CloseReason::server_closed;
          break;
        }
        if (status != IoStatus::ok) {  // a blocking socket never says "blocked"
          reason = CloseReason::failed;
          detail = std::generic_category().message(errno);
          break;
        }
        if (!deliver(std::string_view(buffer.data(), got))) {
          reason = CloseReason::frame_too_large;
          break;
        }
      }
    } catch (const std::exception& error) {  // bad_alloc, say: end the connection, not the process
      reason = CloseReason::failed;
      detail = error.what();
    }
    // Our own shutdown reads as EOF or an error; it was a disconnect.
    if (closing) {
      reason = CloseReason::disconnected;
      detail.clear();
    }
    open = false;
    ::shutdown(socket.get(), SHUT_RDWR);  // the server sees us go; writers fail at once
    if (callbacks.on_close) guarded([&] { callbacks.on_close(reason, detail); });
    receiver = std::thread::id();  // a later thread with a recycled id is not us
  }

  const ClientCallbacks callbacks;          ///< fixed at construction
  FrameBuffer frames;                       ///< reassembly; the receive thread's alone
  Fd socket;                                ///< set before the thread starts, closed with Shared
  std::atomic<int> fd{-1};                  ///< socket's descriptor, once connected
  std::atomic<bool> open{false};            ///< connected and not ended
  std::atomic<bool> closing{false};         ///< disconnect() was called
  std::atomic<std::thread::id> receiver{};  ///< the receive thread while it runs
  std::mutex send_mutex;                    ///< one writer at a time: frames never interleave
  std::mutex start_mutex;                   ///< with `started`: the handle is complete
  std::condition_variable start_signal;     ///< tells the new thread it may read
  bool started = false;                     ///< the handle stored the thread (start_mutex)
};

Client::Client(ClientCallbacks callbacks, std::size_t max_frame_bytes)
    : shared_(std::make_shared<Shared>(std::move(callbacks), max_frame_bytes)) {}

Client::~Client() {
  shared_->stop();
  if (on_receive_thread()) {
    // A callback dropped the last owner. The thread holds its own share of
    // the state and returns as soon as that callback does.
    if (thread_.joinable()) thread_.detach();
    return;
  }
  if (thread_.joinable()) thread_.join();
}

void Client::connect(const std::string& host, std::uint16_t port,
                     std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(lifecycle_);
  Shared& shared = *shared_;
  if (shared.socket || shared.closing) throw std::logic_error("a Client connects once");
  const std::optional<Address> address = parse_address(host, port);
  if (!address) throw std::invalid_argument("not an IP address: '" + host + "'");
  Fd socket = open_stream_socket(address->storage.ss_family);
  connect_within(socket.get(), *address, timeout);
  // Blocking from here on: the receive thread sleeps in recv, a writer in
  // send, and shutdown() wakes both.
  make_blocking(socket.get());
  set_no_delay(socket.get());
  shared.socket = std::move(socket);
  shared.fd = shared.socket.get();
  shared.open = true;
  // The thread owns a share of the state, so a callback may drop this
  // handle. It waits until thread_ is stored: a callback that destroys the
  // handle (and so detaches thread_) must not race with that store.
  thread_ = std::thread([state = shared_] {
    state->receiver = std::this_thread::get_id();
    {
      std::unique_lock<std::mutex> start(state->start_mutex);
      state->start_signal.wait(start, [&state] { return state->started; });
    }
    state->receive();
  });
  std::lock_guard<std::mutex> start(shared.start_mutex);
  shared.started = true;
  shared.start_signal.notify_one();
}

bool Client::send(const Message& message) {
  const std::string frame = encode(message);
  Shared& shared = *shared_;
  std::lock_guard<std::mutex> lock(shared.send_mutex);
  if (!shared.open || shared.closing) return false;
  for (std::size_t offset = 0; offset < frame.size();) {
    std::size_t sent = 0;
    const IoStatus status =
        send_some(shared.fd.load(), frame.data() + offset, frame.size() - offset, sent);
    if (status != IoStatus::ok) return false;  // reset, or shut down by disconnect()
    offset += sent;
  }
  return true;
}

void Client::disconnect() {
  shared_->stop();
  // The receive thread cannot join itself; it exits once its callback returns.
  if (on_receive_thread()) return;
  std::lock_guard<std::mutex> lock(lifecycle_);
  if (thread_.joinable()) thread_.join();
}

bool Client::connected() const noexcept { return shared_->open && !shared_->closing; }

bool Client::on_receive_thread() const noexcept {
  return shared_->receiver.load() == std::this_thread::get_id();
}

std::string Client::local_endpoint() const {
  const int descriptor = shared_->fd.load();
  return descriptor < 0 ? std::string() : io::local_endpoint(descriptor);
}

}  // namespace chatlab::io
