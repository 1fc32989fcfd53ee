#include "core/name_follower.hpp"

#include <algorithm>
#include <string_view>

#include "core/commands.hpp"
#include "core/error.hpp"

namespace chatlab {
namespace {

constexpr std::string_view welcome_prefix = "welcome, ";

bool refuses_a_rename(const Message& message) {
  return message.type == "error" && message.code &&
         (*message.code == code_name(ErrorCode::bad_name) ||
          *message.code == code_name(ErrorCode::name_taken));
}

bool lists(const std::vector<std::string>& users, std::string_view name) {
  return std::find(users.begin(), users.end(), name) != users.end();
}

}  // namespace

void NameFollower::sent(const Message& message, std::optional<std::uint64_t> token) {
  if (auto wanted = requested_name(message)) pending_.emplace_back(std::move(*wanted), token);
}

std::optional<std::uint64_t> NameFollower::received(const Message& message) {
  if (message.type == "notice" && message.sender == "server" && !welcomed_) {
    if (message.text && message.text->rfind(welcome_prefix, 0) == 0) {
      name_ = message.text->substr(welcome_prefix.size());
      welcomed_ = true;
    }
  } else if (refuses_a_rename(message) && !pending_.empty()) {
    pending_.pop_front();
  } else if (message.type == "roster" && message.users && !pending_.empty()) {
    const auto& [wanted, token] = pending_.front();
    // A rename to the current name is answered by a roster too; otherwise the
    // roster that lists the new name and not the old one is the answer.
    const bool old_listed = name_ && lists(*message.users, *name_);
    if (wanted == name_ || (lists(*message.users, wanted) && !old_listed)) {
      const std::optional<std::uint64_t> done = token;
      name_ = wanted;
      pending_.pop_front();
      return done;
    }
  }
  return std::nullopt;
}

}  // namespace chatlab
