#pragma once
/// The listening socket: bound here, or handed over by socket activation.

#include <string>

#include "server/options.hpp"

namespace kv::server {

/// A listening, non-blocking TCP socket and how it came to be.
struct Listener {
  int fd = -1;             ///< the socket
  bool activated = false;  ///< handed over as fd 3 (LISTEN_FDS) rather than bound here
};

/// The socket systemd's protocol hands over (LISTEN_PID is ours, LISTEN_FDS=1),
/// else one bound to the options' host and port. Throws std::runtime_error.
Listener open_listener(const Options& options);

/// "HOST:PORT" of a bound socket.
std::string local_address(int fd);

}  // namespace kv::server
