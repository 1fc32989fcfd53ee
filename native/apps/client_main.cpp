// chatlab-client: a terminal chat client. Lines from stdin go out as chat
// frames; what the server sends is printed in a human form. The session is
// Layer B's (io/console.hpp); this file parses arguments.

#include <cstdint>
#include <optional>
#include <string>

#include "cli/arguments.hpp"
#include "cli/endpoint.hpp"
#include "cli/numbers.hpp"
#include "cli/usage.hpp"
#include "io/console.hpp"
#include "io/socket.hpp"

namespace {

constexpr const char* usage =
    "usage: chatlab-client [--host 127.0.0.1] --port N\n"
    "       chatlab-client HOST:PORT\n"
    "Sends each non-empty line of stdin as a chat line (\"/name bob\" is a command)\n"
    "and prints what the server sends. At the end of stdin it waits until the\n"
    "server has handled every line, then exits 0. Exits 1 if it cannot connect\n"
    "or the server closes the connection first, 2 on bad arguments.\n";

using chatlab::cli::UsageError;

struct CommandLine {
  std::string host = "127.0.0.1";     ///< an IP literal or "localhost"
  std::optional<std::uint16_t> port;  ///< required
  bool help = false;                  ///< --help: print the usage and exit 0
};

std::uint16_t parse_port(const std::string& text) {
  const auto value = chatlab::cli::parse_number(text, 1, 65535);
  if (!value) throw UsageError("a port is a number from 1 to 65535, not '" + text + "'");
  return static_cast<std::uint16_t>(*value);
}

/// "127.0.0.1:4000" or "[::1]:4000"; the host is judged with --host's.
void parse_endpoint(const std::string& text, CommandLine& line) {
  const auto parts = chatlab::cli::split_host_port(text);
  if (!parts) throw UsageError("expected HOST:PORT, not '" + text + "'");
  line.host = parts->host;
  line.port = parse_port(parts->port);
}

CommandLine parse(int argc, char** argv) {
  CommandLine line;
  chatlab::cli::Arguments arguments(argc, argv);
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

}  // namespace

int main(int argc, char** argv) {
  CommandLine line;
  const auto parsed = [&] {
    line = parse(argc, argv);
    return line.help;
  };
  if (const auto status = chatlab::cli::exit_after_parsing("chatlab-client", usage, parsed)) {
    return *status;
  }
  return chatlab::io::run_console(line.host, *line.port);
}
