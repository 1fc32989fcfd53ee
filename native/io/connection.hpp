#pragma once
/// One client socket: its frame reassembly, its outbox and how far it is from closed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/framer.hpp"
#include "core/outgoing.hpp"
#include "io/outbox.hpp"
#include "io/poller.hpp"
#include "io/socket.hpp"

namespace chatlab::io {

using Clock = std::chrono::steady_clock;

/// A connection holds bytes, never protocol: the room decides what goes into
/// the outbox and when it closes. The server decides when bytes move.
class Connection {
 public:
  /// Where the connection is on its way out.
  enum class Phase {
    open,      ///< a member (or a newcomer): its frames go to the room
    flushing,  ///< closing after its last frame: input is discarded, the outbox drains
    draining,  ///< our side is shut down; waiting for the peer's EOF before close()
  };

  /// `eager_write_bytes`: queued output that is written at once, mid-batch,
  /// so a burst from many senders is not mistaken for a slow consumer.
  /// `max_outbound_bytes`: the limit the server holds this connection to,
  /// which bounds the outbox's memory too.
  Connection(Fd socket, SessionId session, std::size_t max_frame_bytes,
             std::size_t eager_write_bytes, std::size_t max_outbound_bytes);

  int fd() const noexcept { return socket_.get(); }
  SessionId session() const noexcept { return session_; }
  Phase phase() const noexcept { return phase_; }
  FrameBuffer& frames() noexcept { return frames_; }

  /// Appends one encoded frame; true when this newly schedules a flush.
  bool queue(std::string_view frame);

  /// Asks for a flush in this loop iteration. True the first time since the
  /// last flush, so the caller lists the connection exactly once.
  bool schedule() noexcept;

  /// Writes as much of the outbox as the socket takes now, and unschedules.
  IoStatus flush();

  bool has_output() const noexcept { return !outbox_.empty(); }

  /// Whether the outbox has grown past what an idle connection keeps.
  bool outbox_is_large() const noexcept;

  /// Frees a large, empty outbox; true if it did. Called when the server is idle,
  /// so a burst's buffers are not held by every connection forever.
  bool release_idle_outbox() noexcept;

  /// Whether pending output (outbox + kernel send queue) is above `limit`. The
  /// kernel is asked only when an upper bound on it could pass the limit.
  bool over_limit(std::size_t limit) noexcept {
    // Inline: checked for every frame queued. The kernel queue only shrinks
    // between probes, so this bound is safe.
    if (kernel_at_probe_ + sent_since_probe_ + outbox_.size() <= limit) return false;
    return over_limit_probed(limit);
  }

  /// Keeps only the frame being written, so an error frame can follow it whole.
  void drop_after_inflight_frame() noexcept;

  /// Stops handing input to the room; the socket closes once the outbox is out.
  void start_flushing(Clock::time_point deadline) noexcept;

  /// For a slow consumer, or a deadline passed: the outbox goes out only if
  /// the socket takes it now. The send buffer grows to take what is left of
  /// it whole (the rest of the frame in flight, an error frame), so the
  /// stream the peer reads ends on a frame boundary.
  void stop_waiting() noexcept;

  /// Shuts our sending side and waits for the peer's EOF until `deadline`.
  void start_draining(Clock::time_point deadline) noexcept;

  /// A slow consumer is never waited for: closing it is due once the socket blocks.
  bool waits_for_writable() const noexcept { return wait_for_writable_; }

  /// Reads and drops whatever input is queued, so close() does not reset the peer.
  void discard_input() noexcept;

  /// The peer shut its sending side: nothing more to read, ever.
  void mark_peer_eof() noexcept { peer_eof_ = true; }
  bool peer_eof() const noexcept { return peer_eof_; }

  /// When a closing connection is closed whatever its state (meaningless while open).
  Clock::time_point deadline() const noexcept { return deadline_; }

  /// The Interest this connection needs now, if it differs from the
  /// registered one; the caller registers it.
  bool interest_changed(std::uint32_t& interest) noexcept;

 private:
  /// over_limit() once the cheap bound could pass: asks the kernel.
  bool over_limit_probed(std::size_t limit) noexcept;

  /// Hands the outbox to the kernel until it is empty or the socket blocks.
  IoStatus write_out();

  Fd socket_;                         ///< the client socket, non-blocking
  SessionId session_;                 ///< this connection's id in the room
  FrameBuffer frames_;                ///< input reassembly, owned by Layer A
  Outbox outbox_;                     ///< encoded frames not yet handed to the kernel
  std::size_t eager_write_bytes_;     ///< queue() writes at once beyond this
  std::size_t sent_since_probe_ = 0;  ///< bytes handed to the kernel since SIOCOUTQ was read
  std::size_t kernel_at_probe_ = 0;   ///< the kernel send queue when it was last read
  bool scheduled_ = false;            ///< listed for the next flush
  bool blocked_ = false;              ///< the last write hit EAGAIN: no eager writes until a flush
  bool peer_eof_ = false;             ///< recv returned 0
  bool wait_for_writable_ = true;     ///< false for a slow consumer
  Phase phase_ = Phase::open;         ///< see Phase
  Clock::time_point deadline_{};      ///< when a closing connection is closed regardless
  std::uint32_t registered_ = interest_read;  ///< the Interest registered for the socket
};

}  // namespace chatlab::io
