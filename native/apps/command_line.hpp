#pragma once
/// What the executables share about their command lines: the error, reading
/// `--name value` and `--name=value`, numbers, and the exit statuses.

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace chatlab::apps {

/// A bad command line: the message, then the usage, on stderr; exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// argv as a sequence of options. "--name=value" is split when it is read;
/// "--name value" takes its value from the next argument when asked for it.
class Arguments {
 public:
  Arguments(int argc, char** argv) noexcept : argc_(argc), argv_(argv) {}

  /// Moves to the next argument; false after the last.
  bool next() {
    if (++index_ >= argc_) return false;
    name_ = argv_[index_];
    inline_value_.reset();
    if (const auto equals = name_.find('=');
        name_.rfind("--", 0) == 0 && equals != std::string::npos) {
      inline_value_ = name_.substr(equals + 1);
      name_.resize(equals);
    }
    return true;
  }

  /// The current argument, without any "=value".
  const std::string& name() const noexcept { return name_; }

  /// Whether the current argument carried "=value" (so it is not a flag).
  bool has_inline_value() const noexcept { return inline_value_.has_value(); }

  /// The current option's value: after '=', else the next argument.
  std::string value() {
    if (inline_value_) return *inline_value_;
    if (index_ + 1 >= argc_) throw UsageError("missing value for " + name_);
    return argv_[++index_];
  }

 private:
  int argc_;                                 ///< as main() got it
  char** argv_;                              ///< as main() got it
  int index_ = 0;                            ///< the current argument; argv_[0] is the program
  std::string name_;                         ///< the current argument up to any '='
  std::optional<std::string> inline_value_;  ///< what followed '=', if anything
};

/// A decimal number from `low` to `high`, all digits; nothing otherwise.
inline std::optional<std::size_t> parse_number(const std::string& text, std::size_t low,
                                               std::size_t high) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return {};
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || value < low || value > high) return {};
  return static_cast<std::size_t>(value);
}

/// A finite decimal number from `low` to `high` ("2", "-0.5", "1e3"); nothing
/// otherwise: strtod alone would skip spaces, stop at junk, take "nan" and hex.
inline std::optional<double> parse_real(const std::string& text, double low, double high) {
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string::npos) return {};
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value)) return {};
  if (value < low || value > high) return {};
  return value;
}

/// Runs `parse`, which returns true when --help was asked for. Returns the
/// exit status when the program ends here: 2 after a UsageError (the message
/// and the usage on stderr), 0 after --help (the usage on stdout).
template <class Parse>
std::optional<int> exit_after_parsing(const char* program, const char* usage, Parse&& parse) {
  try {
    if (!parse()) return std::nullopt;
  } catch (const UsageError& error) {
    std::fprintf(stderr, "%s: %s\n%s", program, error.what(), usage);
    return 2;
  }
  std::fputs(usage, stdout);
  return 0;
}

}  // namespace chatlab::apps
