/*
 * The check harness shared by the C test programs: CHECK and CHECK_EQ count
 * every check and name each failure (file:line) on stderr. Each program
 * prints "N passed, M failed" from checks_run and checks_failed.
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

/* A condition that must hold. */
#define CHECK(cond) check_true((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
/* An integer that must equal the expected value (both shown on failure). */
#define CHECK_EQ(actual, expected)                                          \
    check_eq((unsigned long long)(actual), (unsigned long long)(expected),  \
             #actual " == " #expected, __FILE__, __LINE__)

#endif /* FAILWELL_TESTS_CHECKS_H */
