#pragma once
/// The C++ client: requests out on the caller's thread, replies and notifications in on its own.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/messages.hpp"

namespace kv::client {

/// What the receive thread calls, in the order the lines arrived; any may be empty.
struct Callbacks {
  /// A reply, to the requests in the order they were sent (an error included).
  std::function<void(const Reply&)> on_reply;
  /// A watched key changed; no value: it was deleted.
  std::function<void(const std::string& key, const std::optional<std::string>& value)> on_changed;
  /// The connection is over, and why; called once, last, after a successful connect.
  std::function<void(const std::string& reason)> on_closed;
};

/// One connection to a kv-server and its receive thread.
///
/// `disconnect()` may be called from any thread, a callback included, and
/// twice. The object may even be destroyed inside its own callback: the
/// receive thread shares the connection's state and ends on its own.
class Client {
 public:
  explicit Client(Callbacks callbacks);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Connects (blocking, for at most `timeout`) and starts the receive thread;
  /// throws std::runtime_error.
  void connect(const std::string& host, std::uint16_t port,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Writes one request (blocking while the server does not read); throws if not connected.
  void send(const Request& request);

  void set(const std::string& key, const std::string& value) { send(Request{Op::set, key, value}); }
  void get(const std::string& key) { send(Request{Op::get, key, {}}); }
  void del(const std::string& key) { send(Request{Op::del, key, {}}); }
  void watch(const std::string& key) { send(Request{Op::watch, key, {}}); }
  void unwatch(const std::string& key) { send(Request{Op::unwatch, key, {}}); }
  void ping() { send(Request{Op::ping, {}, {}}); }

  /// Ends the connection; on_closed follows with "disconnected". Idempotent.
  void disconnect();

  /// Whether the connection is up (false once on_closed is due).
  bool connected() const;

  /// Whether the caller is the receive thread (inside a callback).
  bool on_receive_thread() const { return receiver_.get_id() == std::this_thread::get_id(); }

 private:
  struct State;
  std::shared_ptr<State> state_;  ///< shared with the receive thread, which may outlive us
  std::thread receiver_;          ///< reads lines and calls the callbacks
};

}  // namespace kv::client
