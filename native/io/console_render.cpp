#include "io/console_render.hpp"

#include <vector>

#include "core/codec.hpp"

namespace chatlab::io {

std::string render_for_console(const Message& m) {
  // A field a type needs may still be absent: the decoder does not judge
  // server frames against the contract, so "?" stands in rather than nothing.
  const auto text = m.text.value_or("");
  if (m.type == "chat") return "<" + m.sender.value_or("?") + "> " + text;
  if (m.type == "notice") return "-- " + m.sender.value_or("server") + ": " + text;
  if (m.type == "join") return "* " + m.user.value_or("?") + " joined";
  if (m.type == "leave") return "* " + m.user.value_or("?") + " left";
  if (m.type == "error") return "! error " + m.code.value_or("?") + ": " + text;
  if (m.type == "roster") {
    std::string names;
    for (const std::string& name : m.users.value_or(std::vector<std::string>{})) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return "* users: " + names;
  }
  std::string frame = encode(m);  // a type this console does not know: as it came
  frame.pop_back();
  return frame;
}

}  // namespace chatlab::io
