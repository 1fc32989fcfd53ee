#pragma once
/// The top-level fields of one JSON object line, read without building a JSON tree.

#include <map>
#include <string>
#include <string_view>

namespace kv {

/// One top-level field: its JSON type, and its text when it is a string.
struct Field {
  /// The JSON types a field can have; nested values are not read, only named.
  enum class Type { string, boolean, null, number, object, array };
  Type type = Type::null;  ///< what the line held
  std::string text;        ///< the string's value (Type::string only)
  bool flag = false;       ///< the boolean's value (Type::boolean only)
};

/// The name of a field type as PROTOCOL.md says it, e.g. "number".
const char* type_name(Field::Type type) noexcept;

/// Reads `line` as one JSON object and returns its top-level fields. Throws
/// ProtocolError: bad_json (not JSON, or not UTF-8), not_an_object,
/// duplicate_field, in that order of precedence.
std::map<std::string, Field> read_fields(std::string_view line);

}  // namespace kv
