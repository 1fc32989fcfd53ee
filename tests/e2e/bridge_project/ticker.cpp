// bridge_ticker: somebody's C++ object with a thread of its own (Ticker, which
// knows nothing of Python), bound with pytest_chatlab::bridge. Each rule of
// <pytest_chatlab/bridge.hpp> appears once; tests/e2e/test_bridge.py tests them.

#include <pybind11/pybind11.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pytest_chatlab/bridge.hpp>
#include <thread>
#include <utility>

namespace py = pybind11;
namespace bridge = pytest_chatlab::bridge;

namespace {

/// Calls on_tick(0), on_tick(1), ... on a thread of its own until `count`
/// ticks or stop(), then on_stop(ticks). Plain C++: no Python here.
class Ticker {
 public:
  Ticker(std::function<void(long)> on_tick, std::function<void(long)> on_stop)
      : shared_(std::make_shared<Shared>()) {
    shared_->on_tick = std::move(on_tick);
    shared_->on_stop = std::move(on_stop);
  }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  /// On its own thread (a callback dropped the last owner) it cannot join itself.
  ~Ticker() {
    request_stop();
    if (!thread_.joinable()) return;
    if (on_thread()) {
      thread_.detach();  // the thread owns `shared_` too, and ends on its own
    } else {
      thread_.join();
    }
  }

  /// Starts the thread; a negative count ticks until stop().
  void start(long count) {
    std::lock_guard<std::mutex> lock(lifecycle_);
    if (thread_.joinable()) return;
    thread_ = std::thread([shared = shared_, count] {
      long ticks = 0;
      for (; (count < 0 || ticks < count) && !shared->stopping; ++ticks) shared->on_tick(ticks);
      shared->on_stop(ticks);
    });
  }

  /// Asks the thread to end after the current tick; any thread, a callback included.
  void request_stop() { shared_->stopping = true; }

  /// request_stop(), then joins (not from the ticker's own thread).
  void stop() {
    request_stop();
    std::lock_guard<std::mutex> lock(lifecycle_);
    if (thread_.joinable() && !on_thread()) thread_.join();
  }

  /// Whether the caller is the ticker's thread (inside a callback).
  bool on_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  /// What the thread shares with this handle.
  struct Shared {
    std::atomic<bool> stopping{false};  ///< set by request_stop()
    std::function<void(long)> on_tick;  ///< fixed before the thread starts
    std::function<void(long)> on_stop;  ///< fixed before the thread starts
  };

  std::shared_ptr<Shared> shared_;  ///< owned jointly with the thread
  std::thread thread_;              ///< the ticker's thread
  std::mutex lifecycle_;            ///< start and join
};

/// Ticker for Python, on the bridge's rules.
class BoundTicker : public std::enable_shared_from_this<BoundTicker> {
 public:
  BoundTicker(py::object on_tick, py::object on_stop)
      : on_tick_(std::move(on_tick)), on_stop_(std::move(on_stop)) {}

  // NOLINTNEXTLINE(bugprone-exception-escape): gil_scoped_release throws only at first use
  ~BoundTicker() {
    if (!native_) return;
    if (native_->on_thread()) {
      native_.reset();  // detaches
    } else {
      bridge::without_gil([this] { native_.reset(); });  // joins (rule 3)
    }
  }

  static std::shared_ptr<BoundTicker> create(py::object on_tick, py::object on_stop) {
    auto self = std::make_shared<BoundTicker>(std::move(on_tick), std::move(on_stop));
    std::weak_ptr<BoundTicker> weak = self;  // rule 1: Python alone owns it
    self->native_.emplace(
        [weak](long tick) {
          bridge::enter_python(weak, [tick](BoundTicker& me) { me.on_tick_(me.errors_, tick); });
        },
        [weak](long ticks) {
          bridge::enter_python(weak, [ticks](BoundTicker& me) {
            const auto on_stop = std::exchange(me.on_stop_, {});  // rule 4: cleared first
            bridge::clear(me.on_tick_);
            on_stop(me.errors_, ticks);
          });
        });
    bridge::stop_at_exit(self, [](BoundTicker& ticker) { ticker.native_->request_stop(); });
    return self;  // rule 2
  }

  void start(long count) { native_->start(count); }

  /// Stops and joins; from inside a callback, only asks (on_stop follows there).
  void close() {
    if (native_->on_thread()) {
      native_->request_stop();
      bridge::clear(on_tick_);
      return;
    }
    bridge::without_gil([this] { native_->stop(); });  // rule 3
    bridge::clear(on_tick_, on_stop_);                 // rule 4
  }

  void check() { errors_.check(); }                  // rule 5
  py::list take_errors() { return errors_.take(); }  // rule 5
  bool on_thread() const { return native_->on_thread(); }

 private:
  bridge::callback<long> on_tick_;  ///< (tick) -> None; GIL
  bridge::callback<long> on_stop_;  ///< (ticks) -> None; GIL
  bridge::error_log errors_;        ///< what they raised; GIL
  std::optional<Ticker> native_;    ///< set by create()
};

}  // namespace

PYBIND11_MODULE(bridge_ticker, m) {
  py::class_<BoundTicker, std::shared_ptr<BoundTicker>>(m, "Ticker")
      .def(py::init(&BoundTicker::create), py::arg("on_tick"), py::arg("on_stop") = py::none())
      .def("start", &BoundTicker::start, py::arg("count") = -1)
      .def("close", &BoundTicker::close)
      .def("check", &BoundTicker::check)
      .def("take_errors", &BoundTicker::take_errors)
      .def_property_readonly("on_thread", &BoundTicker::on_thread);
}
