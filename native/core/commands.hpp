#pragma once
/// How the room reads a chat text as a command: the one home of that rule.

#include <optional>
#include <string>
#include <string_view>

#include "core/message.hpp"

namespace chatlab {

/// A command split as the room splits it: "/name   bob " is {"/name", "bob "}.
struct Command {
  std::string_view name;      ///< up to the first space, "/" included
  std::string_view argument;  ///< after the first run of spaces, trailing spaces kept
};

/// Whether a chat text is a command (it starts with "/") rather than a line.
bool is_command(std::string_view text) noexcept;

/// Splits a command on the first run of spaces (U+0020 only).
Command split_command(std::string_view text) noexcept;

/// The name a frame a client sends asks for, if it is a `/name NEW` chat:
/// NEW exactly as the room will judge it (maybe invalid, maybe taken).
std::optional<std::string> requested_name(const Message& sent);

}  // namespace chatlab
