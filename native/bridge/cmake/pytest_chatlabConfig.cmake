# find_package(pytest_chatlab CONFIG): the target pytest_chatlab::bridge, the
# header-only GIL rules for a pybind11 module whose C++ threads call Python.
# Installed as pytest_chatlab/share/cmake/pytest_chatlab inside the package,
# so the headers are three levels up; nothing here depends on where that is.
#
#   find_package(pybind11 CONFIG REQUIRED)          # pybind11 first, or found here
#   find_package(pytest_chatlab CONFIG REQUIRED)
#   target_link_libraries(my_module PRIVATE pytest_chatlab::bridge)
#
# pytest_chatlab_DIR: python -c "import pytest_chatlab; print(pytest_chatlab.get_cmake_dir())"
include(CMakeFindDependencyMacro)
if(NOT TARGET pybind11::headers)
  find_dependency(pybind11 CONFIG)
endif()

get_filename_component(pytest_chatlab_INCLUDE_DIR "${CMAKE_CURRENT_LIST_DIR}/../../../include"
                       ABSOLUTE)
if(NOT TARGET pytest_chatlab::bridge)
  add_library(pytest_chatlab::bridge INTERFACE IMPORTED)
  set_target_properties(pytest_chatlab::bridge PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${pytest_chatlab_INCLUDE_DIR}"
    INTERFACE_COMPILE_FEATURES cxx_std_17
    INTERFACE_LINK_LIBRARIES pybind11::headers)
endif()
set(pytest_chatlab_FOUND TRUE)
