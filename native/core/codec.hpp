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
/// order, unknown fields ignored, a known field of the wrong type left absent.
/// Throws ProtocolError: bad_json for anything RFC 8259 or UTF-8 refuses (and
/// nesting deeper than max_json_depth), bad_frame for a non-object or a missing
/// or non-string "type".
Message decode(std::string_view line);

}  // namespace chatlab
