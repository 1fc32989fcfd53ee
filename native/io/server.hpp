#pragma once
/// The chat server's event loop: one thread, one Poller, and one Room that decides everything.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/framer.hpp"
#include "core/room.hpp"
#include "io/connection.hpp"
#include "io/poller.hpp"
#include "io/socket.hpp"

namespace chatlab::io {

/// Default --max-outbound-bytes: 1 MiB of pending output per client.
inline constexpr std::size_t default_max_outbound_bytes = 1024 * 1024;

/// What chatlab-server takes on its command line.
struct ServerOptions {
  std::string host = "127.0.0.1";                               ///< an IP literal or "localhost"
  std::uint16_t port = 0;                                       ///< 0: the kernel chooses
  std::size_t max_clients = default_max_members;                ///< server_full beyond this
  std::size_t max_frame_bytes = default_max_frame_bytes;        ///< frame_too_large beyond this
  std::size_t max_outbound_bytes = default_max_outbound_bytes;  ///< slow_consumer beyond this
  bool exit_on_stdin_eof = false;                               ///< stop when stdin ends
};

/// Moves bytes between sockets and the Room. It holds no protocol: every frame
/// it sends is an Outgoing the room returned, encoded once and fanned out.
class Server {
 public:
  /// Listens and installs the stop signals. Throws std::invalid_argument for a
  /// host that is not an IP literal, std::system_error when it cannot listen.
  /// A `listener` given (socket activation) is served instead of host and port.
  explicit Server(const ServerOptions& options, Fd listener = Fd());

  /// Where it listens, as the READY line prints it: "127.0.0.1:43117", "[::1]:43117".
  const std::string& endpoint() const noexcept { return endpoint_; }

  /// Serves until SIGTERM, SIGINT or (if asked) stdin EOF; closes every connection.
  /// Returns the exit status.
  int run();

 private:
  // Event sources (server.cpp).
  int wait_for_events();
  void dispatch(const ReadyEvent& event);
  void accept_clients();
  void shed_client();
  void admit(Fd socket);
  void watch_stdin();
  void on_stdin();
  void on_signal();
  int next_timeout_ms() const;
  void expire_deadlines();

  // Traffic between connections and the room (traffic.cpp).
  void on_client(Connection& connection, const ReadyEvent& event);
  void on_readable(Connection& connection);
  void on_peer_eof(Connection& connection);
  void handle_input(Connection& connection, std::string_view data);
  void deliver(const std::vector<Outgoing>& effects);
  void refuse_over_limit();
  void close_after_frame(SessionId session);
  void refuse_slow_consumer(Connection& connection);
  void schedule(Connection& connection);
  void flush_scheduled();
  void flush(Connection& connection);
  void update_interest(Connection& connection);
  void drop(SessionId session);
  Connection* find(SessionId session);

  ServerOptions options_;  ///< the limits, as given
  Room room_;              ///< all protocol decisions
  Poller poller_;          ///< the one place the loop waits
  Fd signals_;             ///< readable when SIGTERM or SIGINT arrives
  Fd listener_;            ///< the listening socket
  Fd spare_;               ///< a reserved fd, given up to shed a client on EMFILE
  std::string endpoint_;   ///< "host:port" for the READY line
  std::unordered_map<SessionId, std::unique_ptr<Connection>> connections_;  ///< by session
  std::vector<SessionId> scheduled_;   ///< connections to flush at the end of this iteration
  std::vector<SessionId> closing_;     ///< connections with a close deadline
  std::vector<SessionId> over_limit_;  ///< open connections whose pending output passed the limit
  std::vector<char> input_;            ///< one read buffer shared by every connection
  std::string frame_;                  ///< the frame being fanned out, encoded once
  SessionId next_session_ = 1;         ///< ids are never reused, so stale events resolve to nothing
  bool heap_dirty_ = false;            ///< an outbox grew large since memory was last released
  bool stopping_ = false;              ///< a stop signal or stdin EOF arrived
  bool accept_paused_ = false;         ///< the listener is out of the poller after EMFILE
  Clock::time_point accept_resume_{};  ///< when a paused listener comes back
};

}  // namespace chatlab::io
