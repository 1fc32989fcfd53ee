// Times Layer A's hot calls in a tight C++ loop: the floor that
// tests/bench/bench_core.py compares the same calls from Python against.
// Prints one JSON object: operation -> median nanoseconds per call.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "core/room.hpp"

namespace {

/// A 60-byte chat frame, as a client sends it (without the newline).
constexpr std::string_view chat_frame =
    R"({"type":"chat","text":"a chat line of sixty bytes, no more"})";
static_assert(chat_frame.size() == 60);

volatile std::size_t sink;  ///< keeps the optimizer from dropping the work

template <class Body>
double median_ns_per_call(Body body, int calls = 200000, int rounds = 7) {
  std::vector<double> per_call;
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) sink = sink + body();
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    per_call.push_back(took.count() / calls);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

}  // namespace

int main() {
  chatlab::Room room;
  for (chatlab::SessionId session = 1; session <= 3; ++session) room.join(session);
  const chatlab::Message chat = chatlab::decode(chat_frame);

  const double handle = median_ns_per_call([&] { return room.handle_message(1, chat).size(); });
  const double decode = median_ns_per_call([&] { return chatlab::decode(chat_frame).type.size(); });
  const double encode = median_ns_per_call([&] { return chatlab::encode(chat).size(); });
  std::printf("{\"handle_message\": %.1f, \"decode\": %.1f, \"encode\": %.1f}\n", handle, decode,
              encode);
}
