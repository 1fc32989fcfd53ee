// kvstore._kv: the core (Mode 1) and the client (Mode 3) bound for Python. Import kvstore.
#include <pybind11/gil_safe_call_once.h>

#include <string>

#include "bindings.hpp"
#include "core/error.hpp"

PYBIND11_MODULE(_kv, m) {
  using namespace kv::bindings;
  m.doc() = "The kvstore C++ core, bound for Python. Import kvstore, not this.";
  // A ValueError with a machine-readable `code`, like the wire's error line;
  // stored the way pybind11 documents, so no Python object is freed at exit.
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> storage;
  storage.call_once_and_store_result(
      [&m] { return py::exception<kv::ProtocolError>(m, "ProtocolError", PyExc_ValueError); });
  // By value: pybind11 takes a void (*)(std::exception_ptr).
  py::register_exception_translator([](std::exception_ptr thrown) {  // NOLINT
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const kv::ProtocolError& error) {
      const py::object& protocol_error = storage.get_stored();
      py::object instance = protocol_error(error.what());
      instance.attr("code") = std::string(kv::code_name(error.code()));
      PyErr_SetObject(protocol_error.ptr(), instance.ptr());
    }
  });
  m.def(
      "error_codes",
      [] {
        py::list names;
        for (kv::ErrorCode code : kv::all_codes()) names.append(std::string(kv::code_name(code)));
        return names;
      },
      "Every error code of the protocol, in PROTOCOL.md's order.");
  bind_values(m);
  bind_engine(m);
  bind_client(m);
}
