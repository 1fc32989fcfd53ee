#pragma once
/// The values on the wire: what a client asks (Request) and what the server answers (Reply).

#include <optional>
#include <string>
#include <string_view>

namespace kv {

/// The operations a client may ask for (PROTOCOL.md, "Requests").
enum class Op { set, get, del, watch, unwatch, ping };

/// One request line, decoded. `key` is empty for ping; `value` is set's alone.
struct Request {
  Op op = Op::ping;   ///< what is asked
  std::string key;    ///< the key it is about
  std::string value;  ///< the new value (set only)

  bool operator==(const Request& other) const {
    return op == other.op && key == other.key && value == other.value;
  }
};

/// The kinds of line the server sends (PROTOCOL.md, "Replies and notifications").
enum class ReplyKind { ok, value, pong, changed, error };

/// One line from the server. Built by the named constructors below, never by position.
struct Reply {
  ReplyKind kind = ReplyKind::ok;    ///< which line this is
  std::string key;                   ///< value, changed: the key
  std::optional<std::string> value;  ///< value, changed: the value, or none if absent
  std::optional<bool> existed;       ///< ok to a del: whether the key was there
  std::string code;                  ///< error: the PROTOCOL.md code
  std::string text;                  ///< error: the reason, for people

  static Reply ok() { return Reply{}; }
  static Reply deleted(bool existed);
  static Reply value_of(std::string key, std::optional<std::string> value);
  static Reply changed(std::string key, std::optional<std::string> value);
  static Reply pong();
  static Reply error(std::string code, std::string text);

  bool operator==(const Reply& other) const {
    return kind == other.kind && key == other.key && value == other.value &&
           existed == other.existed && code == other.code && text == other.text;
  }
};

/// The wire names of ops and reply kinds, e.g. "del" and "changed".
const char* op_name(Op op) noexcept;
const char* kind_name(ReplyKind kind) noexcept;

/// The op or kind spelled `name`, or throws ProtocolError(unknown_op) listing them.
Op op_named(std::string_view name);
ReplyKind kind_named(std::string_view name);

}  // namespace kv
