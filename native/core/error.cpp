#include "core/error.hpp"

namespace chatlab {

std::string_view code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::bad_json: return "bad_json";
    case ErrorCode::bad_frame: return "bad_frame";
    case ErrorCode::unknown_type: return "unknown_type";
    case ErrorCode::unknown_command: return "unknown_command";
    case ErrorCode::bad_name: return "bad_name";
    case ErrorCode::name_taken: return "name_taken";
    case ErrorCode::frame_too_large: return "frame_too_large";
    case ErrorCode::slow_consumer: return "slow_consumer";
    case ErrorCode::server_full: return "server_full";
  }
  return "unknown";
}

bool closes_connection(ErrorCode code) noexcept {
  return code == ErrorCode::frame_too_large || code == ErrorCode::slow_consumer ||
         code == ErrorCode::server_full;
}

std::string limit_text(ErrorCode code, std::size_t limit) {
  const std::string bytes = std::to_string(limit) + " bytes";
  switch (code) {
    case ErrorCode::frame_too_large: return "a frame passed the limit of " + bytes;
    case ErrorCode::slow_consumer: return "pending output passed the limit of " + bytes;
    default: return std::string(code_name(code)) + " (limit " + bytes + ")";
  }
}

}  // namespace chatlab
