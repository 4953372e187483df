/*
 * The README's C examples, compiled as they are written and run: the rate
 * limiter's setup() and handle(), the breaker's breaker_setup() and
 * call_dependency(). `cargo xtask ctest` extracts every ```c block of
 * README.md, in order, into readme_examples.c (with #line directives, so a
 * diagnostic names the README's line) before compiling this file.
 *
 * Prints "N passed, 0 failed" and exits 0, or names each failed check
 * (file:line) and exits 1.
 */
#include "checks.h"

#include "readme_examples.c"

/* Dependencies for call_dependency(): each counts the calls it receives. */
static unsigned dependency_calls;

static int healthy(void) {
    dependency_calls++;
    return 1;
}

static int failing(void) {
    dependency_calls++;
    return 0;
}

static void limiter_example(void) {
    CHECK_EQ(setup(), 0);
    /* Burst 20 less the 5 + 5 units kept for Essential and Important work:
     * Optional work gets 10 at one instant, then is rate limited. */
    for (int i = 0; i < 10; i++) {
        CHECK_EQ(handle(0), 1);
    }
    CHECK_EQ(handle(0), 0);
    /* One unit is worth 10 ticks (100 per 1000). */
    CHECK_EQ(handle(10), 1);
}

static void breaker_example(void) {
    CHECK_EQ(breaker_setup(), 0);
    uint64_t now = 1;
    CHECK_EQ(call_dependency(now, healthy), 0);
    CHECK_EQ(dependency_calls, 1);
    /* Five failures in a row trip it... */
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(call_dependency(++now, failing), -1);
    }
    CHECK_EQ(dependency_calls, 6);
    /* ...and the dependency is not called while it is open... */
    CHECK_EQ(call_dependency(++now, healthy), -1);
    CHECK_EQ(dependency_calls, 6);
    /* ...until the 5 s are over: one probe succeeds and closes it. */
    now += 5000;
    CHECK_EQ(call_dependency(now, healthy), 0);
    CHECK_EQ(call_dependency(++now, healthy), 0);
    CHECK_EQ(dependency_calls, 8);
    failwell_breaker_snapshot_t s;
    CHECK_EQ(failwell_breaker_snapshot(&breaker, now, &s), FAILWELL_OK);
    CHECK(s.state == FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.trips, 1);
}

int main(void) {
    limiter_example();
    breaker_example();
    return checks_report();
}
