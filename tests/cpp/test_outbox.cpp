// io/outbox.hpp: a connection's pending frames in one buffer.

#include "io/outbox.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <string>

using chatlab::io::Outbox;

namespace {

/// A frame of `bytes` bytes, "\n" included, as the encoder would end it.
std::string frame(std::size_t bytes, char fill = 'x') {
  std::string text(bytes - 1, fill);
  return text + "\n";
}

}  // namespace

TEST_CASE("append queues whole frames in order") {
  Outbox outbox(1024);
  CHECK(outbox.empty());
  outbox.append("{\"a\":1}\n");
  outbox.append("{\"b\":2}\n");
  CHECK_FALSE(outbox.empty());
  CHECK(outbox.size() == 16);
  CHECK(outbox.pending() == "{\"a\":1}\n{\"b\":2}\n");
}

TEST_CASE("consume drops the oldest bytes and says when a frame is cut") {
  Outbox outbox(1024);
  outbox.append("abc\n");
  outbox.append("def\n");
  CHECK_FALSE(outbox.mid_frame());  // nothing consumed yet

  outbox.consume(2);
  CHECK(outbox.pending() == "c\ndef\n");
  CHECK(outbox.mid_frame());

  outbox.consume(2);  // the first frame, "\n" included
  CHECK(outbox.pending() == "def\n");
  CHECK_FALSE(outbox.mid_frame());
}

TEST_CASE("consuming everything empties the outbox and keeps its memory") {
  Outbox outbox(1 << 20);
  outbox.append(frame(1000));
  const std::size_t capacity = outbox.capacity();
  outbox.consume(1000);
  CHECK(outbox.empty());
  CHECK(outbox.size() == 0);
  CHECK_FALSE(outbox.mid_frame());  // a new frame starts at the front again
  CHECK(outbox.capacity() == capacity);
  outbox.append(frame(1000));  // steady fan-out allocates nothing
  CHECK(outbox.capacity() == capacity);
}

TEST_CASE("keep_inflight_frame keeps the rest of a frame partly sent, nothing more") {
  Outbox outbox(1024);
  outbox.append("first\n");
  outbox.append("second\n");
  outbox.append("third\n");
  outbox.consume(3);

  outbox.keep_inflight_frame();

  CHECK(outbox.pending() == "st\n");
  outbox.consume(3);
  CHECK(outbox.empty());
}

TEST_CASE("keep_inflight_frame at a frame boundary drops everything queued") {
  Outbox outbox(1024);
  outbox.append("first\n");
  outbox.append("second\n");

  SUBCASE("nothing sent yet") {}
  SUBCASE("the first frame sent") { outbox.consume(6); }
  outbox.keep_inflight_frame();

  CHECK(outbox.empty());
  CHECK_FALSE(outbox.mid_frame());
}

TEST_CASE("the buffer grows by doubling, but not past its cap") {
  constexpr std::size_t cap = 10000;  // not a power of two times the first block
  Outbox outbox(cap);
  std::size_t largest = 0;
  for (std::size_t queued = 0; queued + 100 <= cap; queued += 100) {
    outbox.append(frame(100));
    largest = std::max(largest, outbox.capacity());
  }
  CHECK(outbox.size() == cap);
  CHECK(largest == cap);
}

TEST_CASE("one frame larger than the cap still goes in whole") {
  Outbox outbox(100);
  outbox.append(frame(50));
  outbox.append(frame(500));
  CHECK(outbox.size() == 550);
  CHECK(outbox.capacity() >= 550);
}

TEST_CASE("the sent front is reused before the buffer grows") {
  constexpr std::size_t chunk = 64 * 1024;  // the compaction threshold
  Outbox outbox(4 * chunk);
  outbox.append(frame(chunk));
  outbox.append(frame(chunk, 'y'));
  const std::size_t capacity = outbox.capacity();
  REQUIRE(capacity < 2 * chunk + chunk / 2);  // a third frame fits only where the first was
  outbox.consume(chunk);

  outbox.append(frame(chunk / 2, 'z'));

  CHECK(outbox.capacity() == capacity);
  CHECK(outbox.pending() == frame(chunk, 'y') + frame(chunk / 2, 'z'));
}

TEST_CASE("reusing the sent front keeps track of a frame partly sent") {
  constexpr std::size_t chunk = 64 * 1024;
  Outbox outbox(4 * chunk);
  outbox.append(frame(chunk + 10));
  outbox.append(frame(chunk, 'y'));
  REQUIRE(outbox.capacity() < 3 * chunk);
  outbox.consume(chunk + 5);  // five bytes of the first frame still to go
  REQUIRE(outbox.mid_frame());

  outbox.append(frame(chunk, 'z'));  // moves the unsent bytes to the front

  CHECK(outbox.mid_frame());
  outbox.keep_inflight_frame();
  CHECK(outbox.pending() == frame(5));
}

TEST_CASE("release frees the memory of an empty outbox") {
  Outbox outbox(1 << 20);
  outbox.append(frame(100000));
  outbox.consume(100000);
  outbox.release();
  CHECK(outbox.empty());
  CHECK(outbox.capacity() == std::string().capacity());
  outbox.append("again\n");
  CHECK(outbox.pending() == "again\n");
}
