#pragma once
/// The effects the room returns instead of writing anything.

#include <cstdint>

#include "core/message.hpp"

namespace chatlab {

/// Identifies one connection to the room; chosen by whoever drives it.
using SessionId = std::uint64_t;

/// Who an effect is addressed to, resolved against the members at that point.
enum class Target {
  All,        ///< every current member
  AllExcept,  ///< every current member but `session`
  One,        ///< `session` alone (member or not: a refused newcomer)
};

/// One message to deliver; `close` asks the driver to close `session` after it.
struct Outgoing {
  Target target;
  SessionId session;
  Message message;
  bool close = false;  ///< close the connection of `session` once this frame is out

  friend bool operator==(const Outgoing& a, const Outgoing& b) {
    return a.target == b.target && a.session == b.session && a.message == b.message &&
           a.close == b.close;
  }
};

}  // namespace chatlab
