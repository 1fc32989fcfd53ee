#pragma once
/// What a person types, cut into the chat lines chatlab-client sends.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatlab::io {

/// Cuts a byte stream into lines: one per "\n", a trailing "\r" dropped (a
/// terminal or a Windows file), empty lines skipped since an empty chat
/// text is refused. Unlike the protocol's FrameBuffer it has no size limit:
/// what a person pastes is theirs to send, and the server judges it.
class ConsoleInput {
 public:
  /// The lines that `data` completes, in order; an unterminated rest waits.
  std::vector<std::string> feed(std::string_view data);

  /// At the end of input: the unterminated rest, exactly as it came ("\r"
  /// kept), or nothing when there is none. Nothing is held afterwards.
  std::optional<std::string> finish();

 private:
  std::string pending_;  ///< bytes after the last "\n"
};

}  // namespace chatlab::io
