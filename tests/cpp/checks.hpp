// The check harness shared by the C++ test programs: CHECK and CHECK_EQ
// count every check and name each failure (file:line) on stderr; each
// program prints "N passed, M failed" from checks_run and checks_failed.
#ifndef FAILWELL_TESTS_CHECKS_HPP
#define FAILWELL_TESTS_CHECKS_HPP

#include <cstdio>

namespace {

unsigned long checks_run = 0;
unsigned long checks_failed = 0;

void check_true(bool ok, const char* expr, const char* file, int line) {
  ++checks_run;
  if (!ok) {
    ++checks_failed;
    std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
  }
}

void check_eq(unsigned long long actual, unsigned long long expected, const char* expr,
              const char* file, int line) {
  ++checks_run;
  if (actual != expected) {
    ++checks_failed;
    std::fprintf(stderr, "%s:%d: CHECK failed: %s: got %llu, expected %llu\n", file, line,
                 expr, actual, expected);
  }
}

}  // namespace

#define CHECK(cond) check_true(static_cast<bool>(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(actual, expected)                                  \
  check_eq(static_cast<unsigned long long>(actual),                 \
           static_cast<unsigned long long>(expected),               \
           #actual " == " #expected, __FILE__, __LINE__)

#endif  // FAILWELL_TESTS_CHECKS_HPP
