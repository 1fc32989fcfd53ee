// chatlab-client: a terminal chat client. Lines from stdin go out as chat
// frames; what the server sends is printed in a human form. The connection,
// the receive thread and the codec are Layer B's and A's; this file parses
// arguments, prints, and waits.

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "apps/command_line.hpp"
#include "core/codec.hpp"
#include "io/client.hpp"
#include "io/socket.hpp"

namespace {

constexpr const char* usage =
    "usage: chatlab-client [--host 127.0.0.1] --port N\n"
    "       chatlab-client HOST:PORT\n"
    "Sends each non-empty line of stdin as a chat line (\"/name bob\" is a command)\n"
    "and prints what the server sends. At the end of stdin it waits until the\n"
    "server has handled every line, then exits 0. Exits 1 if it cannot connect\n"
    "or the server closes the connection first, 2 on bad arguments.\n";

constexpr std::chrono::milliseconds connect_timeout{5000};
constexpr int final_sync_timeout_ms = 5000;
constexpr const char* final_sync_id = "chatlab-client-eof";

using chatlab::apps::UsageError;

struct CommandLine {
  std::string host = "127.0.0.1";     ///< an IP literal or "localhost"
  std::optional<std::uint16_t> port;  ///< required
  bool help = false;                  ///< --help: print the usage and exit 0
};

std::uint16_t parse_port(const std::string& text) {
  const auto value = chatlab::apps::parse_number(text, 1, 65535);
  if (!value) throw UsageError("a port is a number from 1 to 65535, not '" + text + "'");
  return static_cast<std::uint16_t>(*value);
}

/// "127.0.0.1:4000" or "[::1]:4000".
void parse_endpoint(const std::string& text, CommandLine& line) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw UsageError("expected HOST:PORT, not '" + text + "'");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  line.host = host;
  line.port = parse_port(text.substr(colon + 1));
}

CommandLine parse(int argc, char** argv) {
  CommandLine line;
  chatlab::apps::Arguments arguments(argc, argv);
  while (arguments.next()) {
    const std::string& name = arguments.name();
    if (name == "--help" || name == "-h") {
      line.help = true;
    } else if (name == "--host") {
      line.host = arguments.value();
    } else if (name == "--port") {
      line.port = parse_port(arguments.value());
    } else if (name.rfind('-', 0) != 0) {
      parse_endpoint(name, line);
    } else {
      throw UsageError("unknown option: " + name);
    }
  }
  if (!line.help && !line.port) throw UsageError("--port is required");
  if (!chatlab::io::parse_address(line.host, 0)) {
    throw UsageError("the host is an IPv4 or IPv6 address, not '" + line.host + "'");
  }
  return line;
}

/// One received frame as a person reads it.
std::string render(const chatlab::Message& m) {
  const auto text = m.text.value_or("");
  if (m.type == "chat") return "<" + m.sender.value_or("?") + "> " + text;
  if (m.type == "notice") return "-- " + m.sender.value_or("server") + ": " + text;
  if (m.type == "join") return "* " + m.user.value_or("?") + " joined";
  if (m.type == "leave") return "* " + m.user.value_or("?") + " left";
  if (m.type == "error") return "! error " + m.code.value_or("?") + ": " + text;
  if (m.type == "roster") {
    std::string names;
    for (const std::string& name : m.users.value_or(std::vector<std::string>{})) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return "* users: " + names;
  }
  std::string frame = chatlab::encode(m);  // a type this client does not know: as it came
  frame.pop_back();
  return frame;
}

/// What the receive thread tells the main thread, through a pipe it polls.
struct Events {
  int wake[2] = {-1, -1};           ///< written by the receive thread
  std::atomic<bool> synced{false};  ///< the final sync was answered
  std::atomic<bool> closed{false};  ///< the connection ended
  std::string close_text;           ///< why; written before `closed`

  void notify() const noexcept {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake[1], &byte, 1);
  }
};

void print_line(std::FILE* stream, const std::string& text) {
  std::fputs((text + "\n").c_str(), stream);
  std::fflush(stream);
}

/// Sends each complete line of `pending`, keeping an unterminated tail.
bool send_lines(chatlab::io::Client& client, std::string& pending, bool flush_tail) {
  std::size_t start = 0;
  for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string text = pending.substr(start, end - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (!text.empty() && !client.send(chatlab::Message{"chat", {}, text, {}, {}, {}, {}})) {
      return false;
    }
  }
  pending.erase(0, start);
  if (flush_tail && !pending.empty()) {
    const bool sent = client.send(chatlab::Message{"chat", {}, pending, {}, {}, {}, {}});
    pending.clear();
    return sent;
  }
  return true;
}

/// Waits for a wake byte; false on timeout.
bool wait_wake(const Events& events, int timeout_ms) {
  pollfd watched{events.wake[0], POLLIN, 0};
  while (::poll(&watched, 1, timeout_ms) < 0) {
    if (errno != EINTR) return false;
  }
  char drain[64];
  return (watched.revents & POLLIN) != 0 && ::read(events.wake[0], drain, sizeof drain) > 0;
}

int run(const CommandLine& line) {
  Events events;
  if (::pipe(events.wake) != 0) {
    std::perror("chatlab-client: pipe");
    return 1;
  }
  chatlab::io::ClientCallbacks callbacks;
  callbacks.on_message = [&events](const chatlab::Message& message) {
    if (message.type == "sync" && message.id == final_sync_id) {
      events.synced = true;
      events.notify();
      return;
    }
    print_line(stdout, render(message));
  };
  callbacks.on_invalid = [](const std::string& text, const chatlab::ProtocolError& error) {
    print_line(stderr, "chatlab-client: invalid frame from the server (" +
                           std::string(chatlab::code_name(error.code())) + "): " + text);
  };
  callbacks.on_close = [&events](chatlab::io::CloseReason reason, const std::string& detail) {
    events.close_text = chatlab::io::describe(reason) + (detail.empty() ? "" : ": " + detail);
    events.closed = true;
    events.notify();
  };
  chatlab::io::Client client(std::move(callbacks));
  try {
    client.connect(line.host, *line.port, connect_timeout);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "chatlab-client: cannot connect to %s port %u: %s\n", line.host.c_str(),
                 static_cast<unsigned>(*line.port), error.what());
    return 1;
  }
  std::string pending;
  char buffer[4096];
  for (;;) {
    pollfd watched[2] = {{STDIN_FILENO, POLLIN, 0}, {events.wake[0], POLLIN, 0}};
    if (::poll(watched, 2, -1) < 0 && errno != EINTR) break;
    if (events.closed) break;
    if ((watched[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    const bool at_end = got <= 0;
    if (!at_end) pending.append(buffer, static_cast<std::size_t>(got));
    if (!send_lines(client, pending, at_end)) break;
    if (!at_end) continue;
    // End of input: a sync barrier, so every line sent has been handled and
    // everything it produced printed before we leave.
    client.send(chatlab::Message{"sync", {}, {}, {}, {}, {}, std::string(final_sync_id)});
    while (!events.synced && !events.closed && wait_wake(events, final_sync_timeout_ms)) {
    }
    if (events.synced) {
      client.disconnect();
      return 0;
    }
    break;
  }
  client.disconnect();
  const std::string why = events.closed ? events.close_text : "the server did not answer";
  std::fprintf(stderr, "chatlab-client: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine line;
  const auto parsed = [&] {
    line = parse(argc, argv);
    return line.help;
  };
  if (const auto status = chatlab::apps::exit_after_parsing("chatlab-client", usage, parsed)) {
    return *status;
  }
  return run(line);
}
