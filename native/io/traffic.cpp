// The Server's traffic: bytes in to the room, the room's effects out to outboxes,
// and every way a connection ends. The room decides; this file only obeys.

#include <string>

#include "core/codec.hpp"
#include "io/server.hpp"

namespace chatlab::io {
namespace {

/// Time to get the last frames out to a closing client that still reads.
constexpr auto flush_grace = std::chrono::seconds(5);
/// Time to wait for the peer's EOF after our FIN, so close() does not reset
/// a peer that still has our last frame unread.
constexpr auto drain_grace = std::chrono::seconds(1);

}  // namespace

Connection* Server::find(SessionId session) {
  const auto found = connections_.find(session);
  return found == connections_.end() ? nullptr : found->second.get();
}

void Server::on_client(Connection& connection, const ReadyEvent& event) {
  const SessionId session = connection.session();
  if (event.readable) on_readable(connection);
  Connection* still_here = find(session);
  if (still_here != nullptr && event.writable) schedule(*still_here);
}

void Server::on_readable(Connection& connection) {
  std::size_t got = 0;
  switch (receive_some(connection.fd(), input_.data(), input_.size(), got)) {
    case IoStatus::blocked: return;
    case IoStatus::failed: return drop(connection.session());
    case IoStatus::eof: return on_peer_eof(connection);
    case IoStatus::ok: break;
  }
  if (connection.phase() != Connection::Phase::open) return;  // on its way out: discarded
  handle_input(connection, std::string_view(input_.data(), got));
}

void Server::on_peer_eof(Connection& connection) {
  connection.mark_peer_eof();
  if (connection.phase() == Connection::Phase::draining) return drop(connection.session());
  // Half close: the member leaves now, its unterminated tail with it, and
  // still gets everything queued for it before the socket closes.
  close_after_frame(connection.session());
  schedule(connection);
}

void Server::handle_input(Connection& connection, std::string_view data) {
  const SessionId session = connection.session();
  for (const std::string& line : connection.frames().feed(data)) {
    deliver(room_.handle_line(session, line));
    if (connection.phase() != Connection::Phase::open) return;
  }
  if (connection.frames().overflowed()) {
    deliver(Room::refuse(session, ErrorCode::frame_too_large,
                         limit_text(ErrorCode::frame_too_large, options_.max_frame_bytes)));
  }
}

void Server::deliver(const std::vector<Outgoing>& effects) {
  for (const Outgoing& out : effects) {
    frame_.clear();
    encode_into(out.message, frame_);
    room_.for_each_recipient(out, [this](SessionId recipient) {
      Connection* connection = find(recipient);
      // A closing connection's last frame is queued already: nothing follows it.
      if (connection == nullptr || connection->phase() != Connection::Phase::open) return;
      if (connection->queue(frame_)) scheduled_.push_back(recipient);
      // Checked per frame, not per read, so no input (a read full of /who, say)
      // makes one client's output hold more than the limit and one frame.
      if (connection->over_limit(options_.max_outbound_bytes)) over_limit_.push_back(recipient);
    });
    if (out.close) close_after_frame(out.session);
    refuse_over_limit();
  }
}

void Server::refuse_over_limit() {
  if (over_limit_.empty()) return;  // the common case: no allocation, no swap
  // frame_ is free again here, so refusing (which delivers) is safe.
  std::vector<SessionId> sessions;
  sessions.swap(over_limit_);
  for (SessionId session : sessions) {
    Connection* connection = find(session);
    if (connection != nullptr && connection->phase() == Connection::Phase::open) {
      refuse_slow_consumer(*connection);
    }
  }
}

void Server::close_after_frame(SessionId session) {
  Connection* connection = find(session);
  if (connection == nullptr || connection->phase() != Connection::Phase::open) return;
  connection->start_flushing(Clock::now() + flush_grace);
  closing_.push_back(session);
  schedule(*connection);
  deliver(room_.leave(session));
}

void Server::refuse_slow_consumer(Connection& connection) {
  // The error frame follows the frame in flight; whatever was queued after
  // it is dropped, and the socket is not waited for.
  connection.drop_after_inflight_frame();
  deliver(Room::refuse(connection.session(), ErrorCode::slow_consumer,
                       limit_text(ErrorCode::slow_consumer, options_.max_outbound_bytes)));
  connection.stop_waiting();
}

void Server::schedule(Connection& connection) {
  if (connection.schedule()) scheduled_.push_back(connection.session());
}

void Server::flush_scheduled() {
  // Flushing can schedule more (a dropped client's leave), hence the index.
  for (std::size_t i = 0; i < scheduled_.size(); ++i) {
    if (Connection* connection = find(scheduled_[i])) flush(*connection);
  }
  scheduled_.clear();
}

void Server::flush(Connection& connection) {
  const IoStatus status = connection.flush();
  heap_dirty_ = heap_dirty_ || connection.outbox_is_large();
  if (status == IoStatus::failed) return drop(connection.session());
  switch (connection.phase()) {
    case Connection::Phase::open: break;  // the limit is checked as frames are queued
    case Connection::Phase::flushing:
      if (connection.has_output()) {
        if (connection.waits_for_writable()) break;
        connection.discard_input();
        return drop(connection.session());
      }
      if (connection.peer_eof()) return drop(connection.session());
      connection.start_draining(Clock::now() + drain_grace);
      break;
    case Connection::Phase::draining: break;
  }
  update_interest(connection);
}

void Server::update_interest(Connection& connection) {
  std::uint32_t interest = interest_none;
  if (connection.interest_changed(interest)) {
    poller_.modify(connection.fd(), interest, connection.session());
  }
}

void Server::drop(SessionId session) {
  const auto found = connections_.find(session);
  if (found == connections_.end()) return;
  poller_.remove(found->second->fd());  // before close(): poll(2) would watch a closed fd
  connections_.erase(found);
  deliver(room_.leave(session));
}

}  // namespace chatlab::io
