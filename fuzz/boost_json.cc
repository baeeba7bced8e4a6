// Boost.JSON compiled into the fuzzers from its sources rather than linked, so that the
// parser is instrumented too: libFuzzer then sees its branches and compares, and the
// sanitizers check its memory accesses.
#include <boost/json/src.hpp>
