// io/console_input.hpp: typed bytes cut into the lines chatlab-client sends.

#include "io/console_input.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using chatlab::io::ConsoleInput;
using Lines = std::vector<std::string>;

TEST_CASE("each line ends at its newline") {
  ConsoleInput input;
  CHECK(input.feed("hello\n/name bob\n") == Lines{"hello", "/name bob"});
  CHECK_FALSE(input.finish().has_value());
}

TEST_CASE("a line cut across reads comes out once it is complete") {
  ConsoleInput input;
  CHECK(input.feed("hel").empty());
  CHECK(input.feed("lo wor").empty());
  CHECK(input.feed("ld\nnext") == Lines{"hello world"});
  CHECK(input.feed("\n") == Lines{"next"});
}

TEST_CASE("one trailing carriage return is dropped and empty lines are skipped") {
  ConsoleInput input;
  CHECK(input.feed("a\r\n\n\r\nb\r\r\n  \n") == Lines{"a", "b\r", "  "});
}

TEST_CASE("at the end of input the unterminated rest comes out as it is") {
  ConsoleInput input;
  CHECK(input.feed("done\nlast line, no newline\r").size() == 1);
  CHECK(input.finish() == std::string("last line, no newline\r"));
  CHECK_FALSE(input.finish().has_value());  // nothing is held afterwards
}

TEST_CASE("a line has no length limit") {
  ConsoleInput input;
  const std::string long_line(1 << 20, 'x');
  CHECK(input.feed(long_line + "\n") == Lines{long_line});
}
