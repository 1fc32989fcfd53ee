#pragma once
/// Socket activation: the listening socket a launcher handed over as fd 3 (systemd's convention).

#include "io/socket.hpp"

namespace chatlab::io {

/// The first fd of socket activation (systemd's SD_LISTEN_FDS_START).
inline constexpr int activation_fd = 3;

/// Takes the listening socket handed to this process: LISTEN_PID is this
/// pid, LISTEN_FDS is 1, and fd 3 is a listening TCP socket, made
/// non-blocking and close-on-exec. Empty when LISTEN_PID is unset or names
/// another process (the variables were meant for a parent). The variables
/// are unset either way, so no child of ours takes them for its own. Throws
/// std::runtime_error, saying why, when they name this process but cannot
/// be served: another count of fds, or fd 3 is no listening TCP socket.
Fd take_activated_listener();

}  // namespace chatlab::io
