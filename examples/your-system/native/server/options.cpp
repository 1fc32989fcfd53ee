#include "server/options.hpp"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <map>
#include <string_view>

namespace kv::server {
namespace {

/// The decimal number `text`, at least 1 (at least 0 if `zero_ok`), at most `max`.
std::size_t number(const std::string& flag, const std::string& text, std::size_t max,
                   bool zero_ok = false) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || errno != 0 || *end != '\0' || value > max || (value == 0 && !zero_ok)) {
    throw UsageError(flag + " takes a whole number from " + (zero_ok ? "0" : "1") + " to " +
                     std::to_string(max) + ", not \"" + text + "\"");
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

std::string usage() {
  return "usage: kv-server [--host ADDR] [--port N] [--max-line-bytes N] [--max-key-bytes N]\n"
         "                 [--max-value-bytes N] [--max-keys N] [--max-watches N]\n"
         "                 [--max-connections N] [--max-outbound-bytes N]\n"
         "A key-value store with watches, one JSON object per line (PROTOCOL.md).\n"
         "--port 0 (the default) lets the kernel pick; the address is announced on stderr as\n"
         "\"kv-server: listening on HOST:PORT\". With LISTEN_FDS=1 and LISTEN_PID set to its\n"
         "pid (socket activation), it serves the listening socket at fd 3 instead.\n";
}

Options parse_options(int argc, char** argv) {
  Options options;
  constexpr std::size_t big = std::numeric_limits<std::uint32_t>::max();
  const std::map<std::string_view, std::size_t*> sizes{
      {"--max-line-bytes", &options.limits.max_line_bytes},
      {"--max-key-bytes", &options.limits.max_key_bytes},
      {"--max-value-bytes", &options.limits.max_value_bytes},
      {"--max-keys", &options.limits.max_keys},
      {"--max-watches", &options.limits.max_watches},
      {"--max-connections", &options.limits.max_sessions},
      {"--max-outbound-bytes", &options.max_outbound_bytes},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(flag + " needs a value, or is unknown");
    const std::string value = argv[++i];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      options.port = static_cast<std::uint16_t>(number(flag, value, 65535, true));
    } else if (const auto found = sizes.find(flag); found != sizes.end()) {
      *found->second = number(flag, value, big);
    } else {
      throw UsageError("unknown option " + flag);
    }
  }
  return options;
}

}  // namespace kv::server
