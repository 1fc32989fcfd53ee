#pragma once
/// The frames a client sends (docs/protocol.md, "From a client"): one factory
/// per type, so no caller builds a Message by position and a field that moves
/// in Message cannot silently change what is sent.

#include <string>
#include <utility>

#include "core/message.hpp"

namespace chatlab {

/// {"type":"chat","text":TEXT}: a chat line, or a command if TEXT starts with "/".
inline Message chat_message(std::string text) {
  Message message;
  message.type = "chat";
  message.text = std::move(text);
  return message;
}

/// {"type":"sync","id":ID}: a barrier the server answers once it has handled
/// every frame sent before it.
inline Message sync_message(std::string id) {
  Message message;
  message.type = "sync";
  message.id = std::move(id);
  return message;
}

}  // namespace chatlab
