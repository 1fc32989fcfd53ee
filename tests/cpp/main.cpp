// The one main() of chatlab-cpp-tests: doctest's, which runs every TEST_CASE
// linked in, or those its command line selects (ctest runs them one by one).

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
