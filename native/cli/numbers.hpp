#pragma once
/// Numbers on a command line: whole ones and real ones, each within a range.

#include <cstddef>
#include <optional>
#include <string>

namespace chatlab::cli {

/// A decimal number from `low` to `high`, all digits; nothing otherwise.
std::optional<std::size_t> parse_number(const std::string& text, std::size_t low, std::size_t high);

/// A finite decimal number from `low` to `high` ("2", "-0.5", "1e3"); nothing
/// otherwise: strtod alone would skip spaces, stop at junk, take "nan" and hex.
std::optional<double> parse_real(const std::string& text, double low, double high);

}  // namespace chatlab::cli
