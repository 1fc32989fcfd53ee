#include "core/engine.hpp"

#include <stdexcept>
#include <string>

#include "core/codec.hpp"

namespace kv {

Engine::Engine(const Limits& limits) : limits_(limits), store_(limits) {}

std::vector<Outgoing> Engine::open(Session session) {
  if (buffers_.count(session) != 0) {
    throw std::invalid_argument("session " + std::to_string(session) + " is already open");
  }
  if (buffers_.size() >= limits_.max_sessions) {
    return {Outgoing{session,
                     Reply::error(std::string(code_name(ErrorCode::server_full)),
                                  "the server takes at most " +
                                      std::to_string(limits_.max_sessions) + " connections"),
                     true}};
  }
  buffers_.emplace(session, LineBuffer(limits_.max_line_bytes));
  return {};
}

std::vector<Outgoing> Engine::feed(Session session, std::string_view bytes) {
  LineBuffer& buffer = buffer_of(session);
  std::vector<Outgoing> out;
  for (const std::string& line : buffer.feed(bytes)) {
    for (Outgoing& each : handle_line(session, line)) out.push_back(std::move(each));
  }
  if (buffer.overflowed()) {
    for (Outgoing& each : refuse(session, ErrorCode::line_too_long,
                                 "a line has at most " + std::to_string(limits_.max_line_bytes) +
                                     " bytes before its newline")) {
      out.push_back(std::move(each));
    }
  }
  return out;
}

std::vector<Outgoing> Engine::handle_line(Session session, std::string_view line) {
  buffer_of(session);  // refuses a session that is not open
  if (line.empty()) return {};
  try {
    return handle(session, decode_request(line));
  } catch (const ProtocolError& error) {
    return {Outgoing{session, Reply::error(std::string(code_name(error.code())), error.what()),
                     closes_connection(error.code())}};
  }
}

std::vector<Outgoing> Engine::handle(Session session, const Request& request) {
  buffer_of(session);
  return store_.apply(session, request);
}

std::vector<Outgoing> Engine::refuse(Session session, ErrorCode code, const std::string& text) {
  buffer_of(session);
  close(session);
  return {Outgoing{session, Reply::error(std::string(code_name(code)), text), true}};
}

void Engine::close(Session session) {
  if (buffers_.erase(session) == 1) store_.forget(session);
}

LineBuffer& Engine::buffer_of(Session session) {
  const auto found = buffers_.find(session);
  if (found == buffers_.end()) {
    throw std::invalid_argument("session " + std::to_string(session) + " is not open");
  }
  return found->second;
}

}  // namespace kv
