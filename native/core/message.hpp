#pragma once
/// One protocol frame as a value: the fields of docs/protocol.md, absent ones empty.

#include <optional>
#include <string>
#include <vector>

namespace chatlab {

/// A frame in either direction. Which fields a type needs is the room's
/// business (room.hpp); a Message is only the data.
struct Message {
  std::string type;                               ///< "chat", "notice", "roster", ...
  std::optional<std::string> sender;              ///< JSON "from"
  std::optional<std::string> text;                ///< chat text, notice, or error text
  std::optional<std::string> user;                ///< "join" / "leave": who
  std::optional<std::vector<std::string>> users;  ///< "roster": members in connection order
  std::optional<std::string> code;                ///< "error": the docs/protocol.md code
  std::optional<std::string> id;                  ///< "sync": the barrier id

  friend bool operator==(const Message& a, const Message& b) {
    return a.type == b.type && a.sender == b.sender && a.text == b.text && a.user == b.user &&
           a.users == b.users && a.code == b.code && a.id == b.id;
  }
  friend bool operator!=(const Message& a, const Message& b) { return !(a == b); }
};

}  // namespace chatlab
