// Bindings of Layer A: value types by copy, the room and the framer as
// Python objects. Python's `from` keyword is spelled `sender` on Message.

#include <pybind11/native_enum.h>
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <utility>
#include <vector>

#include "bindings.hpp"
#include "core/codec.hpp"
#include "core/framer.hpp"
#include "core/room.hpp"

namespace chatlab::bindings {
namespace {

using OptionalText = std::optional<std::string>;
using OptionalNames = std::optional<std::vector<std::string>>;

/// The wire name and value of each field that is present, in canonical order.
py::dict fields_of(const Message& m) {
  py::dict fields;
  const auto put = [&fields](const char* key, const OptionalText& value) {
    if (value) fields[key] = *value;
  };
  put("code", m.code);
  put("from", m.sender);
  put("id", m.id);
  put("text", m.text);
  fields["type"] = m.type;
  put("user", m.user);
  if (m.users) fields["users"] = *m.users;
  return fields;
}

std::string repr_of(const Message& m) {
  std::string repr = "Message(type=" + py::repr(py::str(m.type)).cast<std::string>();
  const auto put = [&repr](const char* name, const py::object& value) {
    repr += std::string(", ") + name + "=" + py::repr(value).cast<std::string>();
  };
  if (m.sender) put("sender", py::str(*m.sender));
  if (m.text) put("text", py::str(*m.text));
  if (m.user) put("user", py::str(*m.user));
  if (m.users) put("users", py::cast(*m.users));
  if (m.code) put("code", py::str(*m.code));
  if (m.id) put("id", py::str(*m.id));
  return repr + ")";
}

Message message_from_dict(const py::dict& fields) {
  const auto get = [&fields](const char* key) -> OptionalText {
    if (!fields.contains(key) || fields[key].is_none()) return std::nullopt;
    return fields[key].cast<std::string>();
  };
  Message m;
  m.type = fields["type"].cast<std::string>();
  m.sender = get("from");
  m.text = get("text");
  m.user = get("user");
  m.code = get("code");
  m.id = get("id");
  if (fields.contains("users") && !fields["users"].is_none()) {
    m.users = fields["users"].cast<std::vector<std::string>>();
  }
  return m;
}

void bind_message(py::module_& m) {
  py::class_<Message>(m, "Message", "One protocol frame as a value; absent fields are None.")
      .def(py::init([](std::string type, OptionalText sender, OptionalText text, OptionalText user,
                       OptionalNames users, OptionalText code, OptionalText id) {
             Message message;  // by name: a field that moves in Message cannot swap two here
             message.type = std::move(type);
             message.sender = std::move(sender);
             message.text = std::move(text);
             message.user = std::move(user);
             message.users = std::move(users);
             message.code = std::move(code);
             message.id = std::move(id);
             return message;
           }),
           py::kw_only(), py::arg("type"), py::arg("sender") = py::none(),
           py::arg("text") = py::none(), py::arg("user") = py::none(),
           py::arg("users") = py::none(), py::arg("code") = py::none(), py::arg("id") = py::none())
      .def_readonly("type", &Message::type)
      .def_readonly("sender", &Message::sender, "JSON \"from\"")
      .def_readonly("text", &Message::text)
      .def_readonly("user", &Message::user)
      .def_readonly("users", &Message::users)
      .def_readonly("code", &Message::code)
      .def_readonly("id", &Message::id)
      .def("to_dict", &fields_of, "The frame's fields by their wire names (\"from\", not sender).")
      .def_static("from_dict", &message_from_dict, py::arg("fields"),
                  "A Message from wire names, as wire.decode returns them.")
      .def(py::self == py::self)  // NOLINT(misc-redundant-expression)
      .def("__hash__", [](const Message& msg) { return py::hash(py::str(encode(msg))); })
      .def("__repr__", &repr_of)
      .def(py::pickle([](const Message& msg) { return fields_of(msg); },
                      [](const py::dict& fields) { return message_from_dict(fields); }));
}

void bind_outgoing(py::module_& m) {
  py::native_enum<Target>(m, "Target", "enum.Enum", "Who an Outgoing is addressed to.")
      .value("All", Target::All, "every current member")
      .value("AllExcept", Target::AllExcept, "every current member but the session")
      .value("One", Target::One, "the session alone")
      .finalize();

  py::class_<Outgoing>(m, "Outgoing", "One effect: deliver message to target.")
      .def(py::init([](Target target, SessionId session, Message message, bool close) {
             Outgoing out{};
             out.target = target;
             out.session = session;
             out.message = std::move(message);
             out.close = close;
             return out;
           }),
           py::arg("target"), py::arg("session"), py::arg("message"), py::arg("close") = false)
      .def_readonly("target", &Outgoing::target)
      .def_readonly("session", &Outgoing::session)
      .def_readonly("message", &Outgoing::message)
      .def_readonly("close", &Outgoing::close, "the server closes the session after this frame")
      .def(py::self == py::self)  // NOLINT(misc-redundant-expression)
      .def("__repr__", [](const Outgoing& out) {
        std::string repr = "Outgoing(" + py::str(py::cast(out.target)).cast<std::string>() +
                           ", session=" + std::to_string(out.session) +
                           ", message=" + repr_of(out.message);
        return repr + (out.close ? ", close=True)" : ")");
      });
}

void bind_error_code(py::module_& m) {
  py::native_enum<ErrorCode>(m, "ErrorCode", "enum.Enum",
                             "docs/protocol.md's error codes; the value's name is the wire's.")
      .value("bad_json", ErrorCode::bad_json)
      .value("bad_frame", ErrorCode::bad_frame)
      .value("unknown_type", ErrorCode::unknown_type)
      .value("unknown_command", ErrorCode::unknown_command)
      .value("bad_name", ErrorCode::bad_name)
      .value("name_taken", ErrorCode::name_taken)
      .value("frame_too_large", ErrorCode::frame_too_large)
      .value("slow_consumer", ErrorCode::slow_consumer)
      .value("server_full", ErrorCode::server_full)
      .finalize();
}

void bind_room(py::module_& m) {
  py::class_<Room>(m, "Room", "The pure chat room: every reaction is a list of Outgoing.")
      .def(py::init<std::size_t>(), py::kw_only(), py::arg("max_members") = default_max_members)
      .def("join", &Room::join, py::arg("session"))
      .def("leave", &Room::leave, py::arg("session"))
      .def("handle_message", &Room::handle_message, py::arg("session"), py::arg("message"))
      .def(
          "handle_line",
          [](Room& room, SessionId session, const py::handle& line) {
            return room.handle_line(session, bytes_of(line));
          },
          py::arg("session"), py::arg("line"))
      .def(
          "recipients",
          [](const Room& room, const Outgoing& out) {
            std::vector<SessionId> sessions;
            room.for_each_recipient(
                out, [&sessions](SessionId session) { sessions.push_back(session); });
            return sessions;
          },
          py::arg("outgoing"),
          "The sessions `outgoing` reaches now, in connection order: the server's addressing.")
      .def_static("refuse", &Room::refuse, py::arg("session"), py::arg("code"), py::arg("detail"),
                  "The error frame for code to session, closing it where the protocol says so.")
      .def("names", &Room::names, "Member names in the order they connected.")
      .def("name_of", &Room::name_of, py::arg("session"))
      .def_property_readonly("max_members", &Room::max_members)
      .def("__len__", &Room::size)
      .def("__repr__",
           [](const Room& room) {
             return "Room(names=" + py::repr(py::cast(room.names())).cast<std::string>() +
                    ", max_members=" + std::to_string(room.max_members()) + ")";
           })
      .def("__contains__", &Room::is_member, py::arg("session"));
}

void bind_frame_buffer(py::module_& m) {
  py::class_<FrameBuffer>(m, "FrameBuffer", "Reassembles newline-terminated frames.")
      .def(py::init<std::size_t>(), py::arg("max_frame_bytes") = default_max_frame_bytes)
      .def(
          "feed",
          [](FrameBuffer& buffer, const py::buffer& data) {
            const py::buffer_info info = data.request();
            const auto size = static_cast<std::size_t>(info.size * info.itemsize);
            py::list frames;
            for (const std::string& line :
                 buffer.feed(std::string_view(static_cast<const char*>(info.ptr), size))) {
              frames.append(text_of(line));
            }
            if (buffer.overflowed()) {
              raise_protocol_error("frame_too_large",
                                   limit_text(ErrorCode::frame_too_large, buffer.max_frame_bytes()),
                                   frames);
            }
            return frames;
          },
          py::arg("data"))
      .def_property_readonly("max_frame_bytes", &FrameBuffer::max_frame_bytes)
      .def_property_readonly("pending_bytes", &FrameBuffer::pending_bytes)
      .def_property_readonly("overflowed", &FrameBuffer::overflowed);
}

}  // namespace

std::string bytes_of(const py::handle& line) {
  if (PyUnicode_Check(line.ptr())) {
    // surrogateescape restores the bytes FrameBuffer could not decode; any
    // other lone surrogate goes through as the invalid UTF-8 it would be on
    // the wire, so the core refuses it with bad_json like any such line.
    PyObject* encoded = PyUnicode_AsEncodedString(line.ptr(), "utf-8", "surrogateescape");
    if (encoded == nullptr) {
      PyErr_Clear();
      encoded = PyUnicode_AsEncodedString(line.ptr(), "utf-8", "surrogatepass");
    }
    if (encoded == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::bytes>(encoded);
  }
  if (!PyObject_CheckBuffer(line.ptr())) {
    throw py::type_error("a line is str or bytes, not " +
                         py::str(py::type::handle_of(line).attr("__name__")).cast<std::string>());
  }
  const py::buffer_info info = py::reinterpret_borrow<py::buffer>(line).request();
  return {static_cast<const char*>(info.ptr), static_cast<std::size_t>(info.size * info.itemsize)};
}

py::str text_of(std::string_view line) {
  PyObject* text =
      PyUnicode_DecodeUTF8(line.data(), static_cast<Py_ssize_t>(line.size()), "surrogateescape");
  if (text == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(text);
}

void bind_core(py::module_& m) {
  bind_message(m);
  bind_outgoing(m);
  bind_error_code(m);
  bind_room(m);
  bind_frame_buffer(m);
  m.def("encode", &encode, py::arg("message"), "The canonical frame of message, newline included.");
  m.def(
      "decode", [](const py::handle& line) { return decode(bytes_of(line)); }, py::arg("line"),
      "Parses one frame (str or bytes); raises ProtocolError: bad_json, or bad_frame for a\n"
      "non-object, a missing type, or a field the type defines with the wrong JSON type.");
}

}  // namespace chatlab::bindings
