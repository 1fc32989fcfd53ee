#pragma once
/// The keys, their values and who watches them: requests in, replies and notifications out.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/limits.hpp"
#include "core/messages.hpp"
#include "core/outgoing.hpp"

namespace kv {

/// Rule: a request's reply comes first, then one "changed" per watcher of the
/// key, in the order they started watching. Nothing here reads or writes bytes.
class Store {
 public:
  explicit Store(const Limits& limits) : limits_(limits) {}

  /// The effects of `request` from `session`: its reply, then the notifications.
  std::vector<Outgoing> apply(Session session, const Request& request);

  /// Drops every watch of `session` (its connection ended).
  void forget(Session session);

  /// How many keys are stored.
  std::size_t size() const noexcept { return values_.size(); }

 private:
  std::vector<Outgoing> set(Session session, const Request& request);
  std::vector<Outgoing> del(Session session, const Request& request);
  Reply watch(Session session, const std::string& key);
  Reply unwatch(Session session, const std::string& key);
  void notify(const std::string& key, const std::optional<std::string>& value,
              std::vector<Outgoing>& out) const;

  Limits limits_;                                         ///< the bounds enforced
  std::map<std::string, std::string> values_;             ///< the store itself
  std::map<std::string, std::vector<Session>> watchers_;  ///< by key, in order of watching
  std::map<Session, std::set<std::string>> watched_;      ///< by session, for forget()
};

}  // namespace kv
