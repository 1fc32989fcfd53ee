#include "core/messages.hpp"

#include <utility>

#include "core/error.hpp"

namespace kv {

Reply Reply::deleted(bool existed) {
  Reply reply;
  reply.existed = existed;
  return reply;
}

Reply Reply::value_of(std::string key, std::optional<std::string> value) {
  Reply reply;
  reply.kind = ReplyKind::value;
  reply.key = std::move(key);
  reply.value = std::move(value);
  return reply;
}

Reply Reply::changed(std::string key, std::optional<std::string> value) {
  Reply reply = value_of(std::move(key), std::move(value));
  reply.kind = ReplyKind::changed;
  return reply;
}

Reply Reply::pong() {
  Reply reply;
  reply.kind = ReplyKind::pong;
  return reply;
}

Reply Reply::error(std::string code, std::string text) {
  Reply reply;
  reply.kind = ReplyKind::error;
  reply.code = std::move(code);
  reply.text = std::move(text);
  return reply;
}

const char* op_name(Op op) noexcept {
  switch (op) {
    case Op::set: return "set";
    case Op::get: return "get";
    case Op::del: return "del";
    case Op::watch: return "watch";
    case Op::unwatch: return "unwatch";
    case Op::ping: return "ping";
  }
  return "unknown";
}

const char* kind_name(ReplyKind kind) noexcept {
  switch (kind) {
    case ReplyKind::ok: return "ok";
    case ReplyKind::value: return "value";
    case ReplyKind::pong: return "pong";
    case ReplyKind::changed: return "changed";
    case ReplyKind::error: return "error";
  }
  return "unknown";
}

Op op_named(std::string_view name) {
  for (Op op : {Op::set, Op::get, Op::del, Op::watch, Op::unwatch, Op::ping}) {
    if (name == op_name(op)) return op;
  }
  throw ProtocolError(ErrorCode::unknown_op, "no op is named \"" + std::string(name) +
                                                 "\"; the ops are set, get, del, watch, "
                                                 "unwatch and ping");
}

ReplyKind kind_named(std::string_view name) {
  for (ReplyKind kind :
       {ReplyKind::ok, ReplyKind::value, ReplyKind::pong, ReplyKind::changed, ReplyKind::error}) {
    if (name == kind_name(kind)) return kind;
  }
  throw ProtocolError(ErrorCode::unknown_op,
                      "no reply is named \"" + std::string(name) +
                          "\"; the replies are ok, value, pong, changed and error");
}

}  // namespace kv
