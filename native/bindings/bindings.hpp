#pragma once
/// What the binding files share: the pieces each one registers, and the
/// conversions between Python text and the byte strings Layer A speaks.

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>

namespace chatlab::bindings {

namespace py = pybind11;

/// Registers Message, Outgoing, Target, Room, FrameBuffer, encode and decode.
void bind_core(py::module_& m);

/// Registers NameFollower, is_command and requested_name.
void bind_naming(py::module_& m);

/// Registers Client (Layer B's client with its receive thread) and the exit
/// hook that stops every client before the interpreter finalizes.
void bind_client(py::module_& m);

/// The bytes of a `str` (UTF-8, surrogateescape, so FrameBuffer's odd lines
/// round-trip) or of any bytes-like object.
std::string bytes_of(const py::handle& line);

/// A line as `str`; bytes that are not UTF-8 survive as surrogate escapes.
py::str text_of(std::string_view line);

/// Raises pytest_chatlab.errors.ProtocolError (a Python class shared with the
/// pure-Python modules) with `frames` attached.
[[noreturn]] void raise_protocol_error(const std::string& code, const std::string& detail,
                                       const py::list& frames);

}  // namespace chatlab::bindings
