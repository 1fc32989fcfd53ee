// chatlab-soak's command line; soak.hpp says what a run does.

#include <limits>
#include <string>

#include "bench/options.hpp"
#include "bench/soak.hpp"
#include "cli/arguments.hpp"
#include "cli/numbers.hpp"
#include "cli/usage.hpp"
#include "io/process.hpp"

namespace {

using chatlab::bench::soak::Options;
using chatlab::cli::UsageError;

constexpr const char* usage =
    "usage: chatlab-soak --connect HOST:PORT [--clients 500] [--duration 60] [--rate 1]\n"
    "                    [--text-bytes 120] [--warmup 10] [--slow-at -1]\n"
    "                    [--max-outbound-bytes 1048576] [--drain-timeout 10] [--seed 1]\n"
    "                    [--hold 0]\n";

/// Reads one of the soak's own options into `o`: false for a name it does
/// not know, a UsageError for a value that is missing or out of its range.
bool read_option(Options& o, const std::string& name, chatlab::cli::Arguments& arguments) {
  using chatlab::bench::count_option;
  using chatlab::bench::Low;
  using chatlab::bench::real_option;
  constexpr double hour = 3600;  // the longest any of the times may be
  if (name == "--clients") {
    o.clients = count_option(name, arguments.value(), 2, 100000);
  } else if (name == "--duration") {
    o.duration_s = real_option(name, arguments.value(), 0, hour, Low::open);
  } else if (name == "--rate") {
    o.rate = real_option(name, arguments.value(), 0, 1000, Low::open);
  } else if (name == "--text-bytes") {
    o.text_bytes = count_option(name, arguments.value(), 40, 4096);
  } else if (name == "--warmup") {
    o.warmup_s = real_option(name, arguments.value(), 0, hour);
  } else if (name == "--slow-at") {
    // Any negative number means no slow reader, as -1 does.
    const std::string value = arguments.value();
    const auto at = chatlab::cli::parse_real(value, -std::numeric_limits<double>::max(), hour);
    if (!at) {
      throw UsageError(name + " takes a number up to 3600 (negative: none), not '" + value + "'");
    }
    o.slow_at_s = *at;
  } else if (name == "--max-outbound-bytes") {
    // The server takes any size; past 1 TiB the cap estimate's sums could wrap.
    o.max_outbound = count_option(name, arguments.value(), 1, std::size_t{1} << 40);
  } else if (name == "--drain-timeout") {
    o.drain_timeout_s = real_option(name, arguments.value(), 0, hour);
  } else if (name == "--seed") {
    o.seed = static_cast<unsigned>(
        count_option(name, arguments.value(), 0, std::numeric_limits<unsigned>::max()));
  } else if (name == "--hold") {
    o.hold = count_option(name, arguments.value(), 0, 1) != 0;
  } else {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const auto status =
          chatlab::bench::parse_or_exit("chatlab-soak", usage, argc, argv, options, read_option)) {
    return *status;
  }
  chatlab::io::raise_fd_limit();  // C clients need C descriptors
  chatlab::bench::soak::Soak soak(options);
  return soak.run();
}
