#pragma once
/// argv read as options: "--name value" and "--name=value".

#include <optional>
#include <string>

namespace chatlab::cli {

/// argv as a sequence of options. "--name=value" is split when it is read;
/// "--name value" takes its value from the next argument when asked for it.
class Arguments {
 public:
  /// `argv` must outlive this reader: it keeps the pointer, not a copy.
  Arguments(int argc, char** argv) noexcept : argc_(argc), argv_(argv) {}

  /// Moves to the next argument; false after the last.
  bool next();

  /// The current argument, without any "=value".
  const std::string& name() const noexcept { return name_; }

  /// Whether the current argument carried "=value" (so it is not a flag).
  bool has_inline_value() const noexcept { return inline_value_.has_value(); }

  /// The current option's value: after '=', else the next argument, which
  /// is then consumed. Throws UsageError when there is none.
  std::string value();

 private:
  int argc_;                                 ///< as main() got it
  char** argv_;                              ///< as main() got it
  int index_ = 0;                            ///< the current argument; argv_[0] is the program
  std::string name_;                         ///< the current argument up to any '='
  std::optional<std::string> inline_value_;  ///< what followed '=', if anything
};

}  // namespace chatlab::cli
