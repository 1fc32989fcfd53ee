#pragma once
/// callback<Args...>: a Python callable a native thread calls, until cleared;
/// without_gil: a blocking call that lets that thread in. See <pytest_chatlab/bridge.hpp>.

#include <pybind11/pybind11.h>

#include <utility>

#include "errors.hpp"

namespace pytest_chatlab::bridge {

namespace py = pybind11;

/// A Python callable that native code calls with `Args` (converted by
/// pybind11), held until clear(). Touched only with the GIL held; an empty
/// one (default, None, cleared) is never called.
template <typename... Args>
class callback {
 public:
  callback() = default;
  /// None makes an empty callback, so an optional argument can default to it.
  explicit callback(py::object function)
      : function_(function.is_none() ? py::object() : std::move(function)) {}

  /// Whether there is something to call.
  explicit operator bool() const noexcept { return static_cast<bool>(function_); }

  /// Calls the function, if any, with the GIL held; what it raises goes to
  /// `errors`. A reference is held during the call, so the function may clear
  /// its own callback.
  void operator()(error_log& errors, Args... args) const {
    if (!function_) return;
    const py::object keep = function_;  // NOLINT(performance-unnecessary-copy-initialization)
    errors.run([&] { keep(std::move(args)...); });
  }

  /// Drops the reference (GIL held): from now on the native object keeps
  /// nothing of Python alive, so no reference cycle hides in C++.
  void clear() { function_ = py::object(); }

 private:
  py::object function_;  ///< the callable, or null; GIL
};

/// Clears each of `callbacks` (GIL held): what a native object does when
/// its connection ends or it is closed.
template <typename... Callbacks>
void clear(Callbacks&... callbacks) {
  (callbacks.clear(), ...);
}

/// Runs `body()` with the GIL released, and returns what it returns. For
/// every call that blocks (connect, send, stop, join): a native thread may
/// be waiting for the GIL to finish the callback it is in, so a caller that
/// held the GIL while waiting for that thread would wait forever.
template <typename Body>
decltype(auto) without_gil(Body&& body) {
  py::gil_scoped_release released;
  return std::forward<Body>(body)();
}

}  // namespace pytest_chatlab::bridge
