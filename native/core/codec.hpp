#pragma once
/// The two directions between a Message and the bytes of one frame.

#include <string>
#include <string_view>

#include "core/message.hpp"

namespace chatlab {

/// Deepest JSON nesting a frame may have; the outermost value is level 1.
inline constexpr int max_json_depth = 32;

/// The canonical frame (compact, keys sorted, raw UTF-8), ending in "\n".
std::string encode(const Message& message);

/// Appends the canonical frame of `message` to `out`, so fan-out can reuse a buffer.
void encode_into(const Message& message, std::string& out);

/// Parses one frame (without its "\n"). Liberal: any valid JSON object, any key
/// order, unknown fields ignored, and so is a field the frame's type does not
/// define (left absent if it has the wrong type). Throws ProtocolError:
/// bad_json for anything RFC 8259 or UTF-8 refuses (a byte order mark and
/// nesting deeper than max_json_depth included), bad_frame for a non-object, a
/// missing or non-string "type", or a field the type defines with the wrong
/// JSON type (docs/protocol.md, "Field types").
Message decode(std::string_view line);

/// decode() as the server reads a client's frame: "from" is the server's to
/// stamp, so it is never judged, whatever its type, and always left absent.
Message decode_from_client(std::string_view line);

}  // namespace chatlab
