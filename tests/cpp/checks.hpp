// The check harness shared by the C++ test programs: CHECK and CHECK_EQ
// count every check and name each failure (file:line) on stderr; each
// program ends main with `return checks_report();`, which prints "N
// passed, M failed" from checks_run and checks_failed.
#ifndef FAILWELL_TESTS_CHECKS_HPP
#define FAILWELL_TESTS_CHECKS_HPP

#include <cstdio>

namespace {

unsigned long checks_run = 0;
unsigned long checks_failed = 0;

// Where a check is reported: a helper takes one from its caller (HERE).
struct Where {
  const char* file;
  int line;
};

void check_true(bool ok, const char* expr, Where where) {
  ++checks_run;
  if (!ok) {
    ++checks_failed;
    std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", where.file, where.line, expr);
  }
}

void check_eq(unsigned long long actual, unsigned long long expected, const char* expr,
              Where where) {
  ++checks_run;
  if (actual != expected) {
    ++checks_failed;
    std::fprintf(stderr, "%s:%d: CHECK failed: %s: got %llu, expected %llu\n", where.file,
                 where.line, expr, actual, expected);
  }
}

// Prints "N passed, M failed"; returns main's exit status, 0 when none failed.
int checks_report() {
  std::printf("%lu passed, %lu failed\n", checks_run - checks_failed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

}  // namespace

#define HERE (Where{__FILE__, __LINE__})
// As CHECK and CHECK_EQ, reported at `where`: for helpers, their caller's HERE.
#define CHECK_IN(where, cond) check_true(static_cast<bool>(cond), #cond, where)
#define CHECK_EQ_IN(where, actual, expected)                        \
  check_eq(static_cast<unsigned long long>(actual),                 \
           static_cast<unsigned long long>(expected),               \
           #actual " == " #expected, where)
#define CHECK(cond) CHECK_IN(HERE, cond)
#define CHECK_EQ(actual, expected) CHECK_EQ_IN(HERE, actual, expected)

#endif  // FAILWELL_TESTS_CHECKS_HPP
