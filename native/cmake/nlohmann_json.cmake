# nlohmann_json::nlohmann_json: a system install if there is one, else the
# headers of the `nlohmann-json` wheel in the build environment. CMake never
# downloads anything.
find_package(nlohmann_json 3.10 CONFIG QUIET)
if(nlohmann_json_FOUND)
  return()
endif()

find_package(Python COMPONENTS Interpreter REQUIRED)
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
    "import importlib.util, pathlib; s = importlib.util.find_spec('nlohmann_json'); print(pathlib.Path(s.origin).parent / 'include' if s else '')"
  OUTPUT_VARIABLE chatlab_nlohmann_include
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT EXISTS "${chatlab_nlohmann_include}/nlohmann/json.hpp")
  message(FATAL_ERROR
    "nlohmann/json.hpp not found: install nlohmann-json (apt: nlohmann-json3-dev, "
    "or pip: nlohmann-json) for ${Python_EXECUTABLE}")
endif()
add_library(nlohmann_json INTERFACE)
target_include_directories(nlohmann_json SYSTEM INTERFACE "${chatlab_nlohmann_include}")
add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)
