#include "io/console.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "core/requests.hpp"
#include "io/client.hpp"
#include "io/console_input.hpp"
#include "io/console_render.hpp"
#include "io/socket.hpp"

namespace chatlab::io {
namespace {

constexpr std::chrono::milliseconds connect_timeout{5000};
/// Long enough for a loaded server to work through a pasted file; a server
/// that never answers still ends the client.
constexpr int final_sync_timeout_ms = 5000;
/// Sent at the end of input; the server's answer to it is not printed.
constexpr const char* final_sync_id = "chatlab-client-eof";

/// What the receive thread tells the main thread, through a pipe it polls:
/// the main thread waits on stdin and this pipe at once.
struct Events {
  Fd wake_read;                     ///< polled by the main thread
  Fd wake_write;                    ///< written by the receive thread
  std::atomic<bool> synced{false};  ///< the final sync was answered
  std::atomic<bool> closed{false};  ///< the connection ended
  std::string close_text;           ///< why; written before `closed`

  /// Wakes the main thread. Called at most twice (the sync answered, the
  /// connection closed), so the blocking write never waits for room.
  void notify() const noexcept {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_write.get(), &byte, 1);
  }
};

/// Writes one line and flushes it: a reader at the other end of a pipe sees
/// each frame as it comes, not when a buffer fills.
void print_line(std::FILE* stream, const std::string& text) {
  std::fputs((text + "\n").c_str(), stream);
  std::fflush(stream);
}

/// Waits for a wake byte; false on timeout.
bool wait_wake(const Events& events, int timeout_ms) {
  pollfd watched{events.wake_read.get(), POLLIN, 0};
  while (::poll(&watched, 1, timeout_ms) < 0) {
    if (errno != EINTR) return false;
  }
  char drain[64];
  return (watched.revents & POLLIN) != 0 && ::read(events.wake_read.get(), drain, sizeof drain) > 0;
}

/// The callbacks of the receive thread: print, or tell the main thread.
ClientCallbacks console_callbacks(Events& events) {
  ClientCallbacks callbacks;
  callbacks.on_message = [&events](const Message& message) {
    if (message.type == "sync" && message.id == final_sync_id) {
      // Once: a server that repeats the answer must not fill the wake pipe.
      if (!events.synced.exchange(true)) events.notify();
      return;
    }
    print_line(stdout, render_for_console(message));
  };
  callbacks.on_invalid = [](const std::string& text, const ProtocolError& error) {
    print_line(stderr, "chatlab-client: invalid frame from the server (" +
                           std::string(code_name(error.code())) + "): " + text);
  };
  callbacks.on_close = [&events](CloseReason reason, const std::string& detail) {
    events.close_text = describe(reason) + (detail.empty() ? "" : ": " + detail);
    events.closed = true;
    events.notify();
  };
  return callbacks;
}

/// Sends every line; false as soon as one cannot be sent.
bool send_all(Client& client, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    if (!client.send(chat_message(line))) return false;
  }
  return true;
}

/// Reads stdin to its end, sending each line, then syncs. True once the
/// sync is answered; false when the connection ends or stdin cannot be polled.
bool send_input_then_sync(Client& client, Events& events) {
  ConsoleInput input;
  char buffer[4096];
  for (;;) {
    pollfd watched[2] = {{STDIN_FILENO, POLLIN, 0}, {events.wake_read.get(), POLLIN, 0}};
    if (::poll(watched, 2, -1) < 0 && errno != EINTR) return false;
    if (events.closed) return false;
    if ((watched[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got > 0) {
      if (!send_all(client, input.feed({buffer, static_cast<std::size_t>(got)}))) return false;
      continue;
    }
    break;  // the end of stdin, or an error reading it: the same for a person
  }
  if (const std::optional<std::string> rest = input.finish()) {
    if (!client.send(chat_message(*rest))) return false;
  }
  // A sync barrier, so every line sent has been handled and everything it
  // produced printed before we leave.
  client.send(sync_message(final_sync_id));
  while (!events.synced && !events.closed && wait_wake(events, final_sync_timeout_ms)) {
  }
  return events.synced;
}

}  // namespace

int run_console(const std::string& host, std::uint16_t port) {
  Events events;  // before the client: its receive thread uses events until joined
  int wake[2] = {-1, -1};
  if (::pipe(wake) != 0) {
    std::perror("chatlab-client: pipe");
    return 1;
  }
  events.wake_read.reset(wake[0]);
  events.wake_write.reset(wake[1]);
  Client client(console_callbacks(events));
  try {
    client.connect(host, port, connect_timeout);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "chatlab-client: cannot connect to %s port %u: %s\n", host.c_str(),
                 static_cast<unsigned>(port), error.what());
    return 1;
  }
  const bool synced = send_input_then_sync(client, events);
  client.disconnect();
  if (synced) return 0;
  const std::string why = events.closed ? events.close_text : "the server did not answer";
  std::fprintf(stderr, "chatlab-client: %s\n", why.c_str());
  return 1;
}

}  // namespace chatlab::io
