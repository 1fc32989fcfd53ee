#pragma once
/// The refusals of the protocol (PROTOCOL.md, "Error codes") and the exception that carries one.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

/// Every refusal the protocol defines; the wire name is `code_name(code)`.
enum class ErrorCode {
  bad_json,
  not_an_object,
  duplicate_field,
  missing_field,
  bad_field_type,
  unknown_op,
  line_too_long,
  key_too_long,
  value_too_long,
  too_many_keys,
  too_many_watches,
  server_full,
  slow_consumer,
};

/// The code as it is spelled on the wire, e.g. "bad_json".
std::string_view code_name(ErrorCode code) noexcept;

/// The code spelled `name`, or throws std::invalid_argument naming the known ones.
ErrorCode code_named(std::string_view name);

/// Every code, in the order of the enum (PROTOCOL.md lists them in this order).
std::vector<ErrorCode> all_codes();

/// Whether the server closes the connection after sending this error.
bool closes_connection(ErrorCode code) noexcept;

/// A refusal of input by the core: `code()` for machines, `what()` for people.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& text) : std::runtime_error(text), code_(code) {}

  /// The PROTOCOL.md code of this refusal.
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;  ///< what was refused, for machines
};

}  // namespace kv
