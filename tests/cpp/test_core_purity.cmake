# native/cmake/core_purity.cmake refuses what it should and nothing else. Run
# by ctest (tests/cpp/CMakeLists.txt) as
#   cmake -DCHECK=<core_purity.cmake> -DCORE=<native/core> -DWORK=<scratch dir> -P this
# Each case writes a small tree under WORK and runs the check as the build
# does, as a command: its exit status and its message are what is judged.

set(failures)

# Runs the check on `dir`; sets `status` and `output` (stdout and stderr) in the caller.
function(run_check dir)
  execute_process(COMMAND "${CMAKE_COMMAND}" "-DCHATLAB_CORE_DIR=${dir}" -P "${CHECK}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(status "${result}" PARENT_SCOPE)
  set(output "${out}${err}" PARENT_SCOPE)
endfunction()

# A tree whose one file, two folders down, holds `line` among allowed includes.
function(write_case name file line)
  set(dir "${WORK}/${name}")
  file(REMOVE_RECURSE "${dir}")
  file(WRITE "${dir}/deep/er/${file}"
       "#pragma once\n#include <string>\n${line}\n#include \"core/message.hpp\"\n")
  set(case_dir "${dir}" PARENT_SCOPE)
endfunction()

function(expect_refused name file line)
  write_case("${name}" "${file}" "${line}")
  run_check("${case_dir}")
  string(FIND "${output}" "${file}: ${line}" named)
  if(status EQUAL 0 OR named EQUAL -1)
    list(APPEND failures "refused? '${line}' in ${file}: exit ${status}, said: ${output}")
    set(failures "${failures}" PARENT_SCOPE)
  endif()
endfunction()

function(expect_allowed name file line)
  write_case("${name}" "${file}" "${line}")
  run_check("${case_dir}")
  if(NOT status EQUAL 0)
    list(APPEND failures "allowed? '${line}' in ${file}: exit ${status}, said: ${output}")
    set(failures "${failures}" PARENT_SCOPE)
  endif()
endfunction()

# Threads, clocks, signals, sockets, files, processes, Python: one case each,
# so a header dropped from the rule fails here by name.
set(refused
    thread mutex shared_mutex atomic condition_variable future semaphore latch barrier
    stop_token execution pthread.h threads.h stdatomic.h chrono ctime time.h csignal
    signal.h spawn.h cstdio stdio.h fstream iostream filesystem fcntl.h dirent.h unistd.h
    netdb.h poll.h sys/socket.h sys/epoll.h sys/time.h sys/wait.h netinet/in.h
    netinet/tcp.h arpa/inet.h net/if.h linux/sockios.h Python.h pybind11/pybind11.h)
set(index 0)
foreach(header IN LISTS refused)
  math(EXPR index "${index} + 1")
  expect_refused("refused-${index}" "bad.hpp" "#include <${header}>")
endforeach()

# However the line is spelled, and whatever kind of source holds it.
expect_refused("spaced" "bad.cpp" "  #  include   <thread>")
expect_refused("tabbed" "bad.h" "#\tinclude<atomic>")
# Layer A includes no project header but its own: not Layer B's, nor the apps'.
expect_refused("layer-b" "bad.cpp" "#include \"io/socket.hpp\"")
expect_refused("apps" "bad.hpp" "#include \"cli/arguments.hpp\"")

# What the core may use: the standard library's pure parts, the JSON parser, itself.
set(allowed
    string string_view vector optional algorithm cstdlib cstring cstdint charconv sstream
    ostream random unordered_map nlohmann/json.hpp)
set(index 0)
foreach(header IN LISTS allowed)
  math(EXPR index "${index} + 1")
  expect_allowed("allowed-${index}" "good.hpp" "#include <${header}>")
endforeach()
# Names that only start like a refused one.
expect_allowed("prefix" "good.hpp" "#include <threadsafe_queue_of_my_own>")
expect_allowed("commented" "good.cpp" "// the core has no #include <thread>")

# And the real core passes, every folder of it.
run_check("${CORE}")
if(NOT status EQUAL 0)
  list(APPEND failures "the real core is refused: ${output}")
endif()

file(REMOVE_RECURSE "${WORK}")
if(failures)
  list(JOIN failures "\n" shown)
  message(FATAL_ERROR "core purity check:\n${shown}")
endif()
list(LENGTH refused refused_count)
list(LENGTH allowed allowed_count)
message(STATUS "core purity check: ${refused_count} headers refused, ${allowed_count} allowed, "
               "as they should be")
