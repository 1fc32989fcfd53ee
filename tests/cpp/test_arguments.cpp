// cli/arguments.hpp: argv read as "--name value" and "--name=value".

#include "cli/arguments.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/usage.hpp"

using chatlab::cli::Arguments;
using chatlab::cli::UsageError;
using Words = std::vector<std::string>;

namespace {

/// argv as main() gets it, the program's name first, kept alive for the reader.
struct Argv {
  explicit Argv(Words given) : words(std::move(given)) {
    words.insert(words.begin(), "program");
    for (std::string& word : words) pointers.push_back(word.data());
  }
  Arguments arguments() { return {static_cast<int>(pointers.size()), pointers.data()}; }

  Words words;                  ///< the arguments' text
  std::vector<char*> pointers;  ///< what main() gets
};

/// Reads every argument as the programs do: a name in `valued` takes a value
/// and reads as "name=value" however it was given; any other name reads as
/// itself, with " (inline)" when it carried "=value" (so it is no flag).
Words read_all(Words given, const std::set<std::string>& valued) {
  Argv argv(std::move(given));
  Arguments arguments = argv.arguments();
  Words read;
  while (arguments.next()) {
    const std::string name = arguments.name();
    if (valued.count(name) != 0) {
      read.push_back(name + "=" + arguments.value());
    } else {
      read.push_back(name + (arguments.has_inline_value() ? " (inline)" : ""));
    }
  }
  return read;
}

}  // namespace

TEST_CASE("the program's own name is not an argument") { CHECK(read_all({}, {}).empty()); }

TEST_CASE("a value comes from the next argument, which is then consumed") {
  CHECK(read_all({"--port", "4000", "--help"}, {"--port"}) == Words{"--port=4000", "--help"});
  CHECK(read_all({"--host", "--port"}, {"--host"}) == Words{"--host=--port"});
}

TEST_CASE("--name=value splits at the first '=' and reads no further argument") {
  CHECK(read_all({"--host=::1", "--text=a=b", "--port=1", "--x"}, {"--host", "--text", "--port"}) ==
        Words{"--host=::1", "--text=a=b", "--port=1", "--x"});
}

TEST_CASE("an empty inline value is still a value, so the option is no flag") {
  CHECK(read_all({"--empty=", "--flag"}, {}) == Words{"--empty (inline)", "--flag"});
  CHECK(read_all({"--empty="}, {"--empty"}) == Words{"--empty="});
}

TEST_CASE("only a long option splits: a short one and a positional stay whole") {
  CHECK(read_all({"-p=1", "host:1=2"}, {}) == Words{"-p=1", "host:1=2"});
}

TEST_CASE("a missing value is a usage error naming the option") {
  Argv argv({"--port"});
  Arguments arguments = argv.arguments();
  REQUIRE(arguments.next());
  CHECK_THROWS_WITH_AS(arguments.value(), "missing value for --port", UsageError);
}
