#pragma once
/// What a bad command line costs: the error, the output and the exit status.

#include <cstdio>
#include <optional>
#include <stdexcept>

namespace chatlab::cli {

/// A bad command line: the message, then the usage, on stderr; exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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

}  // namespace chatlab::cli
