// The value types, with keyword constructors, == and a repr that shows the wire line.
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bindings.hpp"
#include "core/codec.hpp"
#include "core/limits.hpp"
#include "core/outgoing.hpp"

namespace kv::bindings {
namespace {

/// The wire line of a value without its "\n": what a repr shows.
template <typename Value>
std::string shown(const Value& value) {
  std::string line = encode(value);
  line.pop_back();
  return line;
}

void bind_limits(py::module_& m) {
  const Limits d;
  py::class_<Limits>(m, "Limits", "The bounds the core enforces (PROTOCOL.md, \"Limits\").")
      .def(py::init([](std::size_t line, std::size_t key, std::size_t value, std::size_t keys,
                       std::size_t watches, std::size_t sessions) {
             return Limits{line, key, value, keys, watches, sessions};
           }),
           py::kw_only(), py::arg("max_line_bytes") = d.max_line_bytes,
           py::arg("max_key_bytes") = d.max_key_bytes,
           py::arg("max_value_bytes") = d.max_value_bytes, py::arg("max_keys") = d.max_keys,
           py::arg("max_watches") = d.max_watches, py::arg("max_sessions") = d.max_sessions)
      .def_readonly("max_line_bytes", &Limits::max_line_bytes)
      .def_readonly("max_key_bytes", &Limits::max_key_bytes)
      .def_readonly("max_value_bytes", &Limits::max_value_bytes)
      .def_readonly("max_keys", &Limits::max_keys)
      .def_readonly("max_watches", &Limits::max_watches)
      .def_readonly("max_sessions", &Limits::max_sessions)
      .def("__repr__", [](const Limits& l) {
        return "Limits(max_line_bytes=" + std::to_string(l.max_line_bytes) +
               ", max_key_bytes=" + std::to_string(l.max_key_bytes) +
               ", max_value_bytes=" + std::to_string(l.max_value_bytes) +
               ", max_keys=" + std::to_string(l.max_keys) +
               ", max_watches=" + std::to_string(l.max_watches) +
               ", max_sessions=" + std::to_string(l.max_sessions) + ")";
      });
}

void bind_request(py::module_& m) {
  py::class_<Request>(m, "Request", "One request line, decoded.")
      .def(py::init([](const std::string& op, std::string key, std::string value) {
             return Request{op_named(op), std::move(key), std::move(value)};
           }),
           py::kw_only(), py::arg("op"), py::arg("key") = "", py::arg("value") = "")
      .def_property_readonly("op", [](const Request& r) { return op_name(r.op); })
      .def_readonly("key", &Request::key)
      .def_readonly("value", &Request::value)
      .def(py::self == py::self)  // NOLINT(misc-redundant-expression)
      .def("__repr__", [](const Request& r) { return "Request(" + shown(r) + ")"; });
}

void bind_reply(py::module_& m) {
  py::class_<Reply>(m, "Reply", "One line from the server: a reply or a notification.")
      .def_property_readonly("kind", [](const Reply& r) { return kind_name(r.kind); })
      .def_readonly("key", &Reply::key)
      .def_readonly("value", &Reply::value)
      .def_readonly("existed", &Reply::existed)
      .def_readonly("code", &Reply::code)
      .def_readonly("text", &Reply::text)
      .def(py::self == py::self)  // NOLINT(misc-redundant-expression)
      .def("__repr__", [](const Reply& r) { return "Reply(" + shown(r) + ")"; });
}

void bind_outgoing(py::module_& m) {
  py::class_<Outgoing>(m, "Outgoing", "One effect: a reply for a session, then maybe close.")
      .def_readonly("session", &Outgoing::session)
      .def_readonly("reply", &Outgoing::reply)
      .def_readonly("close", &Outgoing::close)
      .def(py::self == py::self)  // NOLINT(misc-redundant-expression)
      .def("__repr__", [](const Outgoing& o) {
        return "Outgoing(session=" + std::to_string(o.session) + ", " + shown(o.reply) +
               (o.close ? ", close)" : ")");
      });
}

}  // namespace

void bind_values(py::module_& m) {
  bind_limits(m);
  bind_request(m);
  bind_reply(m);
  bind_outgoing(m);
  m.def("encode", py::overload_cast<const Request&>(&encode), py::arg("value"),
        "The canonical line of a request, with its \"\\n\".");
  m.def("encode", py::overload_cast<const Reply&>(&encode), py::arg("value"),
        "The canonical line of a reply, with its \"\\n\".");
  m.def(
      "decode_request", [](const py::object& line) { return decode_request(bytes_of(line)); },
      py::arg("line"), "The request on a line (no \"\\n\"); raises ProtocolError.");
  m.def(
      "decode_reply", [](const py::object& line) { return decode_reply(bytes_of(line)); },
      py::arg("line"), "The reply on a line (no \"\\n\"); raises ProtocolError.");
}

}  // namespace kv::bindings
