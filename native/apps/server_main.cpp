// chatlab-server: the command line of PROTOCOL.md, then the Server's loop.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "io/process.hpp"
#include "io/server.hpp"
#include "io/socket.hpp"

namespace {

constexpr const char* usage =
    "usage: chatlab-server [--host 127.0.0.1] [--port 0] [--max-clients 1024]\n"
    "                      [--max-frame-bytes 65536] [--max-outbound-bytes 1048576]\n"
    "                      [--exit-on-stdin-eof]\n";

/// A bad command line: the message, then the usage, on stderr.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::size_t parse_count(std::string_view option, const std::string& text, std::size_t low,
                        std::size_t high) {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  errno = 0;
  const unsigned long long value = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE || value < low || value > high) {
    throw UsageError(std::string(option) + " takes a number from " + std::to_string(low) + " to " +
                     std::to_string(high) + ", not '" + text + "'");
  }
  return static_cast<std::size_t>(value);
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
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    std::optional<std::string> value;
    if (const auto equals = name.find('='); name.rfind("--", 0) == 0 && equals != name.npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (name == "--help" || name == "-h") {
      line.help = true;
      continue;
    }
    if (name == "--exit-on-stdin-eof" && !value) {
      options.exit_on_stdin_eof = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) throw UsageError("unknown option or missing value: " + name);
      value = argv[++i];
    }
    if (name == "--host") {
      if (!chatlab::io::parse_address(*value, 0)) {
        throw UsageError("--host takes an IPv4 or IPv6 address, not '" + *value + "'");
      }
      options.host = *value;
    } else if (name == "--port") {
      options.port = static_cast<std::uint16_t>(parse_count(name, *value, 0, 65535));
    } else if (name == "--max-clients") {
      options.max_clients = parse_count(name, *value, 0, most);
    } else if (name == "--max-frame-bytes") {
      options.max_frame_bytes = parse_count(name, *value, 1, most);
    } else if (name == "--max-outbound-bytes") {
      options.max_outbound_bytes = parse_count(name, *value, 1, most);
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
  try {
    line = parse(argc, argv);
  } catch (const UsageError& error) {
    std::fprintf(stderr, "chatlab-server: %s\n%s", error.what(), usage);
    return 2;
  }
  if (line.help) {
    std::fputs(usage, stdout);
    return 0;
  }
  chatlab::io::raise_fd_limit();
  std::optional<chatlab::io::Server> server;
  try {
    server.emplace(line.options);
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
