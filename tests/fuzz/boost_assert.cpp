// BOOST_ASSERT handler of the fuzz targets (built with -DBOOST_ENABLE_ASSERT_HANDLER): a Boost
// assertion aborts as usual, except one known to be wrong. Beast 1.81 asserts n >= 5 when it
// re-parses a final chunk, but "0\r\n" followed by one more byte is a valid partial input and
// the code after the assertion handles it (boostorg/beast#2861, fixed upstream in 2024; release
// builds, with NDEBUG, never check it).
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strstr(file, "beast/http/impl/basic_parser.ipp") != nullptr &&
      std::strcmp(expr, "n >= 5") == 0) {
    return;
  }
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
