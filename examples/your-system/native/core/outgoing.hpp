#pragma once
/// One effect of the core: a reply for one session, and whether its connection ends after it.

#include <cstdint>

#include "core/messages.hpp"

namespace kv {

/// A connection's number, chosen by whoever drives the core.
using Session = std::uint64_t;

/// Send `reply` to `session`; then close that connection if `close` is set.
struct Outgoing {
  Session session = 0;  ///< who receives it
  Reply reply;          ///< what they receive
  bool close = false;   ///< whether the connection ends once it is written

  bool operator==(const Outgoing& other) const {
    return session == other.session && reply == other.reply && close == other.close;
  }
};

}  // namespace kv
