// kvstore._kv.Client: kv::client::Client for Python (Mode 3), on the GIL rules
// of pytest_chatlab::bridge (the header-only library pytest-chatlab ships; its
// header says why each rule is there). What is particular here:
//
// - The receive thread enters Python only through bridge::enter_python, and
//   the exit hook disconnects every live client (bridge::stop_at_exit).
// - Every blocking call (connect, each request, the join in close() and in
//   the destructor) runs bridge::without_gil.
// - The callbacks are bridge::callback members, cleared when the connection
//   ends or on close(); what they raise is kept in a bridge::error_log that
//   check() raises on the test's thread.
// - close() inside a callback only marks the end (the client cannot join its
//   own thread): on_closed follows there with "disconnected".

#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "client/client.hpp"
#include "pytest_chatlab/bridge.hpp"

namespace kv::bindings {
namespace {

namespace bridge = pytest_chatlab::bridge;

/// A kv connection for Python: the C++ Client plus the Python side of it.
/// Members that are Python objects are touched only with the GIL held.
class BoundClient : public std::enable_shared_from_this<BoundClient> {
 public:
  BoundClient(py::object on_reply, py::object on_changed, py::object on_closed)
      : on_reply_(std::move(on_reply)),
        on_changed_(std::move(on_changed)),
        on_closed_(std::move(on_closed)) {}

  BoundClient(const BoundClient&) = delete;
  BoundClient& operator=(const BoundClient&) = delete;

  /// The GIL is held here: by the Python thread that dropped the last
  /// reference, or by the receive thread whose callback did.
  // NOLINTNEXTLINE(bugprone-exception-escape): gil_scoped_release throws only at first use
  ~BoundClient() {
    if (!native_) return;
    if (native_->on_receive_thread()) {
      native_.reset();  // the client detaches: the thread ends when this callback returns
    } else {
      bridge::without_gil([this] { native_.reset(); });  // joins
    }
  }

  /// Makes a client whose receive thread reaches it through a weak_ptr.
  static std::shared_ptr<BoundClient> create(py::object on_reply, py::object on_changed,
                                             py::object on_closed) {
    auto self = std::make_shared<BoundClient>(std::move(on_reply), std::move(on_changed),
                                              std::move(on_closed));
    self->native_.emplace(self->native_callbacks());
    bridge::stop_at_exit(self, [](BoundClient& client) { client.native_->disconnect(); });
    return self;
  }

  void connect(const std::string& host, int port, double timeout) {
    if (port < 1 || port > 65535) throw py::value_error("port must be 1..65535");
    // At least a millisecond (0 would mean no limit); a day stands for "no limit".
    const double seconds = std::clamp(timeout, 0.001, 86400.0);  // NaN: a millisecond
    const auto limit = std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
    try {
      bridge::without_gil([&] { native_->connect(host, static_cast<std::uint16_t>(port), limit); });
    } catch (const std::runtime_error& error) {
      // no thread will ever call them (unless this is a second connect): drop the cycle now
      if (!native_->connected()) clear_callbacks();
      raise_connection_error(error);
    }
  }

  /// Sends `request` (blocking while the server does not read).
  void send(const Request& request) {
    try {
      bridge::without_gil([&] { native_->send(request); });
    } catch (const std::runtime_error& error) {
      raise_connection_error(error);
    }
  }

  void close() {
    if (native_->on_receive_thread()) {
      native_->disconnect();  // marks the end only; on_closed follows on this thread
      bridge::clear(on_reply_, on_changed_);
      return;
    }
    bridge::without_gil([this] { native_->disconnect(); });
    clear_callbacks();  // on_closed ran during the join, or never will
  }

  bool connected() const { return native_->connected(); }
  bool on_receive_thread() const { return native_->on_receive_thread(); }
  void check() { errors_.check(); }
  py::list take_errors() { return errors_.take(); }

 private:
  client::Callbacks native_callbacks() {
    std::weak_ptr<BoundClient> weak = weak_from_this();
    client::Callbacks callbacks;
    callbacks.on_reply = [weak](const Reply& reply) {
      bridge::enter_python(weak,
                           [&reply](BoundClient& self) { self.on_reply_(self.errors_, reply); });
    };
    callbacks.on_changed = [weak](const std::string& key, const std::optional<std::string>& value) {
      bridge::enter_python(
          weak, [&key, &value](BoundClient& self) { self.on_changed_(self.errors_, key, value); });
    };
    callbacks.on_closed = [weak](const std::string& reason) {
      bridge::enter_python(weak, [&reason](BoundClient& self) {
        // Cleared before the call, so the cycle is broken whatever it does.
        const auto on_closed = std::exchange(self.on_closed_, {});
        self.clear_callbacks();
        on_closed(self.errors_, reason);
      });
    };
    return callbacks;
  }

  void clear_callbacks() { bridge::clear(on_reply_, on_changed_, on_closed_); }

  [[noreturn]] static void raise_connection_error(const std::runtime_error& error) {
    PyErr_SetString(PyExc_ConnectionError, error.what());
    throw py::error_already_set();
  }

  bridge::callback<Reply> on_reply_;                                      ///< (Reply); GIL
  bridge::callback<std::string, std::optional<std::string>> on_changed_;  ///< (key, value); GIL
  bridge::callback<std::string> on_closed_;                               ///< (reason); GIL
  bridge::error_log errors_;              ///< what the callbacks raised; GIL
  std::optional<client::Client> native_;  ///< the connection; set by create()
};

/// A request about one key (every op but set and ping).
Request keyed(Op op, std::string& key) { return Request{op, std::move(key), {}}; }

}  // namespace

void bind_client(py::module_& m) {
  py::class_<BoundClient, std::shared_ptr<BoundClient>>(
      m, "Client",
      "A kv-server connection with a C++ receive thread (kv::client::Client). Callbacks run "
      "on that thread with the GIL held; what they raise, check() raises.")
      .def(py::init(&BoundClient::create), py::arg("on_reply") = py::none(),
           py::arg("on_changed") = py::none(), py::arg("on_closed") = py::none())
      .def("connect", &BoundClient::connect, py::arg("host"), py::arg("port"),
           py::arg("timeout") = 5.0,
           "Connects and starts the receive thread; raises ConnectionError.")
      .def(
          "set",
          [](BoundClient& self, std::string key, std::string value) {
            self.send(Request{Op::set, std::move(key), std::move(value)});
          },
          py::arg("key"), py::arg("value"))
      .def(
          "get", [](BoundClient& self, std::string key) { self.send(keyed(Op::get, key)); },
          py::arg("key"))
      .def(
          "delete", [](BoundClient& self, std::string key) { self.send(keyed(Op::del, key)); },
          py::arg("key"), "The protocol's del (a Python keyword).")
      .def(
          "watch", [](BoundClient& self, std::string key) { self.send(keyed(Op::watch, key)); },
          py::arg("key"))
      .def(
          "unwatch", [](BoundClient& self, std::string key) { self.send(keyed(Op::unwatch, key)); },
          py::arg("key"))
      .def("ping", [](BoundClient& self) { self.send(Request{Op::ping, {}, {}}); })
      .def("close", &BoundClient::close,
           "Ends the connection; joins the receive thread unless called from a callback. "
           "Idempotent; the callbacks are released.")
      .def("check", &BoundClient::check,
           "Raises the first exception a callback raised since the last check, if any.")
      .def("take_errors", &BoundClient::take_errors,
           "The exceptions callbacks raised since the last call, oldest first.")
      .def_property_readonly("connected", &BoundClient::connected)
      .def_property_readonly("on_receive_thread", &BoundClient::on_receive_thread,
                             "Whether the caller is this client's receive thread.");
}

}  // namespace kv::bindings
