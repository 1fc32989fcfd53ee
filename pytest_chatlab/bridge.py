"""Where the bridge is: the C++ headers and the CMake package the wheel ships.

``pytest_chatlab::bridge`` (``native/bridge``) is the header-only library of
Mode 3's GIL rules, for a pybind11 module whose own C++ threads call back
into Python. It is found the way pybind11 is::

    find_package(pytest_chatlab CONFIG REQUIRED)
    target_link_libraries(my_module PRIVATE pytest_chatlab::bridge)

with ``-Dpytest_chatlab_DIR="$(python -m pytest_chatlab.bridge --cmakedir)"``
(``get_cmake_dir()``), or the headers alone from ``get_include()``.

CMake installs both directories inside the package. An editable install
(``pip install -e``) puts them in site-packages while the Python files stay
in the clone; the package's ``__path__`` lists both places, so both are
searched. Nothing here imports the compiled module.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["get_cmake_dir", "get_include"]

_HEADER = Path("include") / "pytest_chatlab" / "bridge.hpp"
_CONFIG = Path("share") / "cmake" / "pytest_chatlab" / "pytest_chatlabConfig.cmake"


def get_include() -> str:
    """The directory to put on the include path for ``#include <pytest_chatlab/bridge.hpp>``."""
    return str(_installed(_HEADER).parents[1])


def get_cmake_dir() -> str:
    """The directory with ``pytest_chatlabConfig.cmake``: ``pytest_chatlab_DIR`` for
    ``find_package(pytest_chatlab CONFIG)``, which gives the target ``pytest_chatlab::bridge``."""
    return str(_installed(_CONFIG).parent)


def _installed(relative: Path) -> Path:
    from . import __path__ as package_dirs

    places = [Path(directory) / relative for directory in package_dirs]
    for place in places:
        if place.is_file():
            return place
    raise FileNotFoundError(
        f"pytest_chatlab's C++ bridge is not installed beside the pytest_chatlab imported "
        f"({', '.join(package_dirs)}): no {relative} there. It comes with the wheel or "
        "`pip install -e .`, not with a source tree on sys.path"
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m pytest_chatlab.bridge --includedir | --cmakedir``, as pybind11 has."""
    import argparse  # here: finding the directories from Python needs none of it

    parser = argparse.ArgumentParser(
        prog="python -m pytest_chatlab.bridge",
        description="Where pytest_chatlab's C++ bridge (pytest_chatlab::bridge) is installed.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--includedir", action="store_true", help="print get_include()")
    which.add_argument("--cmakedir", action="store_true", help="print get_cmake_dir()")
    arguments = parser.parse_args(argv)
    print(get_include() if arguments.includedir else get_cmake_dir())


if __name__ == "__main__":
    main()
