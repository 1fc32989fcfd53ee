#pragma once
/// The pieces of kvstore._kv, one per file, registered by module.cpp.

#include <pybind11/pybind11.h>

#include <string>

namespace kv::bindings {

namespace py = pybind11;

/// Text or bytes from Python as the bytes the core reads.
inline std::string bytes_of(const py::object& data) {
  if (py::isinstance<py::str>(data)) return data.cast<std::string>();
  return std::string(data.cast<py::bytes>());
}

/// Limits, Request, Reply, Outgoing, encode, decode_request, decode_reply.
void bind_values(py::module_& m);

/// Engine: the store and the protocol, driven by sessions.
void bind_engine(py::module_& m);

/// Client: the C++ client and its receive thread, on pytest_chatlab::bridge (Mode 3).
void bind_client(py::module_& m);

}  // namespace kv::bindings
