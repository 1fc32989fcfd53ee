// The canonical encoder. Its bytes are the contract the Python mock is pinned
// to (tests/unit/test_wire.py): exactly what Python's
// json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
// writes. The keys of a Message are few and fixed, so "sorted" is simply the
// order the fields are written in below.

#include "core/codec.hpp"

namespace chatlab {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void put_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (byte < 0x20) {
          out.append("\\u00");
          out.push_back(hex_digits[byte >> 4]);
          out.push_back(hex_digits[byte & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

/// Writes `"key":` with the separator the previous field needs.
void put_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

void put_field(std::string& out, std::string_view key, const std::optional<std::string>& value) {
  if (!value) return;
  put_key(out, key);
  put_string(out, *value);
}

void put_field(std::string& out, std::string_view key,
               const std::optional<std::vector<std::string>>& values) {
  if (!values) return;
  put_key(out, key);
  out.push_back('[');
  for (std::size_t i = 0; i < values->size(); ++i) {
    if (i != 0) out.push_back(',');
    put_string(out, (*values)[i]);
  }
  out.push_back(']');
}

}  // namespace

void encode_into(const Message& message, std::string& out) {
  out.push_back('{');
  // Byte order of the keys: code < from < id < text < type < user < users.
  put_field(out, "code", message.code);
  put_field(out, "from", message.sender);
  put_field(out, "id", message.id);
  put_field(out, "text", message.text);
  put_key(out, "type");
  put_string(out, message.type);
  put_field(out, "user", message.user);
  put_field(out, "users", message.users);
  out.append("}\n");
}

std::string encode(const Message& message) {
  std::string out;
  out.reserve(64);
  encode_into(message, out);
  return out;
}

}  // namespace chatlab
