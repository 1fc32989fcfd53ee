#include "core/room.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/codec.hpp"
#include "core/commands.hpp"
#include "core/names.hpp"

namespace chatlab {
namespace {

constexpr std::size_t max_text_bytes = 4096;
constexpr std::size_t max_sync_id_bytes = 128;
/// Longest part of a client's input echoed in an error text, so a refusal is
/// never much larger than a line of prose, whatever the frame held.
constexpr std::size_t max_echo_bytes = 64;

constexpr std::string_view server_name = "server";
constexpr std::string_view help_text =
    "commands: /name NEW (rename yourself), /who (list members), /help (this text); "
    "\"ping\" makes the server answer pong to everyone";

Message notice(std::string text) {
  Message message;
  message.type = "notice";
  message.sender = std::string(server_name);
  message.text = std::move(text);
  return message;
}

Message member_event(const char* type, const std::string& name) {
  Message message;
  message.type = type;
  message.user = name;
  return message;
}

/// `text` cut to at most max_echo_bytes on a UTF-8 character boundary, with
/// "..." where it was cut, so an error text stays short and valid UTF-8.
std::string echo(std::string_view text) {
  if (text.size() <= max_echo_bytes) return std::string(text);
  std::size_t end = max_echo_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

}  // namespace

Room::Room(std::size_t max_members) : max_members_(max_members) {}

std::vector<Outgoing> Room::refuse(SessionId session, ErrorCode code, const std::string& detail) {
  Message message;
  message.type = "error";
  message.code = std::string(code_name(code));
  message.text = detail;
  return {Outgoing{Target::One, session, std::move(message), closes_connection(code)}};
}

std::vector<Outgoing> Room::join(SessionId session) {
  if (is_member(session)) {
    throw std::invalid_argument("session " + std::to_string(session) + " is already a member");
  }
  if (order_.size() >= max_members_) {
    return refuse(session, ErrorCode::server_full,
                  "the room is full (" + std::to_string(max_members_) + " members)");
  }
  std::string name = guest_name(++guests_admitted_);
  std::string folded = fold_name(name);
  by_name_.emplace(folded, session);
  members_.emplace(session, Member{name, std::move(folded)});
  order_.push_back(session);
  return {
      Outgoing{Target::One, session, notice("welcome, " + name)},
      Outgoing{Target::AllExcept, session, member_event("join", name)},
      roster_to(Target::All, session),
  };
}

std::vector<Outgoing> Room::leave(SessionId session) {
  const auto found = members_.find(session);
  if (found == members_.end()) return {};
  const std::string name = found->second.name;
  by_name_.erase(found->second.folded);
  members_.erase(found);
  order_.erase(std::find(order_.begin(), order_.end(), session));
  return {
      Outgoing{Target::All, session, member_event("leave", name)},
      roster_to(Target::All, session),
  };
}

std::vector<Outgoing> Room::handle_line(SessionId session, std::string_view line) {
  member(session);  // a non-member is a caller bug, whatever the line holds
  Message message;
  try {
    message = decode_from_client(line);
  } catch (const ProtocolError& error) {
    return refuse(session, error.code(), error.what());
  }
  return handle_message(session, message);
}

std::vector<Outgoing> Room::handle_message(SessionId session, const Message& message) {
  member(session);
  if (message.type == "chat") {
    if (!message.text || message.text->size() > max_text_bytes) {
      return refuse(session, ErrorCode::bad_frame,
                    "a chat frame needs \"text\": a string of at most 4096 bytes");
    }
    return handle_chat(session, *message.text);
  }
  if (message.type == "sync") {
    if (!message.id || message.id->size() > max_sync_id_bytes) {
      return refuse(session, ErrorCode::bad_frame,
                    "a sync frame needs \"id\": a string of at most 128 bytes");
    }
    Message answer;
    answer.type = "sync";
    answer.id = message.id;
    return {Outgoing{Target::One, session, std::move(answer)}};
  }
  return refuse(session, ErrorCode::unknown_type,
                "unknown frame type \"" + echo(message.type) + "\" (expected chat or sync)");
}

std::vector<Outgoing> Room::handle_chat(SessionId session, const std::string& text) {
  if (is_command(text)) return handle_command(session, text);
  Message chat;
  chat.type = "chat";
  chat.sender = member(session).name;
  chat.text = text;
  std::vector<Outgoing> out{Outgoing{Target::AllExcept, session, std::move(chat)}};
  if (text == "ping") out.push_back(Outgoing{Target::All, session, notice("pong")});
  return out;
}

std::vector<Outgoing> Room::handle_command(SessionId session, std::string_view text) {
  const auto [command, argument] = split_command(text);  // the one split: commands.hpp
  if (command == "/name") return rename(session, argument);
  if (command == "/who") return who(session);
  if (command == "/help") return {Outgoing{Target::One, session, notice(std::string(help_text))}};
  return refuse(session, ErrorCode::unknown_command,
                "unknown command \"" + echo(command) + "\" (try /help)");
}

std::vector<Outgoing> Room::rename(SessionId session, std::string_view wanted) {
  Member& self = members_.at(session);
  if (!is_valid_name(wanted)) {
    return refuse(session, ErrorCode::bad_name,
                  "a name is 1 to 32 characters from A-Z a-z 0-9 _ - .");
  }
  if (wanted == self.name) return {roster_to(Target::All, session)};
  std::string folded = fold_name(wanted);
  const auto holder = by_name_.find(folded);
  const bool held_by_other = holder != by_name_.end() && holder->second != session;
  if (held_by_other || is_reserved_name(wanted)) {
    return refuse(session, ErrorCode::name_taken,
                  "the name \"" + std::string(wanted) + "\" is taken or reserved");
  }
  by_name_.erase(self.folded);
  by_name_.emplace(folded, session);
  self.name = std::string(wanted);
  self.folded = std::move(folded);
  return {roster_to(Target::All, session)};
}

std::vector<Outgoing> Room::who(SessionId session) const {
  std::string list = "users: ";
  for (std::size_t i = 0; i < order_.size(); ++i) {
    if (i != 0) list.append(", ");
    list.append(members_.at(order_[i]).name);
  }
  return {Outgoing{Target::One, session, notice(std::move(list))}, roster_to(Target::One, session)};
}

Outgoing Room::roster_to(Target target, SessionId session) const {
  Message roster;
  roster.type = "roster";
  roster.users = names();
  return Outgoing{target, session, std::move(roster)};
}

std::vector<std::string> Room::names() const {
  std::vector<std::string> result;
  result.reserve(order_.size());
  for (SessionId member : order_) result.push_back(members_.at(member).name);
  return result;
}

std::optional<std::string> Room::name_of(SessionId session) const {
  const auto found = members_.find(session);
  if (found == members_.end()) return std::nullopt;
  return found->second.name;
}

const Room::Member& Room::member(SessionId session) const {
  const auto found = members_.find(session);
  if (found == members_.end()) {
    throw std::invalid_argument("session " + std::to_string(session) + " is not a member");
  }
  return found->second;
}

}  // namespace chatlab
