// Engine: the sans-I/O server, driven by session numbers the test chooses.
#include "core/engine.hpp"

#include <pybind11/stl.h>

#include <string>

#include "bindings.hpp"

namespace kv::bindings {

void bind_engine(py::module_& m) {
  py::class_<Engine>(m, "Engine", "The store and its protocol, sans I/O: bytes in, effects out.")
      .def(py::init<const Limits&>(), py::arg("limits") = Limits{})
      .def("open", &Engine::open, py::arg("session"))
      .def(
          "feed",
          [](Engine& engine, Session session, const py::object& data) {
            return engine.feed(session, bytes_of(data));
          },
          py::arg("session"), py::arg("data"))
      .def(
          "handle_line",
          [](Engine& engine, Session session, const py::object& line) {
            return engine.handle_line(session, bytes_of(line));
          },
          py::arg("session"), py::arg("line"))
      .def("handle", &Engine::handle, py::arg("session"), py::arg("request"))
      .def(
          "refuse",
          [](Engine& engine, Session session, const std::string& code, const std::string& text) {
            return engine.refuse(session, code_named(code), text);
          },
          py::arg("session"), py::arg("code"), py::arg("text"))
      .def("close", &Engine::close, py::arg("session"))
      .def_property_readonly("sessions", &Engine::sessions)
      .def_property_readonly("keys", &Engine::keys)
      .def_property_readonly("limits", &Engine::limits);
}

}  // namespace kv::bindings
