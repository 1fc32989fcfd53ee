#include "core/names.hpp"

#include <algorithm>

namespace chatlab {
namespace {

constexpr std::size_t max_name_length = 32;
constexpr std::string_view guest_prefix = "guest-";

bool is_name_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

char fold_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

bool is_valid_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_name_length &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

bool is_reserved_name(std::string_view name) noexcept {
  const std::string folded = fold_name(name);
  if (folded == "server") return true;
  const std::string_view view = folded;
  return view.size() > guest_prefix.size() && view.substr(0, guest_prefix.size()) == guest_prefix &&
         std::all_of(view.begin() + static_cast<std::ptrdiff_t>(guest_prefix.size()), view.end(),
                     is_digit);
}

std::string fold_name(std::string_view name) {
  std::string folded(name);
  std::transform(folded.begin(), folded.end(), folded.begin(), fold_char);
  return folded;
}

std::string guest_name(std::uint64_t n) { return std::string(guest_prefix) + std::to_string(n); }

}  // namespace chatlab
