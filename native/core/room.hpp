#pragma once
/// The room: docs/protocol.md's reaction to joins, leaves and frames, as effects.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/message.hpp"
#include "core/outgoing.hpp"

namespace chatlab {

/// Default --max-clients.
inline constexpr std::size_t default_max_members = 1024;

/// One chat room. It owns the members and their names and nothing else: every
/// method returns the frames to send, in order, and writes nowhere. The
/// caller chooses session ids; a session passed to handle_* or refuse() that
/// is not a member is a programming error (std::invalid_argument).
class Room {
 public:
  explicit Room(std::size_t max_members = default_max_members);

  /// Admits `session` as guest-N, or refuses it with server_full (and close).
  std::vector<Outgoing> join(SessionId session);

  /// Removes `session`; nothing happens for a session that is not a member.
  std::vector<Outgoing> leave(SessionId session);

  /// Reacts to one decoded frame from a member.
  std::vector<Outgoing> handle_message(SessionId session, const Message& message);

  /// Decodes one frame (without "\n") and reacts; a refusal is an error effect.
  std::vector<Outgoing> handle_line(SessionId session, std::string_view line);

  /// The error frame for `code` to `session`, closing it where the protocol says so.
  static std::vector<Outgoing> refuse(SessionId session, ErrorCode code, const std::string& detail);

  /// Calls `visit(session)` for each recipient of `out`, in connection order.
  template <class Visit>
  void for_each_recipient(const Outgoing& out, Visit&& visit) const {
    if (out.target == Target::One) {
      visit(out.session);
      return;
    }
    for (SessionId member : order_) {
      if (out.target == Target::All || member != out.session) visit(member);
    }
  }

  /// The members' names in the order they connected (the roster).
  std::vector<std::string> names() const;

  /// The current name of `session`, if it is a member.
  std::optional<std::string> name_of(SessionId session) const;

  bool is_member(SessionId session) const { return members_.count(session) != 0; }
  std::size_t size() const noexcept { return order_.size(); }
  std::size_t max_members() const noexcept { return max_members_; }

 private:
  struct Member {
    std::string name;    ///< as the member spelled it
    std::string folded;  ///< lower-cased, the key of names_
  };

  const Member& member(SessionId session) const;
  std::vector<Outgoing> handle_chat(SessionId session, const std::string& text);
  std::vector<Outgoing> handle_command(SessionId session, std::string_view text);
  std::vector<Outgoing> rename(SessionId session, std::string_view wanted);
  std::vector<Outgoing> who(SessionId session) const;
  Outgoing roster_to(Target target, SessionId session) const;

  std::size_t max_members_;                             ///< server_full beyond this
  std::uint64_t guests_admitted_ = 0;                   ///< N of the last guest-N
  std::vector<SessionId> order_;                        ///< members in connection order
  std::unordered_map<SessionId, Member> members_;       ///< session -> its name
  std::unordered_map<std::string, SessionId> by_name_;  ///< folded name -> holder
};

}  // namespace chatlab
