// libFuzzer target: the reassembler and the room together, driven by a
// script the fuzzer writes. Sessions join and leave in any order, and each
// sends arbitrary bytes cut at arbitrary points, as the server would feed
// them. After every step the room's invariants must hold:
//   - every effect's message encodes to a frame that decodes back to it;
//   - an error effect goes to its session alone, with a code and a text;
//   - members' names are valid, unique ignoring case, and never reserved
//     unless they are the member's own guest name;
//   - the room never holds more members than its limit.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "core/codec.hpp"
#include "core/framer.hpp"
#include "core/names.hpp"
#include "core/room.hpp"

namespace {

constexpr std::size_t max_members = 4;
constexpr std::size_t max_frame_bytes = 512;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_effects(const std::vector<chatlab::Outgoing>& effects) {
  for (const chatlab::Outgoing& out : effects) {
    std::string frame = chatlab::encode(out.message);
    frame.pop_back();
    check(chatlab::decode(frame) == out.message);
    if (out.message.type == "error") {
      check(out.target == chatlab::Target::One);
      check(out.message.code.has_value() && out.message.text.has_value());
    }
  }
}

void check_names(const chatlab::Room& room) {
  std::set<std::string> folded;
  for (const std::string& name : room.names()) {
    check(chatlab::is_valid_name(name));
    check(folded.insert(chatlab::fold_name(name)).second);
  }
  check(room.size() <= max_members);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  chatlab::Room room(max_members);
  std::map<chatlab::SessionId, chatlab::FrameBuffer> connections;
  while (input.remaining_bytes() > 0) {
    const auto session = input.ConsumeIntegralInRange<chatlab::SessionId>(1, 6);
    switch (input.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        if (connections.count(session) == 0) {
          const auto effects = room.join(session);
          check_effects(effects);
          if (room.is_member(session)) connections.emplace(session, max_frame_bytes);
        }
        break;
      case 1:
        check_effects(room.leave(session));
        connections.erase(session);
        break;
      default: {
        const auto found = connections.find(session);
        const std::string chunk = input.ConsumeRandomLengthString(2 * max_frame_bytes);
        if (found == connections.end()) break;
        for (const std::string& line : found->second.feed(chunk)) {
          check_effects(room.handle_line(session, line));
        }
        if (found->second.overflowed()) {
          check_effects(chatlab::Room::refuse(session, chatlab::ErrorCode::frame_too_large, "x"));
          check_effects(room.leave(session));
          connections.erase(found);
        }
      }
    }
    check_names(room);
  }
  return 0;
}
