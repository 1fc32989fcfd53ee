// io/poller.hpp on pipes: readiness needs no socket. The same cases run
// against epoll and poll(2), whichever backend the build chose
// (CHATLAB_PORTABLE_IO); .ci/cpp-tests builds both.

#include "io/poller.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>

#include "io/socket.hpp"

using chatlab::io::Fd;
using chatlab::io::interest_none;
using chatlab::io::interest_read;
using chatlab::io::interest_write;
using chatlab::io::Poller;
using chatlab::io::ReadyEvent;

namespace {

/// A pipe whose ends close with it.
struct Pipe {
  Pipe() {
    int fds[2] = {-1, -1};
    REQUIRE(::pipe(fds) == 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  void put(char byte = 'x') const { REQUIRE(::write(write_end.get(), &byte, 1) == 1); }
  void take() const {
    char byte = 0;
    REQUIRE(::read(read_end.get(), &byte, 1) == 1);
  }

  Fd read_end;   ///< readable once a byte is in, or the write end closed
  Fd write_end;  ///< writable while the pipe has room
};

/// Long enough for a ready descriptor on a loaded machine; a wait that
/// should find nothing uses 0 and costs no time.
constexpr int ready_within_ms = 5000;

/// "7: writable": an event as a failed check shows it.
std::string described(const ReadyEvent& event) {
  return std::to_string(event.key) + ":" + (event.readable ? " readable" : "") +
         (event.writable ? " writable" : "");
}

/// Waits for the one ready registration a case expects, described.
std::string only_event(Poller& poller) {
  REQUIRE(poller.wait(ready_within_ms) == 1);
  return described(poller.event(0));
}

}  // namespace

TEST_CASE("a registration is quiet until its descriptor is ready") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.read_end.get(), interest_read, 42));
  CHECK(poller.wait(0) == 0);

  pipe.put();

  CHECK(only_event(poller) == "42: readable");
}

TEST_CASE("readiness is level-triggered: it lasts until the input is read") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.read_end.get(), interest_read, 1));
  pipe.put();
  CHECK(poller.wait(ready_within_ms) == 1);
  CHECK(poller.wait(ready_within_ms) == 1);

  pipe.take();

  CHECK(poller.wait(0) == 0);
}

TEST_CASE("modify changes the interest and the key") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.read_end.get(), interest_read, 1));
  pipe.put();

  poller.modify(pipe.read_end.get(), interest_none, 2);
  CHECK(poller.wait(0) == 0);  // ready, but nobody asked

  poller.modify(pipe.read_end.get(), interest_read, 3);
  CHECK(only_event(poller) == "3: readable");
}

TEST_CASE("a write interest reports room to write") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.write_end.get(), interest_write, 7));
  CHECK(only_event(poller) == "7: writable");
}

TEST_CASE("each ready registration comes with its own key") {
  Poller poller;
  Pipe first;
  Pipe second;
  REQUIRE(poller.add(first.read_end.get(), interest_read, 10));
  REQUIRE(poller.add(second.read_end.get(), interest_read, 20));
  first.put();
  second.put();

  REQUIRE(poller.wait(ready_within_ms) == 2);
  const std::set<std::string> events{described(poller.event(0)), described(poller.event(1))};
  CHECK(events == std::set<std::string>{"10: readable", "20: readable"});
}

TEST_CASE("a removed registration reports nothing more") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.read_end.get(), interest_read, 1));
  pipe.put();

  poller.remove(pipe.read_end.get());

  CHECK(poller.wait(0) == 0);
  CHECK(poller.add(pipe.read_end.get(), interest_read, 2));  // and may come back
}

TEST_CASE("a hang-up reads as readable, and as writable too") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.read_end.get(), interest_read, 5));

  pipe.write_end.reset();

  CHECK(only_event(poller) == "5: readable writable");  // reading tells which it was
}

TEST_CASE("a descriptor that is not open is refused with EBADF") {
  Poller poller;
  int closed = -1;
  {
    Pipe pipe;
    closed = pipe.read_end.get();
  }
  errno = 0;
  CHECK_FALSE(poller.add(closed, interest_read, 1));
  CHECK(errno == EBADF);
}

TEST_CASE("a descriptor registered twice is refused with EEXIST") {
  Poller poller;
  Pipe pipe;
  REQUIRE(poller.add(pipe.read_end.get(), interest_read, 1));
  errno = 0;
  CHECK_FALSE(poller.add(pipe.read_end.get(), interest_read, 2));
  CHECK(errno == EEXIST);
}
