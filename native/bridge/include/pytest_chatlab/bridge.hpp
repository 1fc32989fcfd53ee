#pragma once
// pytest_chatlab::bridge: the GIL rules for a pybind11 binding of a C++ object
// whose own thread calls back into Python (a client with a receive thread, a
// device driver with an event loop). Header-only; from CMake:
//
//   find_package(pybind11 CONFIG REQUIRED)
//   find_package(pytest_chatlab CONFIG REQUIRED)
//   target_link_libraries(my_module PRIVATE pytest_chatlab::bridge)
//
// configured with -Dpytest_chatlab_DIR="$(python -m pytest_chatlab.bridge --cmakedir)", or
// include <pytest_chatlab/bridge.hpp> from pytest_chatlab.get_include().
//
// Theory of operation. Python owns the bound object (py::class_<T,
// std::shared_ptr<T>>); the native thread reaches it through a weak_ptr, and
// reaches Python only through the gate. Five rules, one piece each:
//
// 1. Enter Python only through enter_python(weak, body). It counts the thread
//    in at the gate, takes the GIL, runs body(*self) if Python still holds
//    the object, and lets nothing escape. Once the interpreter is finalizing,
//    or the exit hook closed the gate, it runs nothing.
// 2. Stop the native thread before the interpreter finalizes: stop_at_exit(
//    object, stop) registers it with an atexit hook (installed on first use)
//    that closes the gate, calls every stop with the GIL released, and waits
//    for the threads inside Python to leave (at most exit_grace).
// 3. Release the GIL around every call that blocks (without_gil): connect,
//    send, and above all the join of the native thread, which may be waiting
//    for the GIL to finish the callback it is in. Close inside a callback
//    runs on the native thread, which cannot join itself: there close only
//    asks the thread to end (the native library's part) and clears the
//    callbacks, which is safe on that thread.
// 4. Keep the Python callables in callback<Args...> members and clear() them
//    when the connection ends or the object is closed: a callable that refers
//    to its own object (a bound method) would otherwise be a reference cycle
//    through C++ that Python's garbage collector cannot see. The last one a
//    thread calls (on_close, say) is moved out with std::exchange and the
//    others cleared before it runs, so the cycle is broken whatever it does.
// 5. A callback's exception never terminates the process: callback<...>
//    keeps it, traceback included, in an error_log, and the object's check()
//    (bound as a method: error_log::check) raises it on the test's thread.
//    With pytest_chatlab.track(obj), the test that owns obj fails with it.
//
// Every bridge object is touched with the GIL held, except python_entry and
// the gate, which are taken before the GIL. Each extension module has its
// own gate and exit hook.

#include "bridge/callback.hpp"
#include "bridge/errors.hpp"
#include "bridge/gate.hpp"
