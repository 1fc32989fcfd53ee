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
// when it starts like a non-object, or starts with a byte order mark); valid
// JSON whose top level is not an object, or whose "type" is missing or not a
// string, is bad_frame; then a field the frame's type defines, present with
// the wrong JSON type, is bad_frame too. Key order is free, so the handler
// only records which fields came with the wrong type, and finish() judges
// them once the type is known. A field the type does not define is never
// judged: a right-typed one is kept, a wrong-typed one left absent
// (docs/protocol.md, "Field types").

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/codec.hpp"
#include "core/error.hpp"

namespace chatlab {
namespace {

using json = nlohmann::json;

/// Which Message member the current top-level key names, if any.
enum class Field { none, type, sender, text, user, users, code, id, count };

/// The fields a frame type defines, and so judges (docs/protocol.md).
std::bitset<static_cast<std::size_t>(Field::count)> defined_fields(std::string_view type) {
  std::bitset<static_cast<std::size_t>(Field::count)> fields;
  const auto define = [&fields](Field field) { fields.set(static_cast<std::size_t>(field)); };
  if (type == "chat" || type == "notice") {
    define(Field::sender);
    define(Field::text);
  } else if (type == "sync") {
    define(Field::id);
  } else if (type == "roster") {
    define(Field::users);
  } else if (type == "join" || type == "leave") {
    define(Field::user);
  } else if (type == "error") {
    define(Field::code);
    define(Field::text);
  }
  return fields;
}

/// The field's JSON name, for the error text.
const char* json_name(Field field) {
  switch (field) {
    case Field::sender: return "from";
    case Field::text: return "text";
    case Field::user: return "user";
    case Field::users: return "users";
    case Field::code: return "code";
    case Field::id: return "id";
    case Field::type:
    case Field::none:
    case Field::count: break;
  }
  return "?";
}

/// Longest text of a parse error that goes back on the wire: nlohmann quotes
/// the token it stopped in, which can be a whole 64 KiB string.
constexpr std::size_t max_error_detail = 200;

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
  const std::size_t total = text.size();
  text = text.substr(0, max_error_detail);
  std::string out;
  out.reserve(text.size() + 32);
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
  if (total > text.size()) out.append("... (" + std::to_string(total) + " bytes)");
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
    if (const auto end = text.find("] ");
        text.rfind("[json.", 0) == 0 && end != std::string_view::npos) {
      text.remove_prefix(end + 2);
    }
    error_ = printable(text);
    return false;
  }

  /// The Message, once the frame is judged as a whole. `judge_sender`: false
  /// where "from" is not the peer's to give (a client's frames).
  Message finish(bool judge_sender) &&;

  const std::string& error() const { return error_; }

 private:
  /// A number, boolean or null: the wrong type for every known field.
  bool scalar() {
    if (depth_ == 1) set_wrong(field_);
    if (depth_ == 2 && collecting_users_) users_ok_ = false;
    return true;
  }

  bool open(bool is_array) {
    if (depth_ == 0) top_is_object_ = !is_array;
    if (depth_ == 1) {
      collecting_users_ = is_array && field_ == Field::users;
      if (!collecting_users_) set_wrong(field_);
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
      if (users_ok_) {
        message_.users = std::move(users_);
        wrong_.reset(static_cast<std::size_t>(Field::users));
      } else {
        set_wrong(Field::users);
      }
      users_ = {};
    }
    return true;
  }

  /// The last duplicate key wins: a wrong-typed value erases an earlier right one.
  void set_wrong(Field field) {
    clear(field);
    if (field != Field::none && field != Field::type) wrong_.set(static_cast<std::size_t>(field));
  }

  void set_string(std::string&& value) {
    if (field_ == Field::users) return set_wrong(field_);
    if (field_ != Field::none) wrong_.reset(static_cast<std::size_t>(field_));
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
      case Field::users:
      case Field::none:
      case Field::count: break;
    }
  }

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
      case Field::none:
      case Field::count: break;
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
  std::bitset<static_cast<std::size_t>(Field::count)> wrong_;  ///< fields last seen wrong-typed
};

Message FrameHandler::finish(bool judge_sender) && {
  if (!top_is_object_) throw ProtocolError(ErrorCode::bad_frame, "a frame must be a JSON object");
  if (!has_type_) {
    throw ProtocolError(ErrorCode::bad_frame, "a frame needs a \"type\" that is a string");
  }
  auto judged = wrong_ & defined_fields(message_.type);
  if (!judge_sender) judged.reset(static_cast<std::size_t>(Field::sender));
  for (std::size_t i = 0; i < judged.size(); ++i) {
    if (!judged.test(i)) continue;
    const auto field = static_cast<Field>(i);
    const char* wanted = field == Field::users ? "an array of strings" : "a string";
    throw ProtocolError(ErrorCode::bad_frame, std::string("\"") + json_name(field) + "\" in a " +
                                                  message_.type + " frame must be " + wanted);
  }
  return std::move(message_);
}

/// The UTF-8 encoding of U+FEFF, which nlohmann would skip silently.
constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

Message decode_frame(std::string_view line, bool judge_sender) {
  // nlohmann's lexer takes a NUL byte for the end of input, which would let
  // `{...}\0junk` through. JSON allows no raw NUL anywhere, so refuse it here.
  if (line.find('\0') != std::string_view::npos) {
    throw ProtocolError(ErrorCode::bad_json, "not valid JSON: a raw NUL byte");
  }
  if (line.substr(0, byte_order_mark.size()) == byte_order_mark) {
    throw ProtocolError(ErrorCode::bad_json, "not valid JSON: a byte order mark (U+FEFF)");
  }
  FrameHandler handler;
  const bool parsed =
      json::sax_parse(line.begin(), line.end(), &handler, json::input_format_t::json, true);
  if (!parsed) {
    throw ProtocolError(ErrorCode::bad_json, "not valid JSON: " + handler.error());
  }
  return std::move(handler).finish(judge_sender);
}

}  // namespace

Message decode(std::string_view line) { return decode_frame(line, true); }

Message decode_from_client(std::string_view line) {
  Message message = decode_frame(line, false);
  message.sender.reset();  // the server stamps it
  return message;
}

}  // namespace chatlab
