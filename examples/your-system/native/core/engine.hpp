#pragma once
/// The whole server, sans I/O: connections open, send bytes and close; effects come out.

#include <map>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/line_buffer.hpp"
#include "core/outgoing.hpp"
#include "core/store.hpp"

namespace kv {

/// Rule: every decision about a connection is made here, closing included;
/// the I/O shell writes the effects in the order given and obeys `close`.
/// A session whose effects include a close is forgotten at once.
class Engine {
 public:
  explicit Engine(const Limits& limits = Limits{});

  /// A new connection: nothing, or server_full and close if max_sessions are open.
  /// Throws std::invalid_argument if `session` is already open.
  std::vector<Outgoing> open(Session session);

  /// The effects of the bytes `session` sent: each complete line handled in order.
  /// Throws std::invalid_argument if `session` is not open.
  std::vector<Outgoing> feed(Session session, std::string_view bytes);

  /// The effects of one complete line (no "\n"); an empty one has none.
  std::vector<Outgoing> handle_line(Session session, std::string_view line);

  /// The effects of one decoded request.
  std::vector<Outgoing> handle(Session session, const Request& request);

  /// What only the shell can detect (slow_consumer): the error, then close, whatever the code.
  std::vector<Outgoing> refuse(Session session, ErrorCode code, const std::string& text);

  /// The connection ended: its watches go. A session not open is ignored.
  void close(Session session);

  /// How many connections are open, and how many keys are stored.
  std::size_t sessions() const noexcept { return buffers_.size(); }
  std::size_t keys() const noexcept { return store_.size(); }

  /// The bounds this engine enforces.
  const Limits& limits() const noexcept { return limits_; }

 private:
  LineBuffer& buffer_of(Session session);

  Limits limits_;                          ///< the bounds enforced
  Store store_;                            ///< the keys and their watchers
  std::map<Session, LineBuffer> buffers_;  ///< the open sessions and their partial lines
};

}  // namespace kv
