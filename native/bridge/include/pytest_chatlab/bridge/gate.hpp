#pragma once
/// The interpreter gate: the one way a native thread enters Python, closed at
/// exit before the interpreter finalizes. See <pytest_chatlab/bridge.hpp>.

#include <pybind11/pybind11.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace pytest_chatlab::bridge {

namespace py = pybind11;

/// How long the exit hook waits for callbacks in progress to return; one
/// stuck longer is left behind rather than hanging the exit.
inline constexpr std::chrono::seconds exit_grace{5};

namespace detail {

/// A native object to stop at exit, held weakly so the gate keeps nothing alive.
struct exit_stop {
  std::weak_ptr<void> target;              ///< the object; expired once Python dropped it
  std::function<void(void* target)> stop;  ///< ends its calls into Python; no GIL
};

/// Whether native threads may enter Python, and how many are inside.
struct gate_state {
  std::mutex mutex;                ///< guards everything below
  std::condition_variable idle;    ///< signalled when `inside` drops to 0
  std::size_t inside = 0;          ///< native threads in Python right now
  bool open = true;                ///< false from the exit hook on
  bool hook_installed = false;     ///< the atexit hook is registered
  std::vector<exit_stop> at_exit;  ///< what the exit hook stops
};

/// The gate of this extension module (pybind11 hides symbols, so each module
/// has its own). Leaked on purpose: a detached native thread may still read
/// it during static destruction at exit.
inline gate_state& gate() {
  static auto* const instance = new gate_state();
  return *instance;
}

inline bool interpreter_finalizing() noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

/// Registered with atexit, which runs before the interpreter finalizes:
/// closes the gate, stops every registered object and waits (GIL released)
/// until no native thread is inside Python, for at most exit_grace.
inline void run_exit_hook() {
  std::vector<std::pair<std::shared_ptr<void>, std::function<void(void*)>>> live;
  gate_state& g = gate();
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    g.open = false;
    for (exit_stop& entry : g.at_exit) {
      if (std::shared_ptr<void> target = entry.target.lock()) {
        live.emplace_back(std::move(target), std::move(entry.stop));
      }
    }
    g.at_exit.clear();
  }
  {
    py::gil_scoped_release released;
    for (const auto& [target, stop] : live) {
      try {
        stop(target.get());
      } catch (...) {  // NOLINT(bugprone-empty-catch)
        // one object that fails to stop must not keep the others running
      }
    }
    std::unique_lock<std::mutex> lock(g.mutex);
    g.idle.wait_for(lock, exit_grace, [&g] { return g.inside == 0; });
  }
  live.clear();  // with the GIL: an object whose last owner this was goes now
}

}  // namespace detail

/// Registers the exit hook of this module's gate with atexit, once; later
/// calls do nothing. GIL held. stop_at_exit() calls it: a module whose
/// threads are all stopped through stop_at_exit() need not.
inline void install_exit_hook() {
  detail::gate_state& g = detail::gate();
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    if (g.hook_installed) return;
    g.hook_installed = true;
  }
  try {
    py::module_::import("atexit").attr("register")(py::cpp_function(&detail::run_exit_hook));
  } catch (...) {
    std::lock_guard<std::mutex> lock(g.mutex);
    g.hook_installed = false;
    throw;
  }
}

/// Has the exit hook call `stop(*object)` (no GIL held) if `object` is still
/// alive at interpreter exit: `stop` must end its native thread's calls into
/// Python (shut the connection down, say); it need not join. Held weakly.
/// GIL held: call it where the object is made.
template <typename T, typename Stop>
void stop_at_exit(const std::shared_ptr<T>& object, Stop stop) {
  install_exit_hook();
  detail::gate_state& g = detail::gate();
  std::lock_guard<std::mutex> lock(g.mutex);
  auto& entries = g.at_exit;
  std::vector<detail::exit_stop> kept;
  kept.reserve(entries.size() + 1);
  for (detail::exit_stop& entry : entries) {
    if (!entry.target.expired()) kept.push_back(std::move(entry));
  }
  kept.push_back(
      {object, [stop = std::move(stop)](void* target) { stop(*static_cast<T*>(target)); }});
  entries = std::move(kept);
}

/// A native thread's pass into Python, counted so the exit hook can wait
/// until no thread is inside before the interpreter starts tearing down.
/// Taken before the GIL, released after it.
class python_entry {
 public:
  python_entry() {
    detail::gate_state& g = detail::gate();
    std::lock_guard<std::mutex> lock(g.mutex);
    admitted_ = g.open && !detail::interpreter_finalizing();
    if (admitted_) ++g.inside;
  }
  ~python_entry() {
    if (!admitted_) return;
    detail::gate_state& g = detail::gate();
    std::lock_guard<std::mutex> lock(g.mutex);
    if (--g.inside == 0) g.idle.notify_all();
  }
  python_entry(const python_entry&) = delete;
  python_entry& operator=(const python_entry&) = delete;

  /// False: Python is going away; do not touch it.
  bool admitted() const noexcept { return admitted_; }

 private:
  bool admitted_ = false;  ///< whether this thread counts as inside
};

/// Runs `body()` on a native thread with the GIL held, unless Python is
/// going away. Nothing escapes: `body` keeps its Python errors itself (an
/// error_log), anything else is dropped. Whether `body` ran.
/// gil_scoped_acquire throws only while pybind11's internals are first made, long before.
template <typename Body>
// NOLINTNEXTLINE(bugprone-exception-escape)
bool enter_python(Body&& body) noexcept {
  python_entry entry;
  if (!entry.admitted()) return false;
  py::gil_scoped_acquire gil;
  try {
    std::forward<Body>(body)();
  } catch (...) {  // NOLINT(bugprone-empty-catch)
    // nothing may escape a native thread; Python errors were kept by body
  }
  return true;
}

/// enter_python(body) for an object Python owns: runs `body(*self)` if
/// `weak` still leads to it. `self` goes before the GIL does, so a last
/// reference dropped there destroys the object with the GIL held.
template <typename T, typename Body>
void enter_python(const std::weak_ptr<T>& weak, Body&& body) noexcept {
  enter_python([&weak, &body] {
    if (std::shared_ptr<T> self = weak.lock()) std::forward<Body>(body)(*self);
  });
}

}  // namespace pytest_chatlab::bridge
