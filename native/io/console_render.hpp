#pragma once
/// A received frame as a person reads it in chatlab-client's terminal.

#include <string>

#include "core/message.hpp"

namespace chatlab::io {

/// One line, without its "\n": "<bob> hi", "-- server: welcome, guest-1",
/// "* bob joined", "* users: alice, bob", "! error bad_name: ...". A type
/// the console does not know comes out as its canonical frame.
std::string render_for_console(const Message& message);

}  // namespace chatlab::io
