#pragma once
/// kv-server's command line: what it may be told, and the refusal of anything else.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/limits.hpp"

namespace kv::server {

/// Everything kv-server is told on its command line.
struct Options {
  std::string host = "127.0.0.1";            ///< the address to listen on
  std::uint16_t port = 0;                    ///< 0: the kernel picks one
  Limits limits;                             ///< what the core enforces
  std::size_t max_outbound_bytes = 1 << 20;  ///< a connection's unsent bytes before it is dropped
  bool help = false;                         ///< --help: print the usage, exit 0
};

/// A command line that cannot be obeyed; what() says why.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The options of `argv`, or throws UsageError.
Options parse_options(int argc, char** argv);

/// The usage text, for --help and after a UsageError.
std::string usage();

}  // namespace kv::server
