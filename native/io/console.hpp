#pragma once
/// chatlab-client's session: stdin to the room, the room to stdout.

#include <cstdint>
#include <string>

namespace chatlab::io {

/// Connects to `host` (an IP literal or "localhost") and `port`, sends each
/// line of stdin as a chat frame (ConsoleInput says how lines are cut) and
/// prints each frame the server sends as render_for_console() shows it.
/// At the end of stdin it sends a sync and waits for its answer, so every
/// line has been handled and what it caused printed before it returns.
///
/// Returns the exit status: 0 after that answer; 1, with the reason on
/// stderr, when it cannot connect, the connection ends first, or the
/// answer does not come in time.
int run_console(const std::string& host, std::uint16_t port);

}  // namespace chatlab::io
