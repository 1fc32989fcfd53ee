// io/console_render.hpp: what chatlab-client prints for each received frame.
// tests/e2e/test_chatlab_client.py pins the same lines end to end.

#include "io/console_render.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/codec.hpp"

using chatlab::decode;
using chatlab::io::render_for_console;

namespace {

std::string rendered(const char* frame) { return render_for_console(decode(frame)); }

}  // namespace

TEST_CASE("each server frame type has its human form") {
  CHECK(rendered(R"({"from":"bob","text":"hi","type":"chat"})") == "<bob> hi");
  CHECK(rendered(R"({"from":"server","text":"welcome, guest-1","type":"notice"})") ==
        "-- server: welcome, guest-1");
  CHECK(rendered(R"({"type":"join","user":"bob"})") == "* bob joined");
  CHECK(rendered(R"({"type":"leave","user":"bob"})") == "* bob left");
  CHECK(rendered(R"({"type":"roster","users":["alice","bob"]})") == "* users: alice, bob");
  CHECK(rendered(R"({"code":"bad_name","text":"no","type":"error"})") == "! error bad_name: no");
}

TEST_CASE("an empty roster is a line all the same") {
  CHECK(rendered(R"({"type":"roster","users":[]})") == "* users: ");
}

TEST_CASE("a field missing from a known type is shown as a placeholder") {
  CHECK(rendered(R"({"type":"chat"})") == "<?> ");
  CHECK(rendered(R"({"type":"notice","text":"x"})") == "-- server: x");
  CHECK(rendered(R"({"type":"join"})") == "* ? joined");
  CHECK(rendered(R"({"type":"error"})") == "! error ?: ");
  CHECK(rendered(R"({"type":"roster"})") == "* users: ");
}

TEST_CASE("a type the console does not know is shown as its canonical frame") {
  CHECK(rendered(R"({"type":"shout", "text":"HI", "extra":1})") ==
        R"({"text":"HI","type":"shout"})");
  CHECK(rendered(R"({"id":"k","type":"sync"})") == R"({"id":"k","type":"sync"})");
}
