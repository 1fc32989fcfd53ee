// kv-server: argument parsing around the event loop. It announces its address
// on stderr in its own words and prints nothing on stdout.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "server/listener.hpp"
#include "server/options.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  using namespace kv::server;
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const UsageError& error) {
    std::fprintf(stderr, "kv-server: %s\n%s", error.what(), usage().c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(usage().c_str(), stderr);
    return 0;
  }
  // Blocked before anything else: they arrive through the loop's signalfd.
  sigset_t stops;
  sigemptyset(&stops);
  sigaddset(&stops, SIGTERM);
  sigaddset(&stops, SIGINT);
  sigprocmask(SIG_BLOCK, &stops, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const Listener listener = open_listener(options);
    Server server(listener.fd, options.limits, options.max_outbound_bytes);
    std::fprintf(stderr, "kv-server: listening on %s%s\n", local_address(listener.fd).c_str(),
                 listener.activated ? " (socket activation)" : "");
    const int stopped_by = server.run();
    std::fprintf(stderr, "kv-server: stopped by %s\n", stopped_by == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kv-server: %s\n", error.what());
    return 1;
  }
}
