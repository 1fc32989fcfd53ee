#pragma once
/// "HOST:PORT" on a command line, cut in two; each program judges the halves.

#include <optional>
#include <string>

namespace chatlab::cli {

/// The two halves of "HOST:PORT", neither judged yet.
struct HostPort {
  std::string host;  ///< without the brackets of "[::1]"
  std::string port;  ///< the text after the last colon, maybe empty or not a number
};

/// "127.0.0.1:4000" or "[::1]:4000" cut at the last colon, brackets around
/// the host removed; nothing when there is no colon. The caller checks the
/// host (io::parse_address) and the port with the words of its own errors.
std::optional<HostPort> split_host_port(const std::string& text);

}  // namespace chatlab::cli
