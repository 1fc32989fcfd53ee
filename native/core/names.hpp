#pragma once
/// The naming rules of docs/protocol.md ("Names"), as pure predicates.

#include <cstdint>
#include <string>
#include <string_view>

namespace chatlab {

/// 1 to 32 characters from A-Z a-z 0-9 _ - .
bool is_valid_name(std::string_view name) noexcept;

/// "server" and "guest-<digits>", in any letter case.
bool is_reserved_name(std::string_view name) noexcept;

/// The ASCII lower-case form names are compared by.
std::string fold_name(std::string_view name);

/// "guest-N", the name a newcomer gets.
std::string guest_name(std::uint64_t n);

}  // namespace chatlab
