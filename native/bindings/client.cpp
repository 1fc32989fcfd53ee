// Binding of Layer B's Client: every GIL rule of the project lives here.
//
// - The receive thread enters Python only through enter_python(): it takes
//   the GIL first, and not at all once the interpreter is on its way out.
// - Every blocking call (connect, send, the join in disconnect and in the
//   destructor) releases the GIL, since the receive thread may be waiting
//   for it to finish the callback it is in.
// - The C++ side holds the Python callbacks only until the connection ends
//   or disconnect(): a callback that refers to its own client (a bound
//   method) would otherwise be a cycle the garbage collector cannot see.
// - An exception a callback raises is kept, in order, for take_errors();
//   nothing raised on the receive thread terminates the process.
// - The io callbacks hold a weak_ptr: Python alone owns the client, and a
//   callback that drops the last reference destroys it on the receive
//   thread, which Layer B handles by not joining itself.

#include <Python.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "core/error.hpp"
#include "io/client.hpp"

namespace chatlab::bindings {
namespace {

class BoundClient;

/// How long the exit hook waits for callbacks in progress to return.
constexpr std::chrono::seconds exit_grace{5};

/// Whether receive threads may enter Python, and how many are inside. Leaked
/// on purpose: a detached receive thread may still read it during static
/// destruction at exit.
struct PythonGate {
  std::mutex mutex;                              ///< guards everything below
  std::condition_variable idle;                  ///< signalled when `inside` drops to 0
  std::size_t inside = 0;                        ///< receive threads in Python right now
  bool open = true;                              ///< false from the exit hook on
  std::vector<std::weak_ptr<BoundClient>> live;  ///< clients to stop at exit
};

PythonGate& gate() {
  static auto* const instance = new PythonGate();
  return *instance;
}

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

/// A receive thread's pass into Python, counted so the exit hook can wait
/// until no thread is inside before the interpreter starts tearing down.
class PythonEntry {
 public:
  PythonEntry() {
    PythonGate& g = gate();
    std::lock_guard<std::mutex> lock(g.mutex);
    admitted_ = g.open && !interpreter_finalizing();
    if (admitted_) ++g.inside;
  }
  ~PythonEntry() {
    if (!admitted_) return;
    PythonGate& g = gate();
    std::lock_guard<std::mutex> lock(g.mutex);
    if (--g.inside == 0) g.idle.notify_all();
  }
  PythonEntry(const PythonEntry&) = delete;
  PythonEntry& operator=(const PythonEntry&) = delete;

  bool admitted() const noexcept { return admitted_; }

 private:
  bool admitted_ = false;  ///< false: Python is going away, do not touch it
};

/// A chat connection for Python: Layer B's Client plus the Python side of it.
/// Members that are Python objects are touched only with the GIL held.
class BoundClient : public std::enable_shared_from_this<BoundClient> {
 public:
  BoundClient(py::object on_message, py::object on_close, py::object on_invalid)
      : on_message_(std::move(on_message)),
        on_close_(std::move(on_close)),
        on_invalid_(std::move(on_invalid)) {}

  BoundClient(const BoundClient&) = delete;
  BoundClient& operator=(const BoundClient&) = delete;

  /// The GIL is held here: by the Python thread that dropped the last
  /// reference, or by the receive thread whose callback did.
  /// gil_scoped_release throws only while pybind11's internals are first made, long before.
  // NOLINTNEXTLINE(bugprone-exception-escape)
  ~BoundClient() {
    if (!io_) return;
    if (io_->on_receive_thread()) {
      io_.reset();  // Layer B detaches: the thread ends when this callback returns
    } else {
      py::gil_scoped_release released;
      io_.reset();  // joins; the thread may need the GIL to finish a callback
    }
  }

  /// Makes a client whose receive thread reaches it through a weak_ptr.
  static std::shared_ptr<BoundClient> create(py::object on_message, py::object on_close,
                                             py::object on_invalid, std::size_t max_frame_bytes) {
    auto client = std::make_shared<BoundClient>(std::move(on_message), std::move(on_close),
                                                std::move(on_invalid));
    client->io_.emplace(client->io_callbacks(), max_frame_bytes);
    PythonGate& g = gate();
    std::lock_guard<std::mutex> lock(g.mutex);
    g.live.erase(
        std::remove_if(g.live.begin(), g.live.end(),
                       [](const std::weak_ptr<BoundClient>& weak) { return weak.expired(); }),
        g.live.end());
    g.live.push_back(client);
    return client;
  }

  void connect(const std::string& host, int port, double timeout) {
    if (port < 1 || port > 65535) throw py::value_error("port must be 1..65535");
    // NaN and negatives mean "now"; a day stands for "no limit" and keeps the cast defined.
    const double seconds = timeout > 0 ? std::min(timeout, 86400.0) : 0.0;
    const auto limit = std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
    try {
      py::gil_scoped_release released;
      io_->connect(host, static_cast<std::uint16_t>(port), limit);
    } catch (const std::system_error& error) {
      clear_callbacks();  // no thread will ever call them: drop the possible cycle now
      raise_os_error(error, host, port);
    } catch (...) {
      if (!io_->connected()) clear_callbacks();  // not a second connect() of a live client
      throw;
    }
  }

  bool send(const Message& message) {
    py::gil_scoped_release released;  // blocks while the server does not read
    return io_->send(message);
  }

  void disconnect() {
    if (io_->on_receive_thread()) {
      io_->disconnect();  // marks the end only; on_close follows on this thread
      on_message_ = py::object();
      on_invalid_ = py::object();
      return;
    }
    {
      py::gil_scoped_release released;
      io_->disconnect();
    }
    clear_callbacks();  // on_close ran during the join, or never will
  }

  /// Stops the connection at interpreter exit (no GIL held).
  void stop_at_exit() { io_->disconnect(); }

  bool connected() const { return io_->connected(); }
  bool on_receive_thread() const { return io_->on_receive_thread(); }
  std::string local_endpoint() const { return io_->local_endpoint(); }

  /// The exceptions callbacks raised since the last call, oldest first.
  py::list take_errors() { return std::exchange(errors_, py::list()); }

 private:
  /// Runs `body(self)` on the receive thread with the GIL held, if Python
  /// and this client are still there. `self` goes before the GIL does, so a
  /// last reference dropped here destroys the client with the GIL held.
  /// gil_scoped_acquire throws only while pybind11's internals are first made, long before.
  template <typename Body>
  // NOLINTNEXTLINE(bugprone-exception-escape)
  static void enter_python(const std::weak_ptr<BoundClient>& weak, Body&& body) noexcept {
    PythonEntry entry;
    if (!entry.admitted()) return;
    py::gil_scoped_acquire gil;
    try {
      if (std::shared_ptr<BoundClient> self = weak.lock()) body(*self);
    } catch (...) {  // NOLINT(bugprone-empty-catch)
      // body records Python errors itself; nothing else may escape
    }
  }

  io::ClientCallbacks io_callbacks() {
    std::weak_ptr<BoundClient> weak = weak_from_this();
    io::ClientCallbacks callbacks;
    callbacks.on_message = [weak](Message message) {
      enter_python(weak, [&message](BoundClient& self) {
        self.call(self.on_message_, py::cast(std::move(message)));
      });
    };
    callbacks.on_invalid = [weak](const std::string& line, const ProtocolError& error) {
      enter_python(weak, [&line, &error](BoundClient& self) {
        if (!self.on_invalid_) return;
        const py::object error_class =
            py::module_::import("pytest_chatlab.errors").attr("ProtocolError");
        self.call(self.on_invalid_, text_of(line),
                  error_class(std::string(code_name(error.code())), error.what()));
      });
    };
    callbacks.on_close = [weak](io::CloseReason reason, const std::string& detail) {
      enter_python(weak, [reason, &detail](BoundClient& self) {
        // Cleared before the call, so the cycle is broken whatever it does.
        py::object on_close = std::move(self.on_close_);
        self.clear_callbacks();
        self.call(on_close, py::str(io::describe(reason)), py::str(detail));
      });
    };
    return callbacks;
  }

  /// Calls `callback` (a copy keeps it alive if it clears itself), keeping
  /// any exception it raises for take_errors().
  template <typename... Args>
  void call(const py::object& callback, Args&&... args) {
    if (!callback) return;
    const py::object keep = callback;  // NOLINT(performance-unnecessary-copy-initialization)
    try {
      keep(std::forward<Args>(args)...);
    } catch (py::error_already_set& error) {
      const py::object& value = error.value();
      // Before 3.12 the traceback may travel beside the exception, not on it.
      PyObject* traceback = PyException_GetTraceback(value.ptr());
      if (traceback == nullptr && error.trace()) {
        PyException_SetTraceback(value.ptr(), error.trace().ptr());
      }
      Py_XDECREF(traceback);
      errors_.append(value);
    } catch (const std::exception& error) {
      errors_.append(py::module_::import("builtins").attr("RuntimeError")(error.what()));
    }
  }

  void clear_callbacks() {
    on_message_ = py::object();
    on_close_ = py::object();
    on_invalid_ = py::object();
  }

  [[noreturn]] static void raise_os_error(const std::system_error& error, const std::string& host,
                                          int port) {
    // OSError(errno, text) builds the matching subclass: ConnectionRefusedError, TimeoutError.
    const std::string text =
        error.code().message() + " (connecting to " + host + " port " + std::to_string(port) + ")";
    const py::object instance =
        py::module_::import("builtins").attr("OSError")(error.code().value(), text);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(instance.ptr())), instance.ptr());
    throw py::error_already_set();
  }

  py::object on_message_;         ///< (Message) -> None; GIL
  py::object on_close_;           ///< (reason, detail) -> None; GIL
  py::object on_invalid_;         ///< (line, ProtocolError) -> None; GIL
  py::list errors_;               ///< exceptions the callbacks raised; GIL
  std::optional<io::Client> io_;  ///< the connection; set by create()
};

/// Registered with atexit, which runs before the interpreter finalizes:
/// closes the gate, stops every connection and waits (GIL released) until
/// no receive thread is inside a callback, so none is left to enter a dying
/// interpreter. A callback stuck past the grace period is left behind rather
/// than hanging the exit.
void stop_clients_at_exit() {
  std::vector<std::shared_ptr<BoundClient>> live;
  PythonGate& g = gate();
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    g.open = false;
    for (const std::weak_ptr<BoundClient>& weak : g.live) {
      if (auto client = weak.lock()) live.push_back(std::move(client));
    }
    g.live.clear();
  }
  {
    py::gil_scoped_release released;
    for (const auto& client : live) client->stop_at_exit();
    std::unique_lock<std::mutex> lock(g.mutex);
    g.idle.wait_for(lock, exit_grace, [&g] { return g.inside == 0; });
  }
  live.clear();  // with the GIL: a client whose last owner this was goes now
}

}  // namespace

void bind_client(py::module_& m) {
  py::class_<BoundClient, std::shared_ptr<BoundClient>>(
      m, "Client",
      "A chat connection with a C++ receive thread (Layer B's Client). "
      "Callbacks run on that thread with the GIL held. Use pytest_chatlab.Device.")
      .def(py::init(&BoundClient::create), py::arg("on_message"), py::arg("on_close"),
           py::arg("on_invalid") = py::none(), py::kw_only(),
           py::arg("max_frame_bytes") = io::default_max_server_frame_bytes)
      .def("connect", &BoundClient::connect, py::arg("host"), py::arg("port"),
           py::arg("timeout") = 5.0,
           "Connects and starts the receive thread; raises OSError (ConnectionRefusedError, "
           "TimeoutError) or ValueError for a host that is not an IP literal.")
      .def("send", &BoundClient::send, py::arg("message"),
           "Writes one frame; False if the connection is not open.")
      .def("disconnect", &BoundClient::disconnect,
           "Ends the connection and joins the receive thread (not from inside a callback); "
           "idempotent. The callbacks are released.")
      .def("take_errors", &BoundClient::take_errors,
           "The exceptions callbacks raised since the last call, oldest first.")
      .def_property_readonly("connected", &BoundClient::connected)
      .def_property_readonly("on_receive_thread", &BoundClient::on_receive_thread,
                             "Whether the caller is this client's receive thread.")
      .def_property_readonly("local_endpoint", &BoundClient::local_endpoint,
                             "\"127.0.0.1:50312\": this side of the connection.");
  py::module_::import("atexit").attr("register")(py::cpp_function(&stop_clients_at_exit));
}

}  // namespace chatlab::bindings
