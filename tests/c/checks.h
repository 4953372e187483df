/*
 * The check harness shared by the C test programs: CHECK and CHECK_EQ count
 * every check and name each failure (file:line) on stderr. Each program
 * ends main with `return checks_report();`, which prints "N passed, M
 * failed" from checks_run and checks_failed.
 */
#ifndef FAILWELL_TESTS_CHECKS_H
#define FAILWELL_TESTS_CHECKS_H

#include <stdio.h>

static unsigned long checks_run;
static unsigned long checks_failed;

static inline void check_true(int ok, const char *expr, const char *file, int line) {
    checks_run++;
    if (!ok) {
        checks_failed++;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
    }
}

static inline void check_eq(unsigned long long actual, unsigned long long expected,
                     const char *expr, const char *file, int line) {
    checks_run++;
    if (actual != expected) {
        checks_failed++;
        fprintf(stderr, "%s:%d: CHECK failed: %s: got %llu, expected %llu\n",
                file, line, expr, actual, expected);
    }
}

/* Prints "N passed, M failed"; returns main's exit status, 0 when none failed. */
static inline int checks_report(void) {
    printf("%lu passed, %lu failed\n", checks_run - checks_failed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

/* A condition that must hold. */
#define CHECK(cond) check_true((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
/* An integer that must equal the expected value (both shown on failure). */
#define CHECK_EQ(actual, expected)                                          \
    check_eq((unsigned long long)(actual), (unsigned long long)(expected),  \
             #actual " == " #expected, __FILE__, __LINE__)
/* As CHECK and CHECK_EQ, reported at `line`: for helpers, the caller's line. */
#define CHECK_AT(cond, line) check_true((cond) ? 1 : 0, #cond, __FILE__, line)
#define CHECK_EQ_AT(actual, expected, line)                                 \
    check_eq((unsigned long long)(actual), (unsigned long long)(expected),  \
             #actual " == " #expected, __FILE__, line)

#endif /* FAILWELL_TESTS_CHECKS_H */
