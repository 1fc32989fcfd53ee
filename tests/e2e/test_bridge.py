"""The C++ bridge as a downstream project meets it: get_include() and
get_cmake_dir() of the installed package, and a pybind11 module of its own
(bridge_project/) built out of tree with find_package(pytest_chatlab CONFIG),
whose C++ thread calls back into Python under the bridge's rules."""

from __future__ import annotations

import fcntl
import gc
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import weakref
from pathlib import Path
from types import ModuleType

import pytest

import pytest_chatlab as chatlab

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).parent / "bridge_project"


def test_get_include_holds_the_headers_and_get_cmake_dir_the_package():
    include = Path(chatlab.get_include())
    cmake_dir = Path(chatlab.get_cmake_dir())

    assert (include / "pytest_chatlab" / "bridge.hpp").is_file()
    assert (include / "pytest_chatlab" / "bridge" / "gate.hpp").is_file()
    assert (cmake_dir / "pytest_chatlabConfig.cmake").is_file()
    version = (cmake_dir / "pytest_chatlabConfigVersion.cmake").read_text()
    assert f'set(PACKAGE_VERSION "{chatlab.__version__}")' in version


def test_finding_the_bridge_imports_neither_the_compiled_module_nor_pytest(tmp_path):
    code = (
        "import sys, pytest_chatlab as c; c.get_include(); c.get_cmake_dir(); "
        "print(sorted(m for m in sys.modules if m.startswith(('pytest', '_pytest'))))"
    )
    # Not from the root of a clone, where `python -c` would import the clone's package.
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )

    assert done.stdout.strip() == "['pytest_chatlab', 'pytest_chatlab.bridge']"


def test_python_m_bridge_prints_the_directories(tmp_path):
    def ask(flag: str) -> str:
        command = [sys.executable, "-m", "pytest_chatlab.bridge", flag]
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)
        return done.stdout.strip()

    assert ask("--cmakedir") == chatlab.get_cmake_dir()
    assert ask("--includedir") == chatlab.get_include()


# -- a downstream module, built once per run --------------------------------


def _missing_tools() -> str | None:
    """Why the downstream build cannot run here, or None."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    missing = [] if shutil.which("cmake", path=path) else ["cmake"]
    if not any(shutil.which(cxx, path=path) for cxx in (os.environ.get("CXX", "c++"), "g++")):
        missing.append("a C++ compiler")
    if importlib.util.find_spec("pybind11") is None:
        missing.append("pybind11")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        missing.append("Python's headers (Python.h)")
    return f"needs {', '.join(missing)} (pip install cmake pybind11)" if missing else None


def _build(build_dir: Path) -> Path:
    """Configures PROJECT against the installed package, builds it, returns the module file."""
    import pybind11

    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path}
    configure = ["cmake", "-S", str(PROJECT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release"]
    configure += [f"-DPython_EXECUTABLE={sys.executable}"]
    configure += [f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"]
    configure += [f"-Dpytest_chatlab_DIR={chatlab.get_cmake_dir()}"]
    if shutil.which("ninja", path=path):
        configure += ["-G", "Ninja"]
    for command in (configure, ["cmake", "--build", str(build_dir)]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}", pytrace=False)
    return next(build_dir.glob("bridge_ticker*.so"))


@pytest.fixture(scope="module")
def module_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built module, shared by the xdist workers of one run (a lock, one build)."""
    missing = _missing_tools()
    if missing:
        pytest.skip(f"the downstream build {missing}")
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's
    build_dir = root / "bridge-ticker"
    with (root / "bridge-ticker.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = list(build_dir.glob("bridge_ticker*.so"))
        return built[0] if built else _build(build_dir)


@pytest.fixture(scope="module")
def ticker(module_file: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bridge_ticker", module_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Events:
    """Callbacks that record what the ticker's thread delivered."""

    def __init__(self) -> None:
        self.ticks: list[int] = []
        self.threads: set[int] = set()
        self.stopped = threading.Event()
        self.total: int | None = None

    def on_tick(self, tick: int) -> None:
        self.threads.add(threading.get_ident())
        self.ticks.append(tick)

    def on_stop(self, ticks: int) -> None:
        self.total = ticks
        self.stopped.set()


def test_the_native_thread_calls_back_with_the_gil(ticker):
    events = Events()
    native = ticker.Ticker(events.on_tick, events.on_stop)
    native.start(100)

    assert events.stopped.wait(10)
    native.close()

    assert events.ticks == list(range(100))
    assert events.total == 100
    assert len(events.threads) == 1
    assert threading.get_ident() not in events.threads


def test_an_exception_is_kept_and_check_raises_it_on_the_tests_thread(ticker):
    stopped = threading.Event()

    def explode(tick: int) -> None:
        if tick in (3, 5):
            raise KeyError(tick)

    native = ticker.Ticker(explode, lambda ticks: stopped.set())
    native.start(10)
    assert stopped.wait(10)
    native.close()

    with pytest.raises(KeyError) as caught:
        native.check()

    assert caught.value.args == (3,)
    assert caught.traceback[-1].name == "explode"  # where it was raised, on the C++ thread
    if sys.version_info >= (3, 11):
        assert caught.value.__notes__ == ["1 more callback exception(s): KeyError: 5"]
    native.check()  # each error is raised once


def test_close_inside_a_callback_ends_the_ticks(ticker):
    events = Events()
    holder = []

    def on_tick(tick: int) -> None:
        events.on_tick(tick)
        if tick == 2:
            assert holder[0].on_thread
            holder[0].close()  # cannot join its own thread: asks, and returns

    native = ticker.Ticker(on_tick, events.on_stop)
    holder.append(native)
    native.start()  # endless until closed

    assert events.stopped.wait(10)
    assert events.ticks == [0, 1, 2]
    assert events.total == 3
    native.close()
    native.check()


def test_close_releases_the_gil_while_a_callback_needs_it_and_drops_the_callbacks(ticker):
    entered = threading.Event()
    events = Events()

    def busy(tick: int) -> None:
        entered.set()
        sum(range(10_000))  # Python: each tick needs the GIL while close() joins

    native = ticker.Ticker(busy, events.on_stop)
    native.start()
    assert entered.wait(10)
    gone = weakref.ref(events)

    native.close()  # joins with the GIL released, or this never returns

    assert events.stopped.is_set()
    del events, busy
    gc.collect()
    assert gone() is None  # the C++ side holds no callback after close


def test_a_ticker_left_running_at_exit_is_stopped_before_finalization(module_file):
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('bridge_ticker', {str(module_file)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "import threading\n"
        "ticking = threading.Event()\n"
        "forever = module.Ticker(lambda tick: tick == 100 and ticking.set())\n"
        "forever.start()\n"
        "ticking.wait()\n"
        "print('exiting', flush=True)\n"  # with the thread still calling back
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "exiting\n", "")


def test_a_tracked_ticker_whose_callback_raises_fails_its_test(pytester, module_file):
    pytester.makepyfile(
        f"""
        import importlib.util
        import threading

        import pytest_chatlab as chatlab

        spec = importlib.util.spec_from_file_location("bridge_ticker", {str(module_file)!r})
        bridge_ticker = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bridge_ticker)

        def on_tick(tick):
            if tick == 1:
                raise ValueError("tick one is odd")

        def test_ticks():
            stopped = threading.Event()
            ticker = chatlab.track(bridge_ticker.Ticker(on_tick, lambda n: stopped.set()))
            ticker.start(3)
            assert stopped.wait(10)
            ticker.close()
        """
    )

    # A process of its own: this one has loaded the module already.
    result = pytester.runpytest_subprocess("-p", "no:hypothesispytest")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*Ticker: check() raised*", "*in on_tick*", "*ValueError: tick one is odd*"]
    )
