// Binding of Layer B's Client, on the GIL rules of pytest_chatlab::bridge
// (native/bridge, the header-only library the wheel ships for other people's
// bindings too; its header says why each rule is there). What is particular here:
//
// - The receive thread enters Python only through bridge::enter_python, and
//   the exit hook stops every live client (bridge::stop_at_exit).
// - Every blocking call (connect, send, the join in disconnect and in the
//   destructor) runs bridge::without_gil.
// - The callbacks are bridge::callback members, cleared when the connection
//   ends or on disconnect(); what they raise is kept in a bridge::error_log
//   for take_errors().
// - disconnect() from inside a callback only marks the end (Layer B cannot
//   join its own thread), and a callback that drops the last reference
//   destroys the client on the receive thread, which Layer B detaches.

#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "bindings.hpp"
#include "core/error.hpp"
#include "io/client.hpp"
#include "pytest_chatlab/bridge.hpp"

namespace chatlab::bindings {
namespace {

namespace bridge = pytest_chatlab::bridge;

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
      bridge::without_gil([this] { io_.reset(); });  // joins
    }
  }

  /// Makes a client whose receive thread reaches it through a weak_ptr.
  static std::shared_ptr<BoundClient> create(py::object on_message, py::object on_close,
                                             py::object on_invalid, std::size_t max_frame_bytes) {
    auto client = std::make_shared<BoundClient>(std::move(on_message), std::move(on_close),
                                                std::move(on_invalid));
    client->io_.emplace(client->io_callbacks(), max_frame_bytes);
    bridge::stop_at_exit(client, [](BoundClient& stopped) { stopped.io_->disconnect(); });
    return client;
  }

  void connect(const std::string& host, int port, double timeout) {
    if (port < 1 || port > 65535) throw py::value_error("port must be 1..65535");
    // NaN and negatives mean "now"; a day stands for "no limit" and keeps the cast defined.
    const double seconds = timeout > 0 ? std::min(timeout, 86400.0) : 0.0;
    const auto limit = std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
    try {
      bridge::without_gil([&] { io_->connect(host, static_cast<std::uint16_t>(port), limit); });
    } catch (const std::system_error& error) {
      clear_callbacks();  // no thread will ever call them: drop the possible cycle now
      raise_os_error(error, host, port);
    } catch (...) {
      if (!io_->connected()) clear_callbacks();  // not a second connect() of a live client
      throw;
    }
  }

  bool send(const Message& message) {
    // Blocks while the server does not read.
    return bridge::without_gil([&] { return io_->send(message); });
  }

  void disconnect() {
    if (io_->on_receive_thread()) {
      io_->disconnect();  // marks the end only; on_close follows on this thread
      bridge::clear(on_message_, on_invalid_);
      return;
    }
    bridge::without_gil([this] { io_->disconnect(); });
    clear_callbacks();  // on_close ran during the join, or never will
  }

  bool connected() const { return io_->connected(); }
  bool on_receive_thread() const { return io_->on_receive_thread(); }
  std::string local_endpoint() const { return io_->local_endpoint(); }

  /// The exceptions callbacks raised since the last call, oldest first.
  py::list take_errors() { return errors_.take(); }

 private:
  io::ClientCallbacks io_callbacks() {
    std::weak_ptr<BoundClient> weak = weak_from_this();
    io::ClientCallbacks callbacks;
    callbacks.on_message = [weak](Message message) {
      bridge::enter_python(weak, [&message](BoundClient& self) {
        self.on_message_(self.errors_, std::move(message));
      });
    };
    callbacks.on_invalid = [weak](const std::string& line, const ProtocolError& error) {
      bridge::enter_python(weak, [&line, &error](BoundClient& self) {
        if (!self.on_invalid_) return;
        self.errors_.run([&] {
          const py::object error_class =
              py::module_::import("pytest_chatlab.errors").attr("ProtocolError");
          self.on_invalid_(self.errors_, text_of(line),
                           error_class(std::string(code_name(error.code())), error.what()));
        });
      });
    };
    callbacks.on_close = [weak](io::CloseReason reason, const std::string& detail) {
      bridge::enter_python(weak, [reason, &detail](BoundClient& self) {
        // Cleared before the call, so the cycle is broken whatever it does.
        const auto on_close = std::exchange(self.on_close_, {});
        self.clear_callbacks();
        on_close(self.errors_, io::describe(reason), detail);
      });
    };
    return callbacks;
  }

  void clear_callbacks() { bridge::clear(on_message_, on_close_, on_invalid_); }

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

  bridge::callback<Message> on_message_;                 ///< (Message) -> None; GIL
  bridge::callback<std::string, std::string> on_close_;  ///< (reason, detail) -> None; GIL
  bridge::callback<py::str, py::object> on_invalid_;     ///< (line, ProtocolError); GIL
  bridge::error_log errors_;                             ///< what the callbacks raised; GIL
  std::optional<io::Client> io_;                         ///< the connection; set by create()
};

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
  bridge::install_exit_hook();
}

}  // namespace chatlab::bindings
