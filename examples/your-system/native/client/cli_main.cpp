// kv-cli HOST PORT: requests from stdin, one per line ("set KEY VALUE", "get KEY",
// "del KEY", "watch KEY", "unwatch KEY", "ping"); every line the server sends is
// printed on stdout as it came. At the end of stdin it waits for the last reply.
// Exit status 1 if a request was refused (by kv-cli or by the server) or the
// connection ended before every reply came; 0 otherwise.
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

#include "client/client.hpp"
#include "core/codec.hpp"
#include "core/error.hpp"

namespace {

/// Counts the replies still due, so that the end of stdin waits for them.
struct Pending {
  std::mutex mutex;               ///< guards the two below
  std::condition_variable ready;  ///< signalled on each reply and on close
  long due = 0;                   ///< requests sent, not yet answered
  bool closed = false;            ///< the connection is over
  bool refused = false;           ///< a request was refused
};

/// The request a command line asks for, or false if it is no command.
bool parse(const std::string& text, kv::Request& request) {
  std::istringstream words(text);
  std::string op;
  words >> op >> request.key;
  std::getline(words >> std::ws, request.value);
  try {
    request.op = kv::op_named(op);
  } catch (const kv::ProtocolError&) {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: kv-cli HOST PORT   (then requests on stdin, e.g. \"set a 1\")\n", stderr);
    return 2;
  }
  Pending pending;
  std::mutex print;
  kv::client::Callbacks callbacks;
  callbacks.on_reply = [&](const kv::Reply& reply) {
    {
      const std::lock_guard<std::mutex> lock(print);
      std::fputs(kv::encode(reply).c_str(), stdout);
      std::fflush(stdout);
    }
    const std::lock_guard<std::mutex> lock(pending.mutex);
    --pending.due;
    pending.refused = pending.refused || reply.kind == kv::ReplyKind::error;
    pending.ready.notify_all();
  };
  callbacks.on_changed = [&](const std::string& key, const std::optional<std::string>& value) {
    const std::lock_guard<std::mutex> lock(print);
    std::fputs(kv::encode(kv::Reply::changed(key, value)).c_str(), stdout);
    std::fflush(stdout);
  };
  callbacks.on_closed = [&](const std::string& reason) {
    std::fprintf(stderr, "kv-cli: %s\n", reason.c_str());
    const std::lock_guard<std::mutex> lock(pending.mutex);
    pending.closed = true;
    pending.ready.notify_all();
  };
  kv::client::Client client(callbacks);
  try {
    client.connect(argv[1], static_cast<std::uint16_t>(std::stoul(argv[2])));
    for (std::string text; std::getline(std::cin, text);) {
      kv::Request request;
      if (!parse(text, request)) {
        std::fprintf(stderr, "kv-cli: not a request: %s\n", text.c_str());
        const std::lock_guard<std::mutex> lock(pending.mutex);
        pending.refused = true;
        continue;
      }
      {
        const std::lock_guard<std::mutex> lock(pending.mutex);
        ++pending.due;
      }
      client.send(request);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kv-cli: %s\n", error.what());
    return 1;
  }
  std::unique_lock<std::mutex> lock(pending.mutex);
  pending.ready.wait(lock, [&] { return pending.due <= 0 || pending.closed; });
  return pending.due > 0 || pending.refused ? 1 : 0;
}
