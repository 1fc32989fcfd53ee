// chatlab-server: the command line of docs/protocol.md, then the Server's loop.

#include <cstdio>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "cli/arguments.hpp"
#include "cli/numbers.hpp"
#include "cli/usage.hpp"
#include "io/activation.hpp"
#include "io/process.hpp"
#include "io/server.hpp"
#include "io/socket.hpp"

namespace {

constexpr const char* usage =
    "usage: chatlab-server [--host 127.0.0.1] [--port 0] [--max-clients 1024]\n"
    "                      [--max-frame-bytes 65536] [--max-outbound-bytes 1048576]\n"
    "                      [--exit-on-stdin-eof]\n"
    "A listening socket handed over as fd 3 (LISTEN_FDS=1, LISTEN_PID) replaces --host/--port.\n";

using chatlab::cli::UsageError;

std::size_t parse_count(const std::string& option, const std::string& text, std::size_t low,
                        std::size_t high) {
  if (const auto value = chatlab::cli::parse_number(text, low, high)) return *value;
  throw UsageError(option + " takes a number from " + std::to_string(low) + " to " +
                   std::to_string(high) + ", not '" + text + "'");
}

struct CommandLine {
  chatlab::io::ServerOptions options;  ///< the server's settings
  bool help = false;                   ///< --help: print the usage and exit 0
};

/// Reads `--name value` or `--name=value` pairs and the one flag.
CommandLine parse(int argc, char** argv) {
  constexpr std::size_t most = std::numeric_limits<std::size_t>::max();
  CommandLine line;
  chatlab::io::ServerOptions& options = line.options;
  chatlab::cli::Arguments arguments(argc, argv);
  while (arguments.next()) {
    const std::string& name = arguments.name();
    if (name == "--help" || name == "-h") {
      line.help = true;
    } else if (name == "--exit-on-stdin-eof" && !arguments.has_inline_value()) {
      options.exit_on_stdin_eof = true;
    } else if (name == "--host") {
      options.host = arguments.value();
      if (!chatlab::io::parse_address(options.host, 0)) {
        throw UsageError("--host takes an IPv4 or IPv6 address, not '" + options.host + "'");
      }
    } else if (name == "--port") {
      options.port = static_cast<std::uint16_t>(parse_count(name, arguments.value(), 0, 65535));
    } else if (name == "--max-clients") {
      options.max_clients = parse_count(name, arguments.value(), 1, most);
    } else if (name == "--max-frame-bytes") {
      options.max_frame_bytes = parse_count(name, arguments.value(), 1, most);
    } else if (name == "--max-outbound-bytes") {
      options.max_outbound_bytes = parse_count(name, arguments.value(), 1, most);
    } else {
      throw UsageError("unknown option: " + name);
    }
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  chatlab::io::ensure_standard_fds();
  CommandLine line;
  const auto parsed = [&] {
    line = parse(argc, argv);
    return line.help;
  };
  if (const auto status = chatlab::cli::exit_after_parsing("chatlab-server", usage, parsed)) {
    return *status;
  }
  chatlab::io::raise_fd_limit();
  chatlab::io::Fd activated;
  try {
    activated = chatlab::io::take_activated_listener();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "chatlab-server: socket activation: %s\n", error.what());
    return 1;
  }
  std::optional<chatlab::io::Server> server;
  try {
    server.emplace(line.options, std::move(activated));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "chatlab-server: cannot listen on %s port %u: %s\n",
                 line.options.host.c_str(), static_cast<unsigned>(line.options.port), error.what());
    return 1;
  }
  // The harness starts talking the moment it reads this line, so it comes
  // only once the socket listens and the stop signals are handled.
  std::printf("READY %s\n", server->endpoint().c_str());
  std::fflush(stdout);
  try {
    return server->run();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "chatlab-server: %s\n", error.what());
    return 1;
  }
}
