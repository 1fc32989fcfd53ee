#include "core/codec.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/error.hpp"
#include "core/fields.hpp"

namespace kv {
namespace {

using Fields = std::map<std::string, Field>;

/// The field `name` if present; throws bad_field_type if it is not of `type`.
const Field* optional_field(const Fields& fields, const std::string& name, Field::Type type) {
  const auto found = fields.find(name);
  if (found == fields.end()) return nullptr;
  if (found->second.type != type) {
    throw ProtocolError(ErrorCode::bad_field_type, "the field \"" + name + "\" must be " +
                                                       type_name(type) + ", not " +
                                                       type_name(found->second.type));
  }
  return &found->second;
}

/// The string field `name`; throws missing_field or bad_field_type.
std::string string_field(const Fields& fields, const std::string& name) {
  const Field* field = optional_field(fields, name, Field::Type::string);
  if (field == nullptr) {
    throw ProtocolError(ErrorCode::missing_field, "the field \"" + name + "\" is missing");
  }
  return field->text;
}

/// A value field that may be null (absent key) but not missing.
std::optional<std::string> nullable_string(const Fields& fields, const std::string& name) {
  const auto found = fields.find(name);
  if (found != fields.end() && found->second.type == Field::Type::null) return std::nullopt;
  return string_field(fields, name);
}

std::string line_of(const nlohmann::json& object) {
  // Keys sorted (std::map), raw UTF-8, "\u00xx" for control characters: the
  // bytes of Python's json.dumps(sort_keys=True, ensure_ascii=False) compact.
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

Request decode_request(std::string_view line) {
  const Fields fields = read_fields(line);
  Request request;
  request.op = op_named(string_field(fields, "op"));
  if (request.op != Op::ping) request.key = string_field(fields, "key");
  if (request.op == Op::set) request.value = string_field(fields, "value");
  return request;
}

Reply decode_reply(std::string_view line) {
  const Fields fields = read_fields(line);
  switch (kind_named(string_field(fields, "op"))) {
    case ReplyKind::ok: {
      const Field* existed = optional_field(fields, "existed", Field::Type::boolean);
      return existed == nullptr ? Reply::ok() : Reply::deleted(existed->flag);
    }
    case ReplyKind::value:
      return Reply::value_of(string_field(fields, "key"), nullable_string(fields, "value"));
    case ReplyKind::changed:
      return Reply::changed(string_field(fields, "key"), nullable_string(fields, "value"));
    case ReplyKind::pong: return Reply::pong();
    case ReplyKind::error:
      return Reply::error(string_field(fields, "code"), string_field(fields, "text"));
  }
  throw ProtocolError(ErrorCode::unknown_op, "unreachable reply kind");
}

std::string encode(const Request& request) {
  nlohmann::json object{{"op", op_name(request.op)}};
  if (request.op != Op::ping) object["key"] = request.key;
  if (request.op == Op::set) object["value"] = request.value;
  return line_of(object);
}

std::string encode(const Reply& reply) {
  nlohmann::json object{{"op", kind_name(reply.kind)}};
  switch (reply.kind) {
    case ReplyKind::ok:
      if (reply.existed) object["existed"] = *reply.existed;
      break;
    case ReplyKind::value:
    case ReplyKind::changed:
      object["key"] = reply.key;
      object["value"] = reply.value ? nlohmann::json(*reply.value) : nlohmann::json(nullptr);
      break;
    case ReplyKind::pong: break;
    case ReplyKind::error:
      object["code"] = reply.code;
      object["text"] = reply.text;
      break;
  }
  return line_of(object);
}

}  // namespace kv
