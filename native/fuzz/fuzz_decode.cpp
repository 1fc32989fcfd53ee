// libFuzzer target: any bytes through decode. A refusal must be a
// ProtocolError with a code; an accepted frame must survive encode and decode
// unchanged, and its canonical bytes must be a fixed point.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/codec.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  chatlab::Message message;
  try {
    message = chatlab::decode(line);
  } catch (const chatlab::ProtocolError&) {
    return 0;
  }
  std::string frame = chatlab::encode(message);
  frame.pop_back();  // the newline
  if (chatlab::decode(frame) != message) std::abort();
  std::string again = chatlab::encode(chatlab::decode(frame));
  again.pop_back();
  if (again != frame) std::abort();
  return 0;
}
