#include "cli/numbers.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace chatlab::cli {

std::optional<std::size_t> parse_number(const std::string& text, std::size_t low,
                                        std::size_t high) {
  // Digits only: strtoull would take a sign, spaces and "0x", and wrap "-1".
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return {};
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || value < low || value > high) return {};
  return static_cast<std::size_t>(value);
}

std::optional<double> parse_real(const std::string& text, double low, double high) {
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string::npos) return {};
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value)) return {};
  if (value < low || value > high) return {};
  return value;
}

}  // namespace chatlab::cli
