# Layer A's purity rule, in one place (docs/architecture.md, "Two strict
# layers"): no file under native/core, in any folder below it, includes a
# header that brings threads, clocks, signals, sockets, files or processes,
# nor Python, nor a project header outside the core.
#
# Two ways in:
#   include() this file, then chatlab_check_core_purity(DIR): what
#     native/core/CMakeLists.txt does, so a bad include stops the configure;
#   cmake -DCHATLAB_CORE_DIR=DIR -P native/cmake/core_purity.cmake: the same
#     check as a command (exit status 1 and the offending lines on stderr), which
#     the build reruns when a core file changes, and tests/cpp feeds bad files.

# The headers refused, as regular expressions between < and >.
set(chatlab_impure_headers
    # threads and their synchronization (a pure function needs no lock)
    thread mutex shared_mutex atomic condition_variable future semaphore latch barrier
    stop_token execution pthread\\.h threads\\.h stdatomic\\.h semaphore\\.h sched\\.h
    # clocks: a reaction that reads the time cannot be replayed
    chrono ctime time\\.h
    # signals and processes
    csignal signal\\.h spawn\\.h
    # files, streams and the terminal. <cstdio> too: the core formats with
    # std::to_string and reports with return values, and snprintf comes with
    # fopen and printf. <sstream> stays allowed: it formats in memory.
    cstdio stdio\\.h fstream iostream filesystem fcntl\\.h dirent\\.h dlfcn\\.h termios\\.h
    syslog\\.h
    # sockets, names and waiting on descriptors (sys/ holds socket, epoll, wait, mman...)
    unistd\\.h netdb\\.h poll\\.h ifaddrs\\.h sys/[^>]* netinet/[^>]* arpa/[^>]* net/[^>]*
    linux/[^>]* mach/[^>]*
    # Python is the bindings' alone
    Python\\.h pybind11/[^>]*)
list(JOIN chatlab_impure_headers "|" chatlab_impure_alternatives)
set(chatlab_include_line "^[ \t]*#[ \t]*include[ \t]*")
set(chatlab_impure_include "${chatlab_include_line}<(${chatlab_impure_alternatives})>")
# A quoted include is the project's own: only the core's may be used.
set(chatlab_quoted_include "${chatlab_include_line}\"")
set(chatlab_core_include "${chatlab_include_line}\"core/")

# Sets `files_var` to every C or C++ file under `dir`, and `offences_var` to
# "FILE: LINE" for each include the rule refuses.
function(chatlab_core_impurities dir files_var offences_var)
  set(patterns)
  foreach(extension c cc cpp cxx h hh hpp hxx ipp inl tpp)
    list(APPEND patterns "${dir}/*.${extension}")
  endforeach()
  if(CMAKE_SCRIPT_MODE_FILE)
    file(GLOB_RECURSE files ${patterns})
  else()  # a new file, in any folder, reruns the configure and so the check
    file(GLOB_RECURSE files CONFIGURE_DEPENDS ${patterns})
  endif()
  set(offences)
  foreach(file IN LISTS files)
    file(STRINGS "${file}" impure REGEX "${chatlab_impure_include}")
    file(STRINGS "${file}" quoted REGEX "${chatlab_quoted_include}")
    list(FILTER quoted EXCLUDE REGEX "${chatlab_core_include}")
    foreach(line IN LISTS impure quoted)
      list(APPEND offences "${file}: ${line}")
    endforeach()
  endforeach()
  set(${files_var} "${files}" PARENT_SCOPE)
  set(${offences_var} "${offences}" PARENT_SCOPE)
endfunction()

# Stops with an error naming every offending line; sets CHATLAB_CORE_FILES
# (what was read) for a caller that reruns the check when one changes.
function(chatlab_check_core_purity dir)
  chatlab_core_impurities("${dir}" files offences)
  if(offences)
    list(JOIN offences "\n  " shown)
    message(FATAL_ERROR "Layer A must stay pure (native/cmake/core_purity.cmake says what "
                        "it refuses and why), but:\n  ${shown}")
  endif()
  set(CHATLAB_CORE_FILES "${files}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT CHATLAB_CORE_DIR)
    message(FATAL_ERROR "usage: cmake -DCHATLAB_CORE_DIR=DIR -P ${CMAKE_CURRENT_LIST_FILE}")
  endif()
  chatlab_check_core_purity("${CHATLAB_CORE_DIR}")
endif()
