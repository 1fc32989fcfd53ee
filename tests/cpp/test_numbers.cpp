// cli/numbers.hpp: whole and real numbers on a command line, within a range.

#include "cli/numbers.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <limits>
#include <optional>

using chatlab::cli::parse_number;
using chatlab::cli::parse_real;

TEST_CASE("parse_number takes decimal digits within the range, ends included") {
  CHECK(parse_number("1", 1, 65535) == std::optional<std::size_t>(1));
  CHECK(parse_number("65535", 1, 65535) == std::optional<std::size_t>(65535));
  CHECK(parse_number("007", 0, 10) == std::optional<std::size_t>(7));
  const std::size_t most = std::numeric_limits<std::size_t>::max();
  CHECK(parse_number("18446744073709551615", 0, most) == std::optional<std::size_t>(most));
}

TEST_CASE("parse_number refuses what strtoull would bend") {
  for (const char* text : {"", " 1", "1 ", "+1", "-1", "0x10", "1e3", "1.0", "12a"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_number(text, 0, 1000).has_value());
  }
}

TEST_CASE("parse_number refuses numbers out of the range or of any integer") {
  CHECK_FALSE(parse_number("0", 1, 65535).has_value());
  CHECK_FALSE(parse_number("65536", 1, 65535).has_value());
  CHECK_FALSE(parse_number("18446744073709551616", 0, 10).has_value());  // ERANGE
}

TEST_CASE("parse_real takes decimal and exponent forms within the range") {
  CHECK(parse_real("2", 0, 10) == std::optional<double>(2.0));
  CHECK(parse_real("-0.5", -1, 1) == std::optional<double>(-0.5));
  CHECK(parse_real("1e3", 0, 3600) == std::optional<double>(1000.0));
  CHECK(parse_real(".25", 0, 1) == std::optional<double>(0.25));
  CHECK(parse_real("0", 0, 1) == std::optional<double>(0.0));  // the low end is allowed
}

TEST_CASE("parse_real refuses what strtod alone would take") {
  for (const char* text : {"", " 1", "1 ", "1x", "nan", "inf", "0x1p3", "1e", "--1", "1e999"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_real(text, -1e9, 1e9).has_value());
  }
}

TEST_CASE("parse_real refuses numbers out of the range") {
  CHECK_FALSE(parse_real("-0.1", 0, 1).has_value());
  CHECK_FALSE(parse_real("3600.5", 0, 3600).has_value());
}
