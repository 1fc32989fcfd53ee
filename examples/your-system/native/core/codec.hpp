#pragma once
/// The wire format (PROTOCOL.md): one JSON object per line, both directions.

#include <string>
#include <string_view>

#include "core/messages.hpp"

namespace kv {

/// The request on `line` (no "\n"), or throws ProtocolError saying what is wrong.
Request decode_request(std::string_view line);

/// The reply on `line` (no "\n"), or throws ProtocolError (a client reading a server).
Reply decode_reply(std::string_view line);

/// The canonical line of a request or a reply: compact, keys sorted, "\n" at the end.
std::string encode(const Request& request);
std::string encode(const Reply& reply);

}  // namespace kv
