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

}  // namespace chatlab
