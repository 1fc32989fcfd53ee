#pragma once
/// What the bench tools' command lines share beyond native/cli: the option
/// named in every error, real-valued options, --connect and --help.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "cli/arguments.hpp"
#include "cli/endpoint.hpp"
#include "cli/numbers.hpp"
#include "cli/usage.hpp"
#include "io/socket.hpp"

namespace chatlab::bench {

using cli::UsageError;

/// `text` as a whole number from `low` to `high`; else a UsageError naming `option`.
inline std::size_t count_option(const std::string& option, const std::string& text, std::size_t low,
                                std::size_t high) {
  if (const auto value = cli::parse_number(text, low, high)) return *value;
  throw UsageError(option + " takes a number from " + std::to_string(low) + " to " +
                   std::to_string(high) + ", not '" + text + "'");
}

/// Whether the low end of a real option's range is allowed itself: a rate or
/// a duration of 0 is not, a warm-up of 0 is.
enum class Low { closed, open };

/// `text` as a real number from `low` (above it, when `end` is open) to
/// `high`; else a UsageError naming `option`.
inline double real_option(const std::string& option, const std::string& text, double low,
                          double high, Low end = Low::closed) {
  const auto value = cli::parse_real(text, low, high);
  if (value && (end == Low::closed || *value > low)) return *value;
  char range[96];
  std::snprintf(range, sizeof range, end == Low::closed ? "from %g to %g" : "above %g, up to %g",
                low, high);
  throw UsageError(option + " takes a number " + range + ", not '" + text + "'");
}

/// Where the server listens, as --connect gives it.
struct Endpoint {
  std::string host;        ///< an IPv4 or IPv6 literal (or "localhost"), without brackets
  std::uint16_t port = 0;  ///< 0 until --connect is read
};

/// "127.0.0.1:4000" or "[::1]:4000"; else a UsageError naming `option`.
inline Endpoint endpoint_option(const std::string& option, const std::string& text) {
  const auto bad = [&](const char* why) {
    return UsageError(option + " takes HOST:PORT, " + why + ", not '" + text + "'");
  };
  const auto parts = cli::split_host_port(text);
  if (!parts) throw bad("with a colon");
  if (!io::parse_address(parts->host, 0)) throw bad("the host an IPv4 or IPv6 address");
  const auto port = cli::parse_number(parts->port, 1, 65535);
  if (!port) throw bad("the port a number from 1 to 65535");
  Endpoint endpoint;
  endpoint.host = parts->host;
  endpoint.port = static_cast<std::uint16_t>(*port);
  return endpoint;
}

/// Reads argv into `options`: --help, --connect (required) into its `server`,
/// and every other option through `read_option`, which takes the option's
/// value and returns false for a name it does not know. The exit status when
/// the program ends here, as cli::exit_after_parsing gives it.
template <class Options>
std::optional<int> parse_or_exit(const char* program, const char* usage, int argc, char** argv,
                                 Options& options,
                                 bool (*read_option)(Options&, const std::string&,
                                                     cli::Arguments&)) {
  const auto parse = [&] {
    bool help = false;
    cli::Arguments arguments(argc, argv);
    while (arguments.next()) {
      const std::string& name = arguments.name();
      if (name == "--help" || name == "-h") {
        help = true;
      } else if (name == "--connect") {
        options.server = endpoint_option(name, arguments.value());
      } else if (!read_option(options, name, arguments)) {
        throw UsageError("unknown option: " + name);
      }
    }
    if (!help && options.server.port == 0) throw UsageError("--connect is required");
    return help;
  };
  return cli::exit_after_parsing(program, usage, parse);
}

}  // namespace chatlab::bench
