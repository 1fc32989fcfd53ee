#include "core/commands.hpp"

namespace chatlab {

bool is_command(std::string_view text) noexcept { return !text.empty() && text.front() == '/'; }

Command split_command(std::string_view text) noexcept {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return {text, {}};
  const auto rest = text.find_first_not_of(' ', space);
  return {text.substr(0, space),
          rest == std::string_view::npos ? std::string_view{} : text.substr(rest)};
}

std::optional<std::string> requested_name(const Message& sent) {
  if (sent.type != "chat" || !sent.text || !is_command(*sent.text)) return std::nullopt;
  const Command command = split_command(*sent.text);
  if (command.name != "/name") return std::nullopt;
  return std::string(command.argument);
}

}  // namespace chatlab
