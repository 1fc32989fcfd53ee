// cli/endpoint.hpp: "HOST:PORT" cut in two.

#include "cli/endpoint.hpp"

#include <doctest/doctest.h>

using chatlab::cli::split_host_port;

TEST_CASE("an IPv4 endpoint splits at its colon") {
  const auto parts = split_host_port("127.0.0.1:4000");
  REQUIRE(parts);
  CHECK(parts->host == "127.0.0.1");
  CHECK(parts->port == "4000");
}

TEST_CASE("an IPv6 endpoint splits at the last colon and loses its brackets") {
  const auto parts = split_host_port("[::1]:4000");
  REQUIRE(parts);
  CHECK(parts->host == "::1");
  CHECK(parts->port == "4000");
}

TEST_CASE("the halves are not judged here") {
  const auto parts = split_host_port("chat.example:");
  REQUIRE(parts);
  CHECK(parts->host == "chat.example");  // the caller refuses a name
  CHECK(parts->port.empty());            // and a missing port

  const auto bare = split_host_port("::1");  // unbracketed IPv6: the last colon still wins
  REQUIRE(bare);
  CHECK(bare->host == ":");
  CHECK(bare->port == "1");
}

TEST_CASE("text without a colon is no endpoint") {
  CHECK_FALSE(split_host_port("4000").has_value());
  CHECK_FALSE(split_host_port("").has_value());
}
