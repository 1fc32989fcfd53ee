#pragma once
/// Protocol error codes (docs/protocol.md, "Error codes") and the exception that carries one.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chatlab {

/// Every refusal the protocol defines; the wire name is `code_name(code)`.
enum class ErrorCode {
  bad_json,
  bad_frame,
  unknown_type,
  unknown_command,
  bad_name,
  name_taken,
  frame_too_large,
  slow_consumer,
  server_full,
};

/// The code as it is spelled on the wire, e.g. "bad_json".
std::string_view code_name(ErrorCode code) noexcept;

/// Whether the server closes the connection after sending this error.
bool closes_connection(ErrorCode code) noexcept;

/// The human text of a refusal the I/O shell detects against a byte limit
/// (frame_too_large, slow_consumer), so no protocol wording lives in the shell.
std::string limit_text(ErrorCode code, std::size_t limit);

/// A refusal of input by Layer A: `code()` for machines, `what()` for humans.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& detail)
      : std::runtime_error(detail), code_(code) {}

  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;  ///< the docs/protocol.md code of this refusal
};

}  // namespace chatlab
