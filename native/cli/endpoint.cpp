#include "cli/endpoint.hpp"

namespace chatlab::cli {

std::optional<HostPort> split_host_port(const std::string& text) {
  // The last colon: an IPv6 host holds colons of its own, the port none.
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  HostPort parts;
  parts.host = text.substr(0, colon);
  parts.port = text.substr(colon + 1);
  std::string& host = parts.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return parts;
}

}  // namespace chatlab::cli
