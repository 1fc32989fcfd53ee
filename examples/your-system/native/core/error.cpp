#include "core/error.hpp"

#include <array>
#include <utility>

namespace kv {
namespace {

/// The one table of codes and their wire names; the enum's order.
constexpr std::array<std::pair<ErrorCode, std::string_view>, 13> names{{
    {ErrorCode::bad_json, "bad_json"},
    {ErrorCode::not_an_object, "not_an_object"},
    {ErrorCode::duplicate_field, "duplicate_field"},
    {ErrorCode::missing_field, "missing_field"},
    {ErrorCode::bad_field_type, "bad_field_type"},
    {ErrorCode::unknown_op, "unknown_op"},
    {ErrorCode::line_too_long, "line_too_long"},
    {ErrorCode::key_too_long, "key_too_long"},
    {ErrorCode::value_too_long, "value_too_long"},
    {ErrorCode::too_many_keys, "too_many_keys"},
    {ErrorCode::too_many_watches, "too_many_watches"},
    {ErrorCode::server_full, "server_full"},
    {ErrorCode::slow_consumer, "slow_consumer"},
}};

}  // namespace

std::string_view code_name(ErrorCode code) noexcept {
  for (const auto& [each, name] : names) {
    if (each == code) return name;
  }
  return "unknown";
}

ErrorCode code_named(std::string_view name) {
  std::string known;
  for (const auto& [code, each] : names) {
    if (each == name) return code;
    known += known.empty() ? "" : ", ";
    known += each;
  }
  throw std::invalid_argument("no error code is named \"" + std::string(name) +
                              "\"; the codes are " + known);
}

std::vector<ErrorCode> all_codes() {
  std::vector<ErrorCode> codes;
  codes.reserve(names.size());
  for (const auto& entry : names) codes.push_back(entry.first);
  return codes;
}

bool closes_connection(ErrorCode code) noexcept {
  // The line stream cannot be trusted past an oversized line, and the other
  // two are about the connection itself, not one request.
  return code == ErrorCode::line_too_long || code == ErrorCode::server_full ||
         code == ErrorCode::slow_consumer;
}

}  // namespace kv
