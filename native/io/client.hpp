#pragma once
/// The chat client's I/O shell: one TCP connection, a receive thread, callbacks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/message.hpp"

namespace chatlab::io {

/// Largest server frame the client reassembles. Far above anything a
/// conforming server sends (a roster of 1,024 names is ~35 KB), so only a
/// broken server reaches it.
inline constexpr std::size_t default_max_server_frame_bytes = std::size_t{1} << 20;

/// Why a client's connection ended; on_close gets it exactly once.
enum class CloseReason {
  disconnected,     ///< disconnect() on this side
  server_closed,    ///< end of file from the server
  failed,           ///< reset or another socket error (the detail says which)
  frame_too_large,  ///< the server sent a line longer than the client's limit
};

/// "disconnected", "closed by the server", ...: for logs and Python.
const char* describe(CloseReason reason) noexcept;

/// What the receive thread reports. All run on the receive thread, one at a
/// time, in the order events happen. They must not throw: an exception that
/// escapes one is swallowed, so it costs one event, not the process (the
/// bindings catch their own first, to hand them to Python).
struct ClientCallbacks {
  /// A frame that decoded, in arrival order.
  std::function<void(Message message)> on_message;
  /// A line that did not decode (Layer A said why); the stream goes on.
  std::function<void(const std::string& line, const ProtocolError& error)> on_invalid;
  /// The connection ended; `detail` names a socket error, else it is empty.
  std::function<void(CloseReason reason, const std::string& detail)> on_close;
};

/// A connection to a chat server. Bytes in, Layer A's FrameBuffer and decode,
/// Messages out through the callbacks; Messages in, Layer A's encode, bytes
/// out. No protocol decision of its own.
///
/// Thread safety: send() and disconnect() may be called from any thread,
/// the receive thread (inside a callback) included. The socket stays open
/// (shut down) until the last of this object and its receive thread is gone,
/// so no call ever races with close() or with the descriptor's reuse.
class Client {
 public:
  /// The callbacks are fixed for the client's life, so the receive thread
  /// reads them without a lock.
  explicit Client(ClientCallbacks callbacks,
                  std::size_t max_frame_bytes = default_max_server_frame_bytes);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Disconnects. On the receive thread (a callback dropped the last owner)
  /// it cannot join itself: the thread is detached and ends on its own.
  ~Client();

  /// Connects to an IP literal (or "localhost") and starts the receive thread.
  /// A client connects once. Throws std::invalid_argument for a host that is
  /// not an IP literal, std::system_error for a refused or timed-out connect,
  /// std::logic_error on a second call or after disconnect().
  void connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

  /// Encodes `message` and writes the whole frame; writers are serialized so
  /// frames never interleave. Blocks while the kernel's buffer is full.
  /// False if the connection is not open (or breaks during the write).
  bool send(const Message& message);

  /// Ends the connection: shuts the socket down, which wakes the receive
  /// thread, then joins it. Idempotent. From the receive thread itself it
  /// only marks the end: no callback follows but on_close, and the thread
  /// exits once the current callback returns; a later call or the
  /// destructor joins it.
  void disconnect();

  /// True from a successful connect() until the connection ends or disconnect().
  bool connected() const noexcept;

  /// Whether the caller is this client's receive thread (inside a callback).
  bool on_receive_thread() const noexcept;

  /// "127.0.0.1:50312": this side of the connection; empty before connect().
  std::string local_endpoint() const;

 private:
  struct Shared;  ///< what the receive thread shares with this handle (client.cpp)

  std::shared_ptr<Shared> shared_;  ///< owned jointly with the receive thread
  std::thread thread_;              ///< the receive thread; guarded by lifecycle_
  std::mutex lifecycle_;            ///< connect and join; never taken by the receive thread
};

}  // namespace chatlab::io
