#include "core/store.hpp"

#include <algorithm>
#include <optional>

#include "core/error.hpp"

namespace kv {
namespace {

Outgoing refusal(Session session, ErrorCode code, const std::string& text) {
  return Outgoing{session, Reply::error(std::string(code_name(code)), text), false};
}

/// The refusal a key or value over its limit earns, if any.
std::optional<Outgoing> oversized(Session session, const Request& request, const Limits& limits) {
  if (request.key.size() > limits.max_key_bytes) {
    return refusal(session, ErrorCode::key_too_long,
                   "a key has at most " + std::to_string(limits.max_key_bytes) + " bytes, not " +
                       std::to_string(request.key.size()));
  }
  if (request.value.size() > limits.max_value_bytes) {
    return refusal(session, ErrorCode::value_too_long,
                   "a value has at most " + std::to_string(limits.max_value_bytes) +
                       " bytes, not " + std::to_string(request.value.size()));
  }
  return std::nullopt;
}

}  // namespace

std::vector<Outgoing> Store::apply(Session session, const Request& request) {
  if (auto refused = oversized(session, request, limits_)) return {*refused};
  switch (request.op) {
    case Op::set: return set(session, request);
    case Op::del: return del(session, request);
    case Op::get: {
      const auto found = values_.find(request.key);
      std::optional<std::string> value;
      if (found != values_.end()) value = found->second;
      return {Outgoing{session, Reply::value_of(request.key, value), false}};
    }
    case Op::watch: return {Outgoing{session, watch(session, request.key), false}};
    case Op::unwatch: return {Outgoing{session, unwatch(session, request.key), false}};
    case Op::ping: return {Outgoing{session, Reply::pong(), false}};
  }
  return {};
}

void Store::forget(Session session) {
  const auto found = watched_.find(session);
  if (found == watched_.end()) return;
  const std::set<std::string> keys = found->second;  // unwatch() edits the original
  for (const std::string& key : keys) unwatch(session, key);
}

std::vector<Outgoing> Store::set(Session session, const Request& request) {
  const bool fresh = values_.count(request.key) == 0;
  if (fresh && values_.size() >= limits_.max_keys) {
    return {refusal(
        session, ErrorCode::too_many_keys,
        "the store holds at most " + std::to_string(limits_.max_keys) + " keys; delete one first")};
  }
  values_[request.key] = request.value;
  std::vector<Outgoing> out{Outgoing{session, Reply::ok(), false}};
  notify(request.key, request.value, out);
  return out;
}

std::vector<Outgoing> Store::del(Session session, const Request& request) {
  const bool existed = values_.erase(request.key) == 1;
  std::vector<Outgoing> out{Outgoing{session, Reply::deleted(existed), false}};
  if (existed) notify(request.key, std::nullopt, out);  // nothing changed otherwise
  return out;
}

Reply Store::watch(Session session, const std::string& key) {
  std::set<std::string>& keys = watched_[session];
  if (keys.count(key) != 0) return Reply::ok();
  if (keys.size() >= limits_.max_watches) {
    if (keys.empty()) watched_.erase(session);
    return Reply::error(std::string(code_name(ErrorCode::too_many_watches)),
                        "a connection watches at most " + std::to_string(limits_.max_watches) +
                            " keys; unwatch one first");
  }
  keys.insert(key);
  watchers_[key].push_back(session);
  return Reply::ok();
}

Reply Store::unwatch(Session session, const std::string& key) {
  const auto found = watchers_.find(key);
  if (found != watchers_.end()) {
    std::vector<Session>& sessions = found->second;
    sessions.erase(std::remove(sessions.begin(), sessions.end(), session), sessions.end());
    if (sessions.empty()) watchers_.erase(found);
  }
  const auto mine = watched_.find(session);
  if (mine != watched_.end()) {
    mine->second.erase(key);
    if (mine->second.empty()) watched_.erase(mine);
  }
  return Reply::ok();
}

void Store::notify(const std::string& key, const std::optional<std::string>& value,
                   std::vector<Outgoing>& out) const {
  const auto found = watchers_.find(key);
  if (found == watchers_.end()) return;
  for (Session watcher : found->second) {
    out.push_back(Outgoing{watcher, Reply::changed(key, value), false});
  }
}

}  // namespace kv
