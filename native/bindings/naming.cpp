// NameFollower and the command rules, bound: Device, the harness and the
// report ask the core how names change instead of re-deriving the room.

#include <pybind11/stl.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "core/commands.hpp"
#include "core/name_follower.hpp"

namespace chatlab::bindings {

void bind_naming(py::module_& m) {
  py::class_<NameFollower>(m, "NameFollower",
                           "One connection's name, from what it sent and what the room answered.")
      .def(py::init<std::optional<std::string>>(), py::arg("name") = py::none())
      .def("sent", &NameFollower::sent, py::arg("message"), py::arg("token") = py::none(),
           "Notes a frame the connection sent; a /name NEW is queued with token.")
      .def("received", &NameFollower::received, py::arg("message"),
           "Notes a frame the connection received; the token of the rename it completed.")
      .def_property_readonly("name", &NameFollower::name)
      .def_property_readonly("welcomed", &NameFollower::welcomed)
      .def_property_readonly(
          "pending",
          [](const NameFollower& follower) {
            py::tuple pending(follower.pending().size());
            std::size_t i = 0;
            for (const auto& [wanted, token] : follower.pending()) {
              pending[i++] = py::make_tuple(wanted, token);
            }
            return pending;
          },
          "The renames sent and not answered yet, oldest first: (NEW, token) pairs.");
  m.def("is_command", &is_command, py::arg("text"),
        "Whether the room reads a chat text as a command (it starts with '/').");
  m.def("requested_name", &requested_name, py::arg("message"),
        "The name a sent '/name NEW' chat asks for, as the room reads it; else None.");
}

}  // namespace chatlab::bindings
