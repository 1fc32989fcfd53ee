// pytest_chatlab._native: the compiled half of the package. Layer A and B
// never mention Python; everything about the interpreter lives here.

#include <pybind11/gil_safe_call_once.h>

#include "bindings.hpp"
#include "core/error.hpp"

namespace chatlab::bindings {
namespace {

/// pytest_chatlab.errors.ProtocolError, imported once per interpreter.
py::object& protocol_error_class() {
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> storage;
  return storage
      .call_once_and_store_result(
          [] { return py::module_::import("pytest_chatlab.errors").attr("ProtocolError"); })
      .get_stored();
}

}  // namespace

void raise_protocol_error(const std::string& code, const std::string& detail,
                          const py::list& frames) {
  py::object error = protocol_error_class()(code, detail, py::arg("frames") = frames);
  PyErr_SetObject(protocol_error_class().ptr(), error.ptr());
  throw py::error_already_set();
}

}  // namespace chatlab::bindings

PYBIND11_MODULE(_native, m) {
  using namespace chatlab::bindings;
  m.doc() = "The chatlab C++ core, bound for Python. Import pytest_chatlab, not this.";
  m.attr("ProtocolError") = protocol_error_class();
  // By value: pybind11 takes a void (*)(std::exception_ptr).
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const chatlab::ProtocolError& error) {
      py::object instance =
          protocol_error_class()(std::string(chatlab::code_name(error.code())), error.what());
      PyErr_SetObject(protocol_error_class().ptr(), instance.ptr());
    }
  });
  bind_core(m);
  bind_naming(m);
  bind_client(m);
}
