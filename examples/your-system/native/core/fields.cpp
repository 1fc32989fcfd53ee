// Theory of operation: nlohmann's SAX parser checks the whole line against
// RFC 8259 (UTF-8 included) without building a tree; this handler keeps only
// the top-level fields and names the type of a nested value without storing
// it. Parsing goes on after a structural problem (a top-level array, a
// duplicate) so that a line which is not JSON at all is always bad_json:
// the precedence of the codes does not depend on where the parser stopped.
#include "core/fields.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace kv {
namespace {

using json = nlohmann::json;

/// The SAX handler: depth 0 is outside the line's value, 1 inside the top-level object.
class FieldReader {
 public:
  bool null() { return scalar(Field{Field::Type::null, {}, false}); }
  bool boolean(bool value) { return scalar(Field{Field::Type::boolean, {}, value}); }
  bool number_integer(json::number_integer_t /*value*/) { return number(); }
  bool number_unsigned(json::number_unsigned_t /*value*/) { return number(); }
  bool number_float(json::number_float_t /*value*/, const json::string_t& /*text*/) {
    return number();
  }
  bool string(json::string_t& value) {
    return scalar(Field{Field::Type::string, std::move(value), false});
  }
  bool binary(json::binary_t& /*value*/) { return number(); }  // JSON text has none
  bool start_object(std::size_t /*size*/) { return open(Field::Type::object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(Field::Type::array); }
  bool end_array() { return close(); }
  bool key(json::string_t& name) {
    if (depth_ == 1) name_ = std::move(name);
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    error_ = "not a JSON value: the parser stopped at byte " + std::to_string(position);
    return false;
  }

  /// The fields read, or throws the refusal the line deserves.
  std::map<std::string, Field> result(bool parsed) {
    if (!parsed) throw ProtocolError(ErrorCode::bad_json, error_);
    if (!top_is_object_) {
      throw ProtocolError(ErrorCode::not_an_object,
                          std::string("a request is a JSON object, not ") + type_name(top_type_));
    }
    if (!duplicate_.empty()) {
      throw ProtocolError(ErrorCode::duplicate_field,
                          "the field \"" + duplicate_ + "\" appears more than once");
    }
    return std::move(fields_);
  }

 private:
  bool number() { return scalar(Field{Field::Type::number, {}, false}); }

  bool scalar(Field field) {
    if (depth_ == 0) top_type_ = field.type;
    if (depth_ == 1) keep(std::move(field));
    return true;
  }

  bool open(Field::Type type) {
    if (depth_ == 0) {
      top_type_ = type;
      top_is_object_ = type == Field::Type::object;
    } else if (depth_ == 1) {
      keep(Field{type, {}, false});
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    return true;
  }

  void keep(Field field) {
    if (!top_is_object_) return;  // the elements of a top-level array are no fields
    const bool fresh = fields_.emplace(name_, std::move(field)).second;
    if (!fresh && duplicate_.empty()) duplicate_ = name_;
  }

  std::map<std::string, Field> fields_;       ///< the top-level fields, by name
  std::string name_;                          ///< the name of the field being read
  std::string duplicate_;                     ///< the first name seen twice, if any
  std::string error_;                         ///< the parser's complaint, if any
  std::size_t depth_ = 0;                     ///< how many objects and arrays are open
  bool top_is_object_ = false;                ///< whether the line's value is an object
  Field::Type top_type_ = Field::Type::null;  ///< the type of the line's value
};

}  // namespace

const char* type_name(Field::Type type) noexcept {
  switch (type) {
    case Field::Type::string: return "a string";
    case Field::Type::boolean: return "a boolean";
    case Field::Type::null: return "null";
    case Field::Type::number: return "a number";
    case Field::Type::object: return "an object";
    case Field::Type::array: return "an array";
  }
  return "unknown";
}

std::map<std::string, Field> read_fields(std::string_view line) {
  FieldReader reader;
  const bool parsed = json::sax_parse(line.begin(), line.end(), &reader);
  return reader.result(parsed);
}

}  // namespace kv
