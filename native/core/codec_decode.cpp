// The liberal decoder.
//
// Theory of operation: nlohmann's SAX parser does the RFC 8259 work (UTF-8
// validation, surrogate pairs, number syntax and overflow, strict end of
// input) and calls the handler below for each token. The handler never
// builds a JSON tree: it keeps only the top-level fields a Message has and
// lets every other value pass by, so the cost of a frame does not depend on
// what junk it carries. Depth is counted as containers open, and the parse is
// stopped the moment a 33rd level opens, before anything inside it is read.
//
// Outcomes, in order of precedence: input that is not JSON is bad_json (even
// when it starts like a non-object); valid JSON whose top level is not an
// object, or whose "type" is missing or not a string, is bad_frame. A known
// field with the wrong JSON type is treated as absent (docs/protocol.md).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/codec.hpp"
#include "core/error.hpp"

namespace chatlab {
namespace {

using json = nlohmann::json;

/// Which Message member the current top-level key names, if any.
enum class Field { none, type, sender, text, user, users, code, id };

Field field_of(const std::string& key) {
  if (key == "type") return Field::type;
  if (key == "text") return Field::text;
  if (key == "from") return Field::sender;
  if (key == "id") return Field::id;
  if (key == "user") return Field::user;
  if (key == "users") return Field::users;
  if (key == "code") return Field::code;
  return Field::none;
}

/// `text` with every byte outside printable ASCII as \xNN. nlohmann quotes the
/// offending input, which may be invalid UTF-8, and this text goes back on the
/// wire inside an error frame, which must stay valid UTF-8.
std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(c);
    } else {
      out.append("\\x");
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0xf]);
    }
  }
  return out;
}

class FrameHandler {
 public:
  bool null() { return scalar(); }
  bool boolean(bool) { return scalar(); }
  bool number_integer(json::number_integer_t) { return scalar(); }
  bool number_unsigned(json::number_unsigned_t) { return scalar(); }
  bool number_float(json::number_float_t, const std::string&) { return scalar(); }
  bool binary(json::binary_t&) { return scalar(); }

  bool string(std::string& value) {
    if (depth_ == 1) {
      set_string(std::move(value));
    } else if (depth_ == 2 && collecting_users_) {
      users_.push_back(std::move(value));
    }
    return true;
  }

  bool start_object(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(true); }
  bool end_array() { return close(); }

  bool key(std::string& key) {
    if (depth_ == 1) field_ = field_of(key);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& error) {
    std::string_view text = error.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: the text is for people.
    if (const auto end = text.find("] "); text.rfind("[json.", 0) == 0 && end != text.npos) {
      text.remove_prefix(end + 2);
    }
    error_ = printable(text);
    return false;
  }

  Message finish() &&;

  const std::string& error() const { return error_; }

 private:
  /// A number, boolean or null: only matters when it replaces a known field.
  bool scalar() {
    if (depth_ == 1) clear(field_);
    if (depth_ == 2 && collecting_users_) users_ok_ = false;
    return true;
  }

  bool open(bool is_array) {
    if (depth_ == 0) top_is_object_ = !is_array;
    if (depth_ == 1) {
      clear(field_);
      collecting_users_ = is_array && field_ == Field::users;
      users_ok_ = true;
      users_.clear();
    } else if (depth_ == 2 && collecting_users_) {
      users_ok_ = false;
    }
    if (++depth_ > max_json_depth) {
      error_ = "nesting deeper than " + std::to_string(max_json_depth) + " levels";
      return false;
    }
    return true;
  }

  bool close() {
    if (--depth_ == 1 && collecting_users_) {
      collecting_users_ = false;
      if (users_ok_) message_.users = std::move(users_);
      users_ = {};
    }
    return true;
  }

  void set_string(std::string&& value) {
    switch (field_) {
      case Field::type:
        has_type_ = true;
        message_.type = std::move(value);
        break;
      case Field::sender: message_.sender = std::move(value); break;
      case Field::text: message_.text = std::move(value); break;
      case Field::user: message_.user = std::move(value); break;
      case Field::code: message_.code = std::move(value); break;
      case Field::id: message_.id = std::move(value); break;
      case Field::users: message_.users.reset(); break;
      case Field::none: break;
    }
  }

  /// The last duplicate key wins, so a wrong-typed value erases an earlier right one.
  void clear(Field field) {
    switch (field) {
      case Field::type:
        has_type_ = false;
        message_.type.clear();
        break;
      case Field::sender: message_.sender.reset(); break;
      case Field::text: message_.text.reset(); break;
      case Field::user: message_.user.reset(); break;
      case Field::users: message_.users.reset(); break;
      case Field::code: message_.code.reset(); break;
      case Field::id: message_.id.reset(); break;
      case Field::none: break;
    }
  }

  Message message_;                 ///< what the frame says so far
  std::vector<std::string> users_;  ///< the "users" array being read
  std::string error_;               ///< why parsing stopped, for bad_json
  int depth_ = 0;                   ///< containers open right now
  Field field_ = Field::none;       ///< the top-level key whose value comes next
  bool top_is_object_ = false;      ///< the outermost value is an object
  bool has_type_ = false;           ///< "type" was read as a string
  bool collecting_users_ = false;   ///< inside the top-level "users" array
  bool users_ok_ = true;            ///< that array held strings only
};

Message FrameHandler::finish() && {
  if (!top_is_object_) throw ProtocolError(ErrorCode::bad_frame, "a frame must be a JSON object");
  if (!has_type_) {
    throw ProtocolError(ErrorCode::bad_frame, "a frame needs a \"type\" that is a string");
  }
  return std::move(message_);
}

}  // namespace

Message decode(std::string_view line) {
  // nlohmann's lexer takes a NUL byte for the end of input, which would let
  // `{...}\0junk` through. JSON allows no raw NUL anywhere, so refuse it here.
  if (line.find('\0') != std::string_view::npos) {
    throw ProtocolError(ErrorCode::bad_json, "not valid JSON: a raw NUL byte");
  }
  FrameHandler handler;
  const bool parsed =
      json::sax_parse(line.begin(), line.end(), &handler, json::input_format_t::json, true);
  if (!parsed) {
    throw ProtocolError(ErrorCode::bad_json, "not valid JSON: " + handler.error());
  }
  return std::move(handler).finish();
}

}  // namespace chatlab
