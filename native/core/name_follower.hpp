#pragma once
/// A connection's name as its client can know it: from what it sent and what
/// the room answered. Beside the room, because it reads the room's answers.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "core/message.hpp"

namespace chatlab {

/// Follows one connection's name, fed both directions of it in order. The
/// rules mirror Room: the first welcome notice ("welcome, guest-N") names
/// the connection; each `/name NEW` sent is answered in order, by a
/// bad_name or name_taken error (refused) or by a roster (done: NEW holds,
/// or, renaming to the current name, the roster comes all the same).
/// A property test drives Room and a follower together to keep it so.
class NameFollower {
 public:
  /// A rename sent and not answered yet: the name asked for and the caller's token.
  using Pending = std::pair<std::string, std::optional<std::uint64_t>>;

  /// `name`: what to call the connection before the welcome (nothing: unknown).
  explicit NameFollower(std::optional<std::string> name = std::nullopt) : name_(std::move(name)) {}

  /// Notes a frame the connection sent; only `/name NEW` matters. `token` is
  /// handed back by received() when that rename takes effect.
  void sent(const Message& message, std::optional<std::uint64_t> token = std::nullopt);

  /// Notes a frame the connection received; the token of the rename that
  /// took effect with it, if one did and had a token.
  std::optional<std::uint64_t> received(const Message& message);

  /// The name the room knows the connection by, as far as it has said.
  const std::optional<std::string>& name() const noexcept { return name_; }

  /// Whether the welcome notice has arrived (the connection is a member).
  bool welcomed() const noexcept { return welcomed_; }

  /// The renames sent and not answered yet, oldest first.
  const std::deque<Pending>& pending() const noexcept { return pending_; }

 private:
  std::optional<std::string> name_;  ///< the current name, if known
  bool welcomed_ = false;            ///< the first welcome notice came
  std::deque<Pending> pending_;      ///< renames awaiting their answer
};

}  // namespace chatlab
