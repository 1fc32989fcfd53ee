#pragma once
/// error_log: exceptions raised on a native thread, kept for the test's thread.
/// See <pytest_chatlab/bridge.hpp>.

#include <pybind11/pybind11.h>

#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace pytest_chatlab::bridge {

namespace py = pybind11;

/// What the callbacks of one native object raised, oldest first, until the
/// test's thread takes them (take) or raises the first (check). Touched only
/// with the GIL held; made and destroyed without it if empty.
class error_log {
 public:
  /// Runs `body()`, keeping what it raises: a Python exception as it is (its
  /// traceback on it), a C++ one as RuntimeError. Nothing escapes.
  template <typename Body>
  // NOLINTNEXTLINE(bugprone-exception-escape): building a RuntimeError may fail; then it is lost
  void run(Body&& body) noexcept {
    try {
      std::forward<Body>(body)();
    } catch (py::error_already_set& error) {
      keep(error);
    } catch (const std::exception& error) {
      keep_runtime_error(error.what());
    } catch (...) {
      keep_runtime_error("a callback threw a C++ exception that is not a std::exception");
    }
  }

  /// Whether nothing was kept since the last take or check.
  bool empty() const noexcept { return errors_.empty(); }

  /// The exceptions kept since the last call, oldest first; the log is empty after.
  py::list take() {
    py::list taken;
    for (py::object& error : std::exchange(errors_, {})) taken.append(std::move(error));
    return taken;
  }

  /// Raises the first exception kept since the last take or check (with a
  /// note naming the others, on Pythons that have notes); returns if none.
  /// Each is raised once.
  void check() {
    std::vector<py::object> errors = std::exchange(errors_, {});
    if (errors.empty()) return;
    const py::object& first = errors.front();
    if (errors.size() > 1 && py::hasattr(first, "add_note")) {
      std::string others;
      for (std::size_t i = 1; i < errors.size(); ++i) {
        if (i > 1) others += "; ";
        others += py::str(py::type::handle_of(errors[i]).attr("__name__")).cast<std::string>() +
                  ": " + py::str(errors[i]).cast<std::string>();
      }
      first.attr("add_note")(std::to_string(errors.size() - 1) +
                             " more callback exception(s): " + others);
    }
    raise(first);
  }

 private:
  void keep(py::error_already_set& error) {
    const py::object& value = error.value();
    // Before 3.12 the traceback may travel beside the exception, not on it.
    PyObject* traceback = PyException_GetTraceback(value.ptr());
    if (traceback == nullptr && error.trace()) {
      PyException_SetTraceback(value.ptr(), error.trace().ptr());
    }
    Py_XDECREF(traceback);
    errors_.push_back(value);
  }

  void keep_runtime_error(const char* what) noexcept {
    try {
      errors_.push_back(py::module_::import("builtins").attr("RuntimeError")(what));
    } catch (...) {  // NOLINT(bugprone-empty-catch)
      // no memory left for the error object: the error is lost, the thread goes on
    }
  }

  /// Raises `error` with the traceback it carries, so the report shows where
  /// the callback failed on the native thread.
  [[noreturn]] static void raise(const py::object& error) {
    py::object traceback = error.attr("__traceback__");
    PyErr_Restore(py::type::handle_of(error).inc_ref().ptr(), error.inc_ref().ptr(),
                  traceback.is_none() ? nullptr : traceback.release().ptr());
    throw py::error_already_set();
  }

  std::vector<py::object> errors_;  ///< oldest first; GIL
};

}  // namespace pytest_chatlab::bridge
