#pragma once
/// The event loop: sockets in, Engine effects out. No protocol decision is made here.

#include <cstddef>
#include <map>
#include <vector>

#include "core/engine.hpp"
#include "server/connection.hpp"

namespace kv::server {

/// A single-threaded epoll loop around one Engine.
class Server {
 public:
  /// Serves `listen_fd` (already listening); SIGTERM and SIGINT must be blocked.
  Server(int listen_fd, const Limits& limits, std::size_t max_outbound_bytes);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Runs until SIGTERM or SIGINT; returns the signal's number.
  int run();

 private:
  void accept_all();
  void on_readable(Session session);
  void deliver(const std::vector<Outgoing>& effects);
  void refuse_slow(Session session, Connection& connection);
  void flush(Session session);
  void drop(Session session);
  void update_interest(Session session, Connection& connection);

  int listen_fd_;                              ///< the listening socket
  int epoll_fd_ = -1;                          ///< the poller
  int signal_fd_ = -1;                         ///< SIGTERM and SIGINT, as a readable fd
  int spare_fd_ = -1;                          ///< given up to accept and refuse at EMFILE
  std::size_t max_outbound_bytes_;             ///< pending bytes past which a reader is dropped
  Engine engine_;                              ///< every decision
  std::map<Session, Connection> connections_;  ///< the open sockets, by session
  Session next_session_ = 1;                   ///< the number of the next connection
};

}  // namespace kv::server
