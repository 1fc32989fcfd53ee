#pragma once
/// The bounds that keep any client from making the store use unbounded memory.

#include <cstddef>

namespace kv {

/// What the core enforces (PROTOCOL.md, "Limits"); the server's flags set them.
struct Limits {
  std::size_t max_line_bytes = 8192;   ///< the longest request line, "\r" included
  std::size_t max_key_bytes = 256;     ///< the longest key, in UTF-8 bytes
  std::size_t max_value_bytes = 4096;  ///< the longest value, in UTF-8 bytes
  std::size_t max_keys = 10000;        ///< how many keys the store holds at most
  std::size_t max_watches = 64;        ///< how many keys one connection may watch
  std::size_t max_sessions = 256;      ///< how many connections are open at once
};

}  // namespace kv
