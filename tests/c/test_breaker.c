/*
 * The C API of the circuit breaker: every status path of every function,
 * the life cycle (trip, open, probe, close, ramp, roll back, operator
 * actions), permits (forged, spent, stale, copied), time at the edges of
 * the clock, and a pthreads run through trip, probing and recovery. C99;
 * run by `cargo xtask ctest` under ASan+UBSan (and TSan where it works).
 *
 * Prints "N passed, 0 failed" and exits 0, or names each failed check
 * (file:line) and exits 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failwell.h"

/* ---- checks, and what every door's tests share ------------------------ */
#include "harness.h"

/* ---- layout ---------------------------------------------------------- */

STATIC_ASSERT(sizeof(failwell_breaker_t) == FAILWELL_BREAKER_WORDS * 8,
              "failwell_breaker_t is FAILWELL_BREAKER_WORDS 64-bit words");
STATIC_ASSERT(ALIGNOF(failwell_breaker_t) >= 8, "failwell_breaker_t is 8-byte aligned");
STATIC_ASSERT(FAILWELL_BREAKER_WINDOW_CALLS == 100, "count window of 100 calls");
STATIC_ASSERT(FAILWELL_BREAKER_TIME_BUCKETS == 10, "10 time buckets");
STATIC_ASSERT(FAILWELL_BREAKER_MAX_RAMP_STEPS == 4, "4 ramp steps");
STATIC_ASSERT(FAILWELL_BREAKER_MAX_PROBES == 16, "16 probes");
STATIC_ASSERT(sizeof(failwell_permit_t) == 16, "a permit is two words");
STATIC_ASSERT(sizeof(failwell_breaker_state_t) == 4, "states are uint32_t");
STATIC_ASSERT(sizeof(failwell_breaker_window_t) == 12, "three uint32_t");
/* The config has no padding inside it: every field where its size puts it. */
STATIC_ASSERT(offsetof(failwell_breaker_config_t, ramp_stage_duration) == 48, "config layout");
STATIC_ASSERT(offsetof(failwell_breaker_config_t, jitter_seed) == 64, "config layout");
STATIC_ASSERT(offsetof(failwell_breaker_config_t, ramp) == 76, "config layout");
STATIC_ASSERT(offsetof(failwell_breaker_config_t, ramp_steps) == 87, "config layout");
STATIC_ASSERT(offsetof(failwell_breaker_config_t, ramp_delay) == 91, "config layout");
STATIC_ASSERT(sizeof(failwell_breaker_config_t) == 96, "config size");
STATIC_ASSERT(offsetof(failwell_breaker_snapshot_t, next_transition) == 8, "snapshot layout");
STATIC_ASSERT(offsetof(failwell_breaker_snapshot_t, time_window) == 56, "snapshot layout");
STATIC_ASSERT(sizeof(failwell_breaker_snapshot_t) == 72, "snapshot size");
STATIC_ASSERT(FAILWELL_BREAKER_STATE_CLOSED == 0 && FAILWELL_BREAKER_STATE_OPEN == 1 &&
                  FAILWELL_BREAKER_STATE_HALF_OPEN == 2 &&
                  FAILWELL_BREAKER_STATE_FORCED_OPEN == 3 &&
                  FAILWELL_BREAKER_STATE_DISABLED == 4,
              "state values are the documented ones");

/* ---- helpers --------------------------------------------------------- */

#define E FAILWELL_TIER_ESSENTIAL
#define I FAILWELL_TIER_IMPORTANT
#define O FAILWELL_TIER_OPTIONAL

/* The default config with a trip policy (3 failures in a row) and buckets
 * 10 ticks wide: the smallest config a breaker accepts. */
static failwell_breaker_config_t base(uint64_t open_duration) {
    failwell_breaker_config_t c;
    memset(&c, 0xEE, sizeof c);
    if (failwell_breaker_config_default(&c, open_duration) != FAILWELL_OK) {
        abort();
    }
    c.consecutive_failures = 3;
    c.bucket_width = 10;
    return c;
}

/* The snapshot of `b` at `now`: the time window as of `now`. */
static failwell_breaker_snapshot_t snap(const failwell_breaker_t *b, uint64_t now) {
    failwell_breaker_snapshot_t s;
    memset(&s, 0xEE, sizeof s);
    CHECK_EQ(failwell_breaker_snapshot(b, now, &s), FAILWELL_OK);
    return s;
}

static int snapshots_equal(const failwell_breaker_snapshot_t *a,
                           const failwell_breaker_snapshot_t *b) {
    return a->state == b->state && a->generation == b->generation &&
           a->next_transition == b->next_transition &&
           a->has_next_transition == b->has_next_transition && a->trips == b->trips &&
           a->ramp_stage == b->ramp_stage && a->consecutive_failures == b->consecutive_failures &&
           a->probes_in_flight == b->probes_in_flight &&
           a->probe_successes == b->probe_successes && a->probe_failures == b->probe_failures &&
           a->count_window.calls == b->count_window.calls &&
           a->count_window.failures == b->count_window.failures &&
           a->count_window.slow == b->count_window.slow &&
           a->time_window.calls == b->time_window.calls &&
           a->time_window.failures == b->time_window.failures &&
           a->time_window.slow == b->time_window.slow;
}

/* Acquires for `tier` at `now`, expecting `expected`; returns the permit. */
static failwell_permit_t acquire_at(failwell_breaker_t *b, uint64_t now, failwell_tier_t tier,
                                    failwell_status_t expected, int line) {
    failwell_permit_t p;
    memset(&p, 0xEE, sizeof p);
    check_eq(failwell_breaker_acquire(b, now, tier, &p, NULL), expected, "acquire status",
             __FILE__, line);
    return p;
}
#define ACQUIRE(b, now, tier) acquire_at((b), (now), (tier), FAILWELL_OK, __LINE__)

/* A call admitted and reported at `now`, each expected to be FAILWELL_OK. */
static void call_at(failwell_breaker_t *b, uint64_t now, int fail, int line) {
    failwell_permit_t p = acquire_at(b, now, E, FAILWELL_OK, line);
    check_eq(fail ? failwell_breaker_failure(b, &p, now) : failwell_breaker_success(b, &p, now),
             FAILWELL_OK, "outcome status", __FILE__, line);
}
#define FAIL(b, now) call_at((b), (now), 1, __LINE__)
#define SUCCEED(b, now) call_at((b), (now), 0, __LINE__)

/* Trips `b` (consecutive failures, whatever their threshold) at `now`. */
static void trip(failwell_breaker_t *b, uint64_t now, int line) {
    int i;
    for (i = 0; i < 1000 && snap(b, now).state == FAILWELL_BREAKER_STATE_CLOSED; i++) {
        call_at(b, now, 1, line);
    }
    check_eq(snap(b, now).state, FAILWELL_BREAKER_STATE_OPEN, "tripped", __FILE__, line);
}

/* Checks that every call on `obj` (a breaker, or NULL) is refused with
 * `expected`, writing nothing. */
static void check_refused_everywhere(void *obj, failwell_status_t expected, int line) {
    failwell_breaker_t *b = (failwell_breaker_t *)obj;
    failwell_permit_t p = {SENTINEL64, SENTINEL32, SENTINEL32};
    failwell_permit_t before = p;
    failwell_breaker_snapshot_t s;
    uint64_t retry = SENTINEL64;

    memset(&s, 0xEE, sizeof s);
    check_eq(failwell_breaker_acquire(b, 0, E, &p, &retry), expected, "acquire", __FILE__, line);
    check_eq(failwell_breaker_acquire(b, 0, E, &p, NULL), expected, "acquire NULL retry",
             __FILE__, line);
    check_eq(failwell_breaker_acquire(b, 0, 7, &p, &retry), expected, "acquire bad tier",
             __FILE__, line);
    check_eq(failwell_breaker_acquire(b, 0, E, NULL, &retry), expected, "acquire NULL permit",
             __FILE__, line);
    check_eq(failwell_breaker_acquire(b, 0, E, NULL, NULL), expected, "acquire NULL both",
             __FILE__, line);
    check_eq(retry, SENTINEL64, "retry_after untouched", __FILE__, line);
    check_eq(failwell_breaker_success(b, &p, 0), expected, "success", __FILE__, line);
    check_eq(failwell_breaker_failure(b, &p, 0), expected, "failure", __FILE__, line);
    check_eq(failwell_breaker_latency(b, &p, 0, 5), expected, "latency", __FILE__, line);
    check_eq(failwell_breaker_failure_latency(b, &p, 0, 5), expected, "failure_latency", __FILE__,
             line);
    check_eq(failwell_breaker_ignore(b, &p, 0), expected, "ignore", __FILE__, line);
    check_eq(failwell_breaker_success(b, NULL, 0), expected, "success NULL", __FILE__, line);
    check_true(permits_equal(&p, &before), "permit untouched", __FILE__, line);
    check_eq(failwell_breaker_force_open(b, 0), expected, "force_open", __FILE__, line);
    check_eq(failwell_breaker_disable(b, 0), expected, "disable", __FILE__, line);
    check_eq(failwell_breaker_reset(b, 0), expected, "reset", __FILE__, line);
    check_eq(failwell_breaker_snapshot(b, 0, &s), expected, "snapshot", __FILE__, line);
    check_eq(failwell_breaker_snapshot(b, 0, NULL), expected, "snapshot NULL", __FILE__, line);
    check_eq(s.generation, 0xEEEEEEEEu, "snapshot untouched", __FILE__, line);
}

/* Checks that `obj`, a breaker just initialised, is closed. */
static void check_fresh(void *obj, int line) {
    failwell_breaker_snapshot_t s;
    memset(&s, 0xEE, sizeof s);
    check_eq(failwell_breaker_snapshot((failwell_breaker_t *)obj, 0, &s), FAILWELL_OK,
             "snapshot status", __FILE__, line);
    check_eq(s.state, FAILWELL_BREAKER_STATE_CLOSED, "closed", __FILE__, line);
}

DEFINE_DOOR(breaker_door, failwell_breaker_t, failwell_breaker_config_t, failwell_breaker_init,
            check_refused_everywhere, check_fresh);

/* ---- config ---------------------------------------------------------- */

static void test_config_default(void) {
    failwell_breaker_config_t c;
    ODD_STORAGE(failwell_breaker_config_t) buf;
    failwell_breaker_config_t unaligned;

    CHECK_EQ(failwell_breaker_config_default(NULL, 5), FAILWELL_NULL_POINTER);
    memset(&c, 0xEE, sizeof c);
    CHECK_EQ(failwell_breaker_config_default(&c, 500), FAILWELL_OK);
    /* What Config::new(500) gives. */
    CHECK_EQ(c.open_duration, 500);
    CHECK_EQ(c.max_open_duration, 500);
    CHECK_EQ(c.reset_backoff_after, 500); /* a flapping breaker backs off */
    CHECK_EQ(c.slow_call_threshold, UINT64_MAX);
    CHECK_EQ(c.bucket_width, 0);
    CHECK_EQ(c.probe_timeout, 500);
    CHECK_EQ(c.ramp_stage_duration, 0);
    CHECK_EQ(c.minimum_calls, 1);
    CHECK_EQ(c.backoff_factor, 1000);
    CHECK_EQ(c.jitter_seed, 0);
    CHECK_EQ(c.consecutive_failures, 0);
    CHECK_EQ(c.failure_rate, 0);
    CHECK_EQ(c.slow_call_rate, 0);
    CHECK_EQ(c.jitter, 0);
    CHECK(c.ramp[0] == 0 && c.ramp[1] == 0 && c.ramp[2] == 0 && c.ramp[3] == 0);
    CHECK_EQ(c.probes, 1);
    CHECK_EQ(c.probe_successes, 1);
    CHECK_EQ(c.probe_failures, 1);
    CHECK_EQ(c.ramp_steps, 0);
    CHECK(c.may_probe[E] == 1 && c.may_probe[I] == 1 && c.may_probe[O] == 0);
    CHECK(c.ramp_delay[E] == 0 && c.ramp_delay[I] == 1 && c.ramp_delay[O] == 2);

    /* Any alignment will do. */
    memset(buf.bytes, 0, sizeof buf.bytes);
    CHECK_EQ(failwell_breaker_config_default(AT_OFFSET(failwell_breaker_config_t, buf, 1), 500),
             FAILWELL_OK);
    memcpy(&unaligned, buf.bytes + 1, sizeof unaligned);
    CHECK(memcmp(&unaligned, &c, offsetof(failwell_breaker_config_t, ramp_delay) + 3) == 0);
}

/* Initialises garbage storage with `c`, expecting `expected`; on an error
 * the storage must be left as it was. */
static void expect_config(const failwell_breaker_config_t *c, failwell_status_t expected,
                          int line) {
    failwell_breaker_t b;
    (void)check_init(&breaker_door, &b, c, expected, line);
}

/* Declares `c` as base(100) changed by the statements that follow, checks
 * it is refused with `expected`. */
#define CONFIG_CASE(expected, ...)                                                      \
    do {                                                                                \
        failwell_breaker_config_t c = base(100);                                        \
        __VA_ARGS__;                                                                    \
        expect_config(&c, (expected), __LINE__);                                        \
    } while (0)

static void test_config_errors(void) {
    failwell_breaker_config_t c;

    CHECK_EQ(failwell_breaker_config_default(&c, 100), FAILWELL_OK);
    /* The default has no trip policy; its bucket width of 0 leaves the time
     * buckets unused, which is fine. */
    expect_config(&c, FAILWELL_CONFIG_NO_TRIP_POLICY, __LINE__);
    c.consecutive_failures = 1;
    expect_config(&c, FAILWELL_OK, __LINE__);
    c.bucket_width = 1;
    expect_config(&c, FAILWELL_OK, __LINE__);
    /* A rate policy alone is a trip policy too. */
    c.consecutive_failures = 0;
    c.slow_call_rate = 1;
    expect_config(&c, FAILWELL_OK, __LINE__);

    CONFIG_CASE(FAILWELL_OK, (void)0);
    CONFIG_CASE(FAILWELL_CONFIG_RATE_ABOVE_1000, c.failure_rate = 1001);
    CONFIG_CASE(FAILWELL_CONFIG_RATE_ABOVE_1000, c.slow_call_rate = 1001);
    CONFIG_CASE(FAILWELL_CONFIG_RATE_ABOVE_1000, c.failure_rate = UINT16_MAX);
    CONFIG_CASE(FAILWELL_OK, c.failure_rate = 1000; c.slow_call_rate = 1000);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_MINIMUM_CALLS, c.failure_rate = 500; c.minimum_calls = 0);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_MINIMUM_CALLS, c.slow_call_rate = 500;
                c.minimum_calls = 0);
    /* minimum_calls is not checked while no rate policy is on. */
    CONFIG_CASE(FAILWELL_OK, c.minimum_calls = 0);
    /* Above the count window is fine: the time window can hold more. */
    CONFIG_CASE(FAILWELL_OK, c.failure_rate = 500; c.minimum_calls = UINT32_MAX);
    /* Without time buckets, minimum_calls must fit in the count window. */
    CONFIG_CASE(FAILWELL_OK, c.bucket_width = 0);
    CONFIG_CASE(FAILWELL_OK, c.failure_rate = 500; c.minimum_calls = 100; c.bucket_width = 0);
    CONFIG_CASE(FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW, c.failure_rate = 500;
                c.minimum_calls = 101; c.bucket_width = 0);
    /* 10 buckets must span at most UINT64_MAX ticks. */
    CONFIG_CASE(FAILWELL_OK, c.bucket_width = UINT64_MAX / 10);
    CONFIG_CASE(FAILWELL_CONFIG_DURATION_OVERFLOW, c.bucket_width = UINT64_MAX / 10 + 1);
    CONFIG_CASE(FAILWELL_CONFIG_DURATION_OVERFLOW, c.bucket_width = UINT64_MAX);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_OPEN_DURATION, c.open_duration = 0);
    CONFIG_CASE(FAILWELL_CONFIG_BACKOFF_BELOW_ONE, c.backoff_factor = 999);
    CONFIG_CASE(FAILWELL_CONFIG_BACKOFF_BELOW_ONE, c.backoff_factor = 0);
    CONFIG_CASE(FAILWELL_OK, c.backoff_factor = UINT32_MAX);
    CONFIG_CASE(FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION, c.max_open_duration = 99);
    CONFIG_CASE(FAILWELL_OK, c.max_open_duration = UINT64_MAX);
    CONFIG_CASE(FAILWELL_CONFIG_JITTER_ABOVE_1000, c.jitter = 1001);
    CONFIG_CASE(FAILWELL_OK, c.jitter = 1000);
    /* With jitter the longest open duration may double: it must fit. */
    CONFIG_CASE(FAILWELL_CONFIG_DURATION_OVERFLOW, c.jitter = 10;
                c.max_open_duration = UINT64_MAX / 2 + 1);
    CONFIG_CASE(FAILWELL_OK, c.jitter = 10; c.max_open_duration = UINT64_MAX / 2);
    /* Backoff steps and jitter shares round down: each must gain a tick
     * (100 x 9 permille is 0.9 of a tick, 100 x 10 is one). */
    CONFIG_CASE(FAILWELL_CONFIG_BACKOFF_TOO_SMALL, c.backoff_factor = 1009);
    CONFIG_CASE(FAILWELL_CONFIG_BACKOFF_TOO_SMALL, c.backoff_factor = 1001;
                c.max_open_duration = UINT64_MAX);
    CONFIG_CASE(FAILWELL_OK, c.backoff_factor = 1010);
    CONFIG_CASE(FAILWELL_CONFIG_BACKOFF_TOO_SMALL, c.open_duration = 1; c.backoff_factor = 1999;
                c.max_open_duration = 100);
    CONFIG_CASE(FAILWELL_OK, c.open_duration = 1; c.backoff_factor = 2000;
                c.max_open_duration = 100);
    CONFIG_CASE(FAILWELL_CONFIG_JITTER_TOO_SMALL, c.jitter = 9);
    CONFIG_CASE(FAILWELL_OK, c.jitter = 10);
    CONFIG_CASE(FAILWELL_CONFIG_JITTER_TOO_SMALL, c.open_duration = 1; c.jitter = 999);
    CONFIG_CASE(FAILWELL_OK, c.open_duration = 1; c.jitter = 1000);
    CONFIG_CASE(FAILWELL_OK, c.max_open_duration = UINT64_MAX / 2 + 1);
    CONFIG_CASE(FAILWELL_CONFIG_PROBES_OUT_OF_RANGE, c.probes = 0);
    CONFIG_CASE(FAILWELL_CONFIG_PROBES_OUT_OF_RANGE, c.probes = 17);
    CONFIG_CASE(FAILWELL_CONFIG_PROBES_OUT_OF_RANGE, c.probes = UINT8_MAX);
    CONFIG_CASE(FAILWELL_OK, c.probes = FAILWELL_BREAKER_MAX_PROBES);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD, c.probe_successes = 0);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD, c.probe_failures = 0);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT, c.probe_timeout = 0);
    CONFIG_CASE(FAILWELL_OK, c.probe_timeout = UINT64_MAX);
    /* Ramps. */
    CONFIG_CASE(FAILWELL_OK, c.ramp_steps = 4; c.ramp_stage_duration = 10; c.ramp[0] = 1;
                c.ramp[1] = 2; c.ramp[2] = 998; c.ramp[3] = 999; c.ramp_delay[O] = 3);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_NOT_RISING, c.ramp_steps = 2; c.ramp_stage_duration = 10;
                c.ramp[0] = 500; c.ramp[1] = 500);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_NOT_RISING, c.ramp_steps = 2; c.ramp_stage_duration = 10;
                c.ramp[0] = 500; c.ramp[1] = 400);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_NOT_RISING, c.ramp_steps = 1; c.ramp_stage_duration = 10;
                c.ramp[0] = 0);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_NOT_RISING, c.ramp_steps = 1; c.ramp_stage_duration = 10;
                c.ramp[0] = 1000);
    /* Entries past ramp_steps are not looked at. */
    CONFIG_CASE(FAILWELL_OK, c.ramp_steps = 1; c.ramp_stage_duration = 10; c.ramp[0] = 10;
                c.ramp[1] = 5; c.ramp[2] = UINT16_MAX);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_TOO_LONG, c.ramp_steps = 5; c.ramp_stage_duration = 10);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_TOO_LONG, c.ramp_steps = UINT8_MAX;
                c.ramp_stage_duration = 10);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_TOO_LONG, c.ramp_steps = 4; c.ramp_stage_duration = 10;
                c.ramp[0] = 1; c.ramp[1] = 2; c.ramp[2] = 3; c.ramp[3] = 4;
                c.ramp_delay[O] = 4);
    CONFIG_CASE(FAILWELL_CONFIG_RAMP_TOO_LONG, c.ramp_steps = 1; c.ramp_stage_duration = 10;
                c.ramp[0] = 1; c.ramp_delay[E] = UINT8_MAX);
    /* Delays do not matter without a ramp. */
    CONFIG_CASE(FAILWELL_OK, c.ramp_delay[E] = UINT8_MAX; c.ramp_delay[O] = 200);
    CONFIG_CASE(FAILWELL_CONFIG_ZERO_RAMP_STAGE, c.ramp_steps = 1; c.ramp[0] = 100);
    CONFIG_CASE(FAILWELL_CONFIG_NO_TIER_MAY_PROBE, c.may_probe[E] = 0; c.may_probe[I] = 0);
    CONFIG_CASE(FAILWELL_OK, c.may_probe[E] = 0; c.may_probe[I] = 0; c.may_probe[O] = 1);
    CONFIG_CASE(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN, c.may_probe[E] = 2);
    CONFIG_CASE(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN, c.may_probe[I] = 0xFF);
    CONFIG_CASE(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN, c.may_probe[O] = 0x80);
    /* Checked before the core's checks. */
    CONFIG_CASE(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN, c.may_probe[O] = 3; c.open_duration = 0);
    CONFIG_CASE(FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN, c.jitter_reproducible = 2);
    CONFIG_CASE(FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN, c.jitter_reproducible = 0xFF);
}

static void test_init_pointers(void) {
    failwell_breaker_config_t good = base(100);
    failwell_breaker_config_t bad = base(0);
    failwell_breaker_config_t one = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;

    check_init_pointers(&breaker_door, &b, &good, __LINE__);

    /* A failed re-init leaves a working breaker as it was. */
    CHECK_EQ(failwell_breaker_init(&b, &good), FAILWELL_OK);
    FAIL(&b, 0);
    FAIL(&b, 0);
    check_reinit_refused(&breaker_door, &b, &bad, FAILWELL_CONFIG_ZERO_OPEN_DURATION, __LINE__);
    s = snap(&b, 0);
    CHECK_EQ(s.consecutive_failures, 2);
    CHECK_EQ(s.count_window.failures, 2);
    FAIL(&b, 0);
    CHECK_EQ(snap(&b, 0).state, FAILWELL_BREAKER_STATE_OPEN);

    /* A successful re-init starts afresh. */
    CHECK_EQ(failwell_breaker_init(&b, &good), FAILWELL_OK);
    s = snap(&b, 0);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.generation, 0);
    CHECK_EQ(s.count_window.calls, 0);
    CHECK_EQ(s.trips, 0);

    /* The config is read unaligned: any address will do. */
    one.consecutive_failures = 1;
    CHECK_EQ(init_with_config_at(&breaker_door, &b, &one, 3), FAILWELL_OK);
    FAIL(&b, 0);
    CHECK_EQ(snap(&b, 0).state, FAILWELL_BREAKER_STATE_OPEN);
}

/* ---- object checks: NULL, misaligned, uninitialised, copied ----------- */

static void test_null_breaker(void) {
    check_refused_everywhere(NULL, FAILWELL_NULL_POINTER, __LINE__);
}

static void test_misaligned(void) {
    failwell_breaker_config_t good = base(100);
    ODD_STORAGE(failwell_breaker_t) buf;
    failwell_breaker_t *b = AT_OFFSET(failwell_breaker_t, buf, 8);

    check_misaligned(&breaker_door, &good, buf.bytes, sizeof buf.bytes, __LINE__);
    /* 8 bytes in is aligned: a breaker works there. */
    SUCCEED(b, 0);
    CHECK_EQ(snap(b, 0).count_window.calls, 1);
}

static failwell_breaker_t static_breaker; /* zeroed: not initialised */

static void test_uninitialised(void) {
    failwell_breaker_config_t good = base(100);
    failwell_limiter_config_t lc = {1, 10, 10, 0, 0};
    failwell_breaker_t b;
    union {
        failwell_breaker_t breaker;
        failwell_limiter_t limiter;
    } shared;

    check_uninitialised(&breaker_door, &b, &static_breaker, &good, __LINE__);
    SUCCEED(&static_breaker, 0);

    /* Storage holding a limiter is not a breaker, and the other way round. */
    memset(&shared, 0, sizeof shared);
    CHECK_EQ(failwell_limiter_init(&shared.limiter, &lc), FAILWELL_OK);
    check_refused_everywhere(&shared.breaker, FAILWELL_UNINITIALIZED, __LINE__);
    CHECK_EQ(failwell_breaker_init(&shared.breaker, &good), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&shared.limiter, 0, 1, E, NULL), FAILWELL_UNINITIALIZED);
    SUCCEED(&shared.breaker, 0);
}

static void test_copied(void) {
    failwell_breaker_config_t good = base(100);
    failwell_breaker_t original;
    failwell_breaker_t copy;
    failwell_permit_t p;

    CHECK_EQ(failwell_breaker_init(&original, &good), FAILWELL_OK);
    FAIL(&original, 0);
    p = ACQUIRE(&original, 1, E);

    CHECK_COPIES_REFUSED(&breaker_door, failwell_breaker_t, &original);
    /* The permit is refused by a copy too, and not spent by it. */
    memcpy(&copy, &original, sizeof copy);
    CHECK_EQ(failwell_breaker_failure(&copy, &p, 1), FAILWELL_UNINITIALIZED);

    /* The original is unaffected. */
    CHECK_EQ(failwell_breaker_failure(&original, &p, 1), FAILWELL_OK);
    CHECK_EQ(snap(&original, 1).consecutive_failures, 2);
}

/* ---- acquire and permits ---------------------------------------------- */

static void test_acquire_arguments(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_permit_t p = {SENTINEL64, SENTINEL32, SENTINEL32};
    uint64_t retry = SENTINEL64;

    c.consecutive_failures = 1;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);

    /* Caller errors: nothing happens, nothing is written. */
    CHECK_EQ(failwell_breaker_acquire(&b, 0, 3, &p, &retry), FAILWELL_INVALID_TIER);
    CHECK_EQ(failwell_breaker_acquire(&b, 0, UINT32_MAX, &p, &retry), FAILWELL_INVALID_TIER);
    CHECK_EQ(failwell_breaker_acquire(&b, 0, 3, NULL, NULL), FAILWELL_INVALID_TIER);
    CHECK_EQ(failwell_breaker_acquire(&b, 0, E, NULL, &retry), FAILWELL_NULL_POINTER);
    CHECK_EQ(failwell_breaker_acquire(&b, 0, E, NULL, NULL), FAILWELL_NULL_POINTER);
    CHECK_EQ(retry, SENTINEL64);
    CHECK_EQ(p.acquired_at, SENTINEL64);
    CHECK_EQ(p.ticket, SENTINEL32);

    /* Admitted: a permit stamped with `now`, retry_after 0. */
    CHECK_EQ(failwell_breaker_acquire(&b, 42, O, &p, &retry), FAILWELL_OK);
    CHECK_EQ(retry, 0);
    CHECK_EQ(p.acquired_at, 42);
    CHECK_EQ(p.ticket, 0); /* generation 0, not a probe */
    CHECK(p.check != 0);
    CHECK_EQ(failwell_breaker_ignore(&b, &p, 42), FAILWELL_OK);
    CHECK_EQ(snap(&b, 42).count_window.calls, 0); /* ignored counts nowhere */

    /* retry_after may be NULL; the permit may be anywhere. */
    {
        ODD_STORAGE(failwell_permit_t) pbuf;
        failwell_permit_t *odd = AT_OFFSET(failwell_permit_t, pbuf, 3);
        CHECK_EQ(failwell_breaker_acquire(&b, 50, I, odd, NULL), FAILWELL_OK);
        CHECK_EQ(failwell_breaker_success(&b, odd, 51), FAILWELL_OK);
        CHECK_EQ(failwell_breaker_success(&b, odd, 51), FAILWELL_PERMIT_SPENT);
        CHECK_EQ(snap(&b, 51).count_window.calls, 1);
    }

    /* In half-open, a refused NULL permit must not take a probe slot. */
    FAIL(&b, 60);
    CHECK_EQ(failwell_breaker_acquire(&b, 160, E, NULL, NULL), FAILWELL_NULL_POINTER);
    CHECK_EQ(failwell_breaker_acquire(&b, 160, 3, &p, NULL), FAILWELL_INVALID_TIER);
    CHECK_EQ(snap(&b, 160).probes_in_flight, 0);
    p = ACQUIRE(&b, 160, E);
    CHECK_EQ(snap(&b, 160).probes_in_flight, 1);
    CHECK_EQ(p.ticket >> 20 & 0x1F, 1); /* probe slot 0, plus one */
    CHECK_EQ(p.ticket & 0xFFFFF, snap(&b, 160).generation);
    CHECK_EQ(failwell_breaker_success(&b, &p, 161), FAILWELL_OK);
    CHECK_EQ(snap(&b, 161).state, FAILWELL_BREAKER_STATE_CLOSED);
}

static void test_forged_permits(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b, other;
    failwell_breaker_snapshot_t before;
    failwell_permit_t p, bad, zero;
    int bit;

    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_init(&other, &c), FAILWELL_OK);
    FAIL(&b, 0);
    p = ACQUIRE(&b, 5, E);
    before = snap(&b, 5);

    /* Never issued: zeroed, garbage. */
    memset(&zero, 0, sizeof zero);
    bad = zero;
    CHECK_EQ(failwell_breaker_failure(&b, &bad, 5), FAILWELL_PERMIT_INVALID);
    CHECK(permits_equal(&bad, &zero)); /* not marked */
    memset(&bad, 0xA5, sizeof bad);
    CHECK_EQ(failwell_breaker_failure(&b, &bad, 5), FAILWELL_PERMIT_INVALID);
    memset(&bad, 0xFF, sizeof bad);
    CHECK_EQ(failwell_breaker_success(&b, &bad, 5), FAILWELL_PERMIT_INVALID);

    /* Any one bit changed, in any field. */
    for (bit = 0; bit < 64; bit++) {
        bad = p;
        bad.acquired_at ^= UINT64_C(1) << bit;
        CHECK_EQ(failwell_breaker_failure(&b, &bad, 5), FAILWELL_PERMIT_INVALID);
    }
    for (bit = 0; bit < 32; bit++) {
        bad = p;
        bad.ticket ^= UINT32_C(1) << bit;
        CHECK_EQ(failwell_breaker_latency(&b, &bad, 5, 1), FAILWELL_PERMIT_INVALID);
        CHECK_EQ(failwell_breaker_failure_latency(&b, &bad, 5, 1), FAILWELL_PERMIT_INVALID);
        bad = p;
        bad.check ^= UINT32_C(1) << bit;
        CHECK_EQ(failwell_breaker_ignore(&b, &bad, 5), FAILWELL_PERMIT_INVALID);
    }

    /* Another breaker's permit; this breaker's permit at another breaker. */
    bad = ACQUIRE(&other, 5, E);
    CHECK_EQ(failwell_breaker_failure(&b, &bad, 5), FAILWELL_PERMIT_INVALID);
    CHECK_EQ(failwell_breaker_failure(&other, &p, 5), FAILWELL_PERMIT_INVALID);
    CHECK_EQ(snap(&other, 5).count_window.calls, 0);

    /* None of that counted anywhere. */
    {
        failwell_breaker_snapshot_t after = snap(&b, 5);
        CHECK(snapshots_equal(&before, &after));
    }
    /* The real permit still works, once. */
    CHECK_EQ(failwell_breaker_failure(&b, &p, 5), FAILWELL_OK);
    CHECK_EQ(snap(&b, 5).consecutive_failures, 2);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 5), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(snap(&b, 5).consecutive_failures, 2);
    /* Its spent form is bound to this breaker too. */
    CHECK_EQ(failwell_breaker_failure(&other, &p, 5), FAILWELL_PERMIT_INVALID);
    /* Writing to a spent permit makes it invalid, not unspent. */
    bad = p;
    bad.ticket &= 0x7FFFFFFFu;
    CHECK_EQ(failwell_breaker_failure(&b, &bad, 5), FAILWELL_PERMIT_INVALID);

    /* A refused acquire writes an empty permit: reporting it is invalid. */
    FAIL(&b, 6);
    memset(&bad, 0xA5, sizeof bad);
    CHECK_EQ(failwell_breaker_acquire(&b, 7, E, &bad, NULL), FAILWELL_BREAKER_OPEN);
    CHECK(permits_equal(&bad, &zero));
    CHECK_EQ(failwell_breaker_failure(&b, &bad, 7), FAILWELL_PERMIT_INVALID);
}

static void test_spent_and_copied_permits(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_permit_t p, q;

    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);

    /* Every report marks the permit spent; any second report is refused. */
    p = ACQUIRE(&b, 0, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 1), FAILWELL_OK);
    CHECK(p.ticket & 0x80000000u);
    CHECK_EQ(p.acquired_at, 0);
    CHECK_EQ(failwell_breaker_success(&b, &p, 1), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 1), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(failwell_breaker_latency(&b, &p, 1, 1), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(failwell_breaker_failure_latency(&b, &p, 1, 1), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(failwell_breaker_ignore(&b, &p, 1), FAILWELL_PERMIT_SPENT);
    p = ACQUIRE(&b, 0, E);
    CHECK_EQ(failwell_breaker_ignore(&b, &p, 1), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 1), FAILWELL_PERMIT_SPENT);
    p = ACQUIRE(&b, 0, E);
    CHECK_EQ(failwell_breaker_latency(&b, &p, 1, 1), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_latency(&b, &p, 1, 1), FAILWELL_PERMIT_SPENT);
    p = ACQUIRE(&b, 0, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 1), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_success(&b, &p, 1), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(snap(&b, 1).count_window.calls, 3);
    CHECK_EQ(snap(&b, 1).consecutive_failures, 1);

    /* The convention: a copy of a closed-state permit, reported as well,
     * counts a second time (the library cannot see copies). */
    p = ACQUIRE(&b, 2, E);
    q = p;
    CHECK_EQ(failwell_breaker_failure(&b, &p, 2), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_failure(&b, &q, 2), FAILWELL_OK);
    CHECK_EQ(snap(&b, 2).count_window.failures, 3);
    CHECK_EQ(snap(&b, 2).state, FAILWELL_BREAKER_STATE_OPEN); /* 3 in a row */

    /* A copy of a probe's permit is caught by the breaker: stale. */
    CHECK_EQ(failwell_breaker_reset(&b, 0), FAILWELL_OK);
    c.probes = 2;
    c.probe_successes = 2;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    trip(&b, 0, __LINE__);
    p = ACQUIRE(&b, 100, E);
    q = p;
    CHECK_EQ(failwell_breaker_success(&b, &p, 101), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_success(&b, &q, 101), FAILWELL_PERMIT_STALE);
    CHECK_EQ(failwell_breaker_success(&b, &q, 101), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(snap(&b, 101).probe_successes, 1);
    CHECK_EQ(snap(&b, 101).state, FAILWELL_BREAKER_STATE_HALF_OPEN);

    /* Also once a newer probe holds the slot: the copy is stale, and the
     * newer probe's own report counts (each grant has its own number).
     * Before, the copy's success counted for the newer probe and closed a
     * breaker that wanted two successes after one. */
    p = ACQUIRE(&b, 102, E);
    q = p;
    CHECK_EQ(failwell_breaker_ignore(&b, &p, 103), FAILWELL_OK);
    {
        failwell_permit_t r = ACQUIRE(&b, 104, E);
        CHECK_EQ((r.ticket >> 20) & 0x1F, (q.ticket >> 20) & 0x1F); /* same slot */
        CHECK(r.ticket != q.ticket);
        CHECK_EQ(failwell_breaker_success(&b, &q, 105), FAILWELL_PERMIT_STALE);
        CHECK_EQ(snap(&b, 105).state, FAILWELL_BREAKER_STATE_HALF_OPEN);
        CHECK_EQ(failwell_breaker_success(&b, &r, 106), FAILWELL_OK);
        CHECK_EQ(snap(&b, 106).state, FAILWELL_BREAKER_STATE_CLOSED);
    }
}

static void test_stale_permits(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t before, after;
    failwell_permit_t old, older, disabled;

    c.consecutive_failures = 2;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    old = ACQUIRE(&b, 0, E);
    older = ACQUIRE(&b, 0, I);
    FAIL(&b, 0);
    FAIL(&b, 0);
    before = snap(&b, 0);
    CHECK_EQ(before.state, FAILWELL_BREAKER_STATE_OPEN);
    /* Reported after the trip: ignored, harmlessly, and then spent. */
    CHECK_EQ(failwell_breaker_failure(&b, &old, 1), FAILWELL_PERMIT_STALE);
    CHECK_EQ(failwell_breaker_success(&b, &older, 1), FAILWELL_PERMIT_STALE);
    after = snap(&b, 1);
    CHECK(snapshots_equal(&before, &after));
    CHECK_EQ(failwell_breaker_failure(&b, &old, 1), FAILWELL_PERMIT_SPENT);

    /* Operator actions make earlier permits stale too. */
    CHECK_EQ(failwell_breaker_disable(&b, 2), FAILWELL_OK);
    disabled = ACQUIRE(&b, 2, E);
    CHECK_EQ(failwell_breaker_reset(&b, 3), FAILWELL_OK);
    CHECK_EQ(failwell_breaker_failure(&b, &disabled, 3), FAILWELL_PERMIT_STALE);
    CHECK_EQ(snap(&b, 3).count_window.calls, 0);
}

/* ---- the life cycle ---------------------------------------------------- */

static void test_consecutive_failures(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t p;
    uint64_t retry = SENTINEL64;

    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    s = snap(&b, 0);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.generation, 0);
    CHECK_EQ(s.has_next_transition, 0);
    CHECK_EQ(s.next_transition, 0);
    CHECK_EQ(s.trips, 0);

    FAIL(&b, 0);
    FAIL(&b, 0);
    SUCCEED(&b, 0);
    FAIL(&b, 0);
    FAIL(&b, 0);
    s = snap(&b, 0);
    CHECK_EQ(s.consecutive_failures, 2);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.count_window.calls, 5);
    CHECK_EQ(s.count_window.failures, 4);
    CHECK_EQ(s.time_window.calls, 5);
    CHECK_EQ(s.time_window.failures, 4);
    FAIL(&b, 10);
    s = snap(&b, 10);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_OPEN);
    CHECK_EQ(s.generation, 1);
    CHECK_EQ(s.trips, 1);
    CHECK_EQ(s.has_next_transition, 1);
    CHECK_EQ(s.next_transition, 110);
    CHECK_EQ(s.consecutive_failures, 0);

    /* Open: refused with the ticks left; retry_after may be NULL. */
    CHECK_EQ(failwell_breaker_acquire(&b, 40, E, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, 70);
    CHECK_EQ(failwell_breaker_acquire(&b, 109, O, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, 1);
    CHECK_EQ(failwell_breaker_acquire(&b, 109, I, &p, NULL), FAILWELL_BREAKER_OPEN);

    /* At 110 it turns half-open; Optional may not probe. */
    CHECK_EQ(failwell_breaker_acquire(&b, 110, O, &p, &retry), FAILWELL_NOT_PROBING);
    CHECK_EQ(retry, 0);
    s = snap(&b, 110);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_HALF_OPEN);
    CHECK_EQ(s.generation, 2);
    CHECK_EQ(s.has_next_transition, 0); /* nothing in flight: nothing timed */
    p = ACQUIRE(&b, 110, E);
    s = snap(&b, 110);
    CHECK_EQ(s.probes_in_flight, 1);
    CHECK_EQ(s.has_next_transition, 1);
    CHECK_EQ(s.next_transition, 210); /* the probe times out then */
    /* One probe at a time by default. */
    CHECK_EQ(failwell_breaker_acquire(&b, 120, I, NULL, NULL), FAILWELL_NULL_POINTER);
    {
        failwell_permit_t busy;
        CHECK_EQ(failwell_breaker_acquire(&b, 120, I, &busy, &retry), FAILWELL_PROBES_BUSY);
        CHECK_EQ(retry, 90);
    }
    CHECK_EQ(failwell_breaker_success(&b, &p, 130), FAILWELL_OK);
    s = snap(&b, 130);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.generation, 3);
    CHECK_EQ(s.ramp_stage, 0);
    CHECK_EQ(s.count_window.calls, 0); /* emptied on closing */
    CHECK_EQ(s.time_window.calls, 0);
    CHECK_EQ(s.trips, 1);
    CHECK_EQ(s.has_next_transition, 0);
}

static void test_failure_rate(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    int i;

    /* >= 50 % failed, once 4 calls are in a window. */
    c.consecutive_failures = 0;
    c.failure_rate = 500;
    c.minimum_calls = 4;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    FAIL(&b, 0);
    FAIL(&b, 0);
    CHECK_EQ(snap(&b, 0).state, FAILWELL_BREAKER_STATE_CLOSED); /* below the minimum */
    SUCCEED(&b, 0);
    CHECK_EQ(snap(&b, 0).state, FAILWELL_BREAKER_STATE_OPEN); /* 3 of 4 */

    /* The count window keeps the last 100 calls. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    for (i = 0; i < 150; i++) {
        SUCCEED(&b, 0);
    }
    s = snap(&b, 0);
    CHECK_EQ(s.count_window.calls, 100);
    CHECK_EQ(s.time_window.calls, 150);

    /* Only the time window trips here: 50 old successes fill the count
     * window, the time window has forgotten them. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    for (i = 0; i < 50; i++) {
        SUCCEED(&b, 0);
    }
    FAIL(&b, 1000);
    FAIL(&b, 1000);
    FAIL(&b, 1000);
    s = snap(&b, 1000);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.count_window.calls, 53);
    CHECK_EQ(s.count_window.failures, 3);
    CHECK_EQ(s.time_window.calls, 3);
    FAIL(&b, 1000);
    CHECK_EQ(snap(&b, 1000).state, FAILWELL_BREAKER_STATE_OPEN);
}

static void test_time_window(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;

    /* 10 buckets of 10 ticks; only consecutive failures trip. */
    c.consecutive_failures = 100;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    FAIL(&b, 5);
    SUCCEED(&b, 12);
    s = snap(&b, 12);
    CHECK_EQ(s.time_window.calls, 3);
    CHECK_EQ(s.time_window.failures, 2);
    /* At 100 the bucket of ticks 0..10 has left the window. */
    SUCCEED(&b, 101);
    s = snap(&b, 101);
    CHECK_EQ(s.time_window.calls, 2);
    CHECK_EQ(s.time_window.failures, 0);
    CHECK_EQ(s.count_window.calls, 4);
    CHECK_EQ(s.count_window.failures, 2);
    /* A jump past the whole window empties it. */
    SUCCEED(&b, 100000);
    s = snap(&b, 100000);
    CHECK_EQ(s.time_window.calls, 1);
    /* A clock that went back counts in the newest bucket. */
    FAIL(&b, 3);
    s = snap(&b, 3);
    CHECK_EQ(s.time_window.calls, 2);
    CHECK_EQ(s.time_window.failures, 1);

    /* A snapshot shows the time window as of its `now`: one failure at 0,
     * and an hour (of milliseconds) later an idle breaker holds no call. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    CHECK_EQ(snap(&b, 0).time_window.failures, 1);
    /* A NULL out-pointer is refused before anything happens. */
    CHECK_EQ(failwell_breaker_snapshot(&b, 3600000, NULL), FAILWELL_NULL_POINTER);
    CHECK_EQ(snap(&b, 0).time_window.failures, 1);
    s = snap(&b, 3600000);
    CHECK_EQ(s.time_window.calls, 0);
    CHECK_EQ(s.time_window.failures, 0);
    CHECK_EQ(s.count_window.failures, 1); /* the last 100 calls, whenever */

    /* A snapshot with an old `now` is no reading of the clock: twice far
     * behind the newest bucket (where two calls would move the window
     * back), it changes nothing. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    SUCCEED(&b, 1000);
    s = snap(&b, 1000);
    {
        failwell_breaker_snapshot_t old = snap(&b, 0);
        CHECK(snapshots_equal(&s, &old));
        old = snap(&b, 0);
        CHECK(snapshots_equal(&s, &old));
    }
    /* Nor did it mark the window: a far-past call only counts in the
     * newest bucket, which a call at 1005 shares. */
    FAIL(&b, 0);
    SUCCEED(&b, 1005);
    s = snap(&b, 1005);
    CHECK_EQ(s.time_window.calls, 3);
    CHECK_EQ(s.time_window.failures, 1);
}

static void test_slow_calls(void) {
    static const uint64_t latencies[5] = {10, 60, 70, 20, 80};
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t p;
    int i;

    /* Slow above 50 ticks; trip at >= 60 % slow of 5 calls. */
    c.consecutive_failures = 0;
    c.slow_call_threshold = 50;
    c.slow_call_rate = 600;
    c.minimum_calls = 5;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    for (i = 0; i < 5; i++) {
        uint64_t now = (uint64_t)i * 1000;
        p = ACQUIRE(&b, now, E);
        CHECK_EQ(failwell_breaker_latency(&b, &p, now + latencies[i], latencies[i]),
                 FAILWELL_OK);
    }
    s = snap(&b, 4080);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_OPEN);
    CHECK_EQ(s.count_window.slow, 3);
    CHECK_EQ(s.count_window.failures, 0);

    /* A success measures its own latency from acquired_at. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    p = ACQUIRE(&b, 0, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 51), FAILWELL_OK);
    p = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 150), FAILWELL_OK);
    /* A latency given by the caller wins over the clock. */
    p = ACQUIRE(&b, 200, E);
    CHECK_EQ(failwell_breaker_latency(&b, &p, 200, 51), FAILWELL_OK);
    p = ACQUIRE(&b, 300, E);
    CHECK_EQ(failwell_breaker_latency(&b, &p, 900, 50), FAILWELL_OK);
    s = snap(&b, 900);
    CHECK_EQ(s.count_window.calls, 4);
    CHECK_EQ(s.count_window.slow, 2);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);

    /* A failure is slow too when it takes longer than the threshold, by the
     * clock or by the latency given: it counts in both rates. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    p = ACQUIRE(&b, 0, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 50), FAILWELL_OK);
    p = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_failure_latency(&b, &p, 900, 50), FAILWELL_OK);
    s = snap(&b, 900);
    CHECK_EQ(s.count_window.failures, 2);
    CHECK_EQ(s.count_window.slow, 0);
    p = ACQUIRE(&b, 200, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 251), FAILWELL_OK);
    p = ACQUIRE(&b, 300, E);
    CHECK_EQ(failwell_breaker_failure_latency(&b, &p, 300, 51), FAILWELL_OK);
    s = snap(&b, 300);
    CHECK_EQ(s.count_window.calls, 4);
    CHECK_EQ(s.count_window.failures, 4);
    CHECK_EQ(s.count_window.slow, 2);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    /* The fifth call: 3 of 5 slow trips it on the slow-call rate alone. */
    p = ACQUIRE(&b, 400, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 451), FAILWELL_OK);
    CHECK_EQ(snap(&b, 451).state, FAILWELL_BREAKER_STATE_OPEN);
}

static void test_probes(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t p1, p2, p3, busy;
    uint64_t retry = SENTINEL64;

    /* Two probes at once, three successes close, one failure reopens. */
    c.consecutive_failures = 1;
    c.probes = 2;
    c.probe_successes = 3;
    c.probe_timeout = 50;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    p1 = ACQUIRE(&b, 100, E);
    p2 = ACQUIRE(&b, 100, I);
    CHECK(p1.ticket >> 20 != 0 && p2.ticket >> 20 != 0);
    CHECK(p1.ticket >> 20 != p2.ticket >> 20); /* different slots */
    CHECK_EQ(snap(&b, 100).probes_in_flight, 2);
    CHECK_EQ(failwell_breaker_acquire(&b, 110, E, &busy, &retry), FAILWELL_PROBES_BUSY);
    CHECK_EQ(retry, 40);
    CHECK_EQ(failwell_breaker_acquire(&b, 110, E, &busy, NULL), FAILWELL_PROBES_BUSY);
    CHECK_EQ(failwell_breaker_acquire(&b, 110, O, &busy, &retry), FAILWELL_NOT_PROBING);
    CHECK_EQ(retry, 0);
    CHECK_EQ(failwell_breaker_success(&b, &p1, 120), FAILWELL_OK);
    p3 = ACQUIRE(&b, 120, E);
    CHECK_EQ(failwell_breaker_success(&b, &p2, 121), FAILWELL_OK);
    s = snap(&b, 121);
    CHECK_EQ(s.probe_successes, 2);
    CHECK_EQ(s.probes_in_flight, 1);
    CHECK_EQ(s.next_transition, 170); /* latest probe at 120, + 50 */
    CHECK_EQ(failwell_breaker_success(&b, &p3, 122), FAILWELL_OK);
    CHECK_EQ(snap(&b, 122).state, FAILWELL_BREAKER_STATE_CLOSED);

    /* An ignored probe frees its slot and counts neither way. */
    FAIL(&b, 200);
    p1 = ACQUIRE(&b, 300, E);
    CHECK_EQ(failwell_breaker_ignore(&b, &p1, 301), FAILWELL_OK);
    s = snap(&b, 301);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_HALF_OPEN);
    CHECK_EQ(s.probes_in_flight, 0);
    CHECK_EQ(s.probe_successes, 0);
    CHECK_EQ(s.probe_failures, 0);

    /* A failed probe reopens. */
    p1 = ACQUIRE(&b, 302, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p1, 303), FAILWELL_OK);
    s = snap(&b, 303);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_OPEN);
    CHECK_EQ(s.next_transition, 403);
    /* Tripped again 78 ticks after closing, within reset_backoff_after
     * (default: the open duration): the trips go on counting. */
    CHECK_EQ(s.trips, 3);

    /* A slow probe is a failed one. */
    p1 = ACQUIRE(&b, 403, E);
    CHECK_EQ(failwell_breaker_latency(&b, &p1, 404, UINT64_MAX), FAILWELL_OK);
    CHECK_EQ(snap(&b, 404).state, FAILWELL_BREAKER_STATE_HALF_OPEN); /* threshold is UINT64_MAX */
    c.slow_call_threshold = 5;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    p1 = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_success(&b, &p1, 106), FAILWELL_OK);
    CHECK_EQ(snap(&b, 106).state, FAILWELL_BREAKER_STATE_OPEN);
}

static void test_probe_timeout(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t lost, probe, busy;
    uint64_t retry = SENTINEL64;

    /* One probe at a time, two failures reopen, probes time out after 30. */
    c.consecutive_failures = 1;
    c.probe_failures = 2;
    c.probe_timeout = 30;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    lost = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_acquire(&b, 129, E, &busy, &retry), FAILWELL_PROBES_BUSY);
    CHECK_EQ(retry, 1);
    /* At 130 the probe has timed out: one failure of two; a new round. */
    probe = ACQUIRE(&b, 130, E);
    s = snap(&b, 130);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_HALF_OPEN);
    CHECK_EQ(s.probe_failures, 1);
    /* The lost probe's late report is stale. */
    CHECK_EQ(failwell_breaker_success(&b, &lost, 131), FAILWELL_PERMIT_STALE);
    CHECK_EQ(failwell_breaker_success(&b, &probe, 132), FAILWELL_OK);
    CHECK_EQ(snap(&b, 132).state, FAILWELL_BREAKER_STATE_CLOSED);
}

static void test_backoff_and_jitter(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_permit_t p;
    uint64_t until[20];
    int seed, distinct = 0, i;

    /* Doubling up to 350; back to the start after 1000 healthy ticks. */
    c.consecutive_failures = 1;
    c.backoff_factor = 2000;
    c.max_open_duration = 350;
    c.reset_backoff_after = 1000;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    p = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 105), FAILWELL_OK);
    CHECK_EQ(snap(&b, 105).trips, 2);
    CHECK_EQ(snap(&b, 105).next_transition, 305);
    p = ACQUIRE(&b, 305, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 305), FAILWELL_OK);
    CHECK_EQ(snap(&b, 305).next_transition, 655); /* 400 capped at 350 */
    p = ACQUIRE(&b, 655, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 655), FAILWELL_OK);
    FAIL(&b, 700); /* soon: the backoff keeps growing */
    CHECK_EQ(snap(&b, 700).trips, 4);
    CHECK_EQ(snap(&b, 700).next_transition, 1050);
    p = ACQUIRE(&b, 1050, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 1050), FAILWELL_OK);
    FAIL(&b, 2050); /* after 1000 healthy ticks it starts over */
    CHECK_EQ(snap(&b, 2050).trips, 1);
    CHECK_EQ(snap(&b, 2050).next_transition, 2150);

    /* Jitter lengthens by up to its share, and depends on the seed
     * (reproducibly: the same for every breaker with this config). */
    for (seed = 0; seed < 20; seed++) {
        c = base(1000);
        c.consecutive_failures = 1;
        c.jitter = 200;
        c.jitter_seed = (uint32_t)seed;
        c.jitter_reproducible = 1;
        CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
        FAIL(&b, 0);
        until[seed] = snap(&b, 0).next_transition;
        CHECK(until[seed] >= 1000 && until[seed] <= 1200);
        for (i = 0; i < seed && until[i] != until[seed]; i++) {
        }
        distinct += i == seed;
    }
    CHECK(distinct > 5);

    /* By default each breaker mixes its address into the draws: two with
     * the same config and seed open for different durations (before, every
     * breaker drew the same sequence); reproducible ones draw alike. */
    {
        failwell_breaker_t other;
        int reproducible, differ;
        for (reproducible = 0; reproducible <= 1; reproducible++) {
            c = base(1000);
            c.consecutive_failures = 1;
            c.jitter = 1000;
            c.jitter_reproducible = (uint8_t)reproducible;
            CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
            CHECK_EQ(failwell_breaker_init(&other, &c), FAILWELL_OK);
            differ = 0;
            for (i = 0; i < 8; i++) {
                FAIL(&b, (uint64_t)i * 10000);
                FAIL(&other, (uint64_t)i * 10000);
                differ += snap(&b, (uint64_t)i * 10000).next_transition !=
                         snap(&other, (uint64_t)i * 10000).next_transition;
                CHECK_EQ(failwell_breaker_reset(&b, (uint64_t)i * 10000 + 5000), FAILWELL_OK);
                CHECK_EQ(failwell_breaker_reset(&other, (uint64_t)i * 10000 + 5000), FAILWELL_OK);
            }
            if (reproducible) {
                CHECK_EQ(differ, 0);
            } else {
                CHECK(differ > 0);
            }
        }
    }
}

/* The ramp config: 10 % then 50 %, 1000 ticks a stage; Important and
 * Optional one stage late; Optional does not probe. */
static failwell_breaker_config_t ramp_config(void) {
    failwell_breaker_config_t c = base(100);
    c.consecutive_failures = 5;
    c.probe_failures = 2;
    c.probe_timeout = 50;
    c.ramp_steps = 2;
    c.ramp[0] = 100;
    c.ramp[1] = 500;
    c.ramp_stage_duration = 1000;
    c.ramp_delay[E] = 0;
    c.ramp_delay[I] = 1;
    c.ramp_delay[O] = 1;
    return c;
}

/* How many of 1000 calls of `tier` at `now` are admitted (none reported). */
static unsigned admitted_of_1000(failwell_breaker_t *b, uint64_t now, failwell_tier_t tier) {
    unsigned n = 0, i;
    for (i = 0; i < 1000; i++) {
        failwell_permit_t p;
        uint64_t retry = SENTINEL64;
        failwell_status_t status = failwell_breaker_acquire(b, now, tier, &p, &retry);
        if (status == FAILWELL_OK) {
            n++;
        } else {
            CHECK_EQ(status, FAILWELL_RAMP_SHED);
            CHECK_EQ(retry, 0);
        }
    }
    return n;
}

static void test_ramp(void) {
    failwell_breaker_config_t c = ramp_config();
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t p;

    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    trip(&b, 0, __LINE__);
    p = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 100), FAILWELL_OK);
    s = snap(&b, 100);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.ramp_stage, 1);
    CHECK_EQ(s.has_next_transition, 1);
    CHECK_EQ(s.next_transition, 1100);

    /* Stage 1: Essential 10 %, the others (one stage late) nothing. */
    CHECK_EQ(admitted_of_1000(&b, 200, E), 100);
    CHECK_EQ(admitted_of_1000(&b, 200, I), 0);
    CHECK_EQ(admitted_of_1000(&b, 200, O), 0);
    /* Stage 2: Essential 50 %, the others 10 %. */
    CHECK_EQ(admitted_of_1000(&b, 1100, E), 500);
    CHECK_EQ(admitted_of_1000(&b, 1100, I), 100);
    CHECK_EQ(admitted_of_1000(&b, 1100, O), 100);
    CHECK_EQ(snap(&b, 1100).ramp_stage, 2);
    /* Stage 3: Essential in full, the others 50 %. */
    CHECK_EQ(admitted_of_1000(&b, 2100, E), 1000);
    CHECK_EQ(admitted_of_1000(&b, 2100, O), 500);
    CHECK_EQ(snap(&b, 2100).ramp_stage, 3);
    /* Then full traffic. */
    CHECK_EQ(admitted_of_1000(&b, 3100, O), 1000);
    s = snap(&b, 3100);
    CHECK_EQ(s.ramp_stage, 0);
    CHECK_EQ(s.has_next_transition, 0);
    CHECK_EQ(s.trips, 1);
}

static void test_ramp_rollback(void) {
    failwell_breaker_config_t c = ramp_config();
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t p;
    failwell_status_t status = FAILWELL_RAMP_SHED;
    int i;

    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    trip(&b, 0, __LINE__);
    p = ACQUIRE(&b, 100, E);
    CHECK_EQ(failwell_breaker_success(&b, &p, 100), FAILWELL_OK);
    /* Failures during the ramp: probe_failures (2) of them roll it back. */
    for (i = 0; i < 2; i++) {
        status = FAILWELL_RAMP_SHED;
        while (status == FAILWELL_RAMP_SHED) {
            status = failwell_breaker_acquire(&b, 200, E, &p, NULL);
        }
        CHECK_EQ(status, FAILWELL_OK);
        CHECK_EQ(failwell_breaker_failure(&b, &p, 201), FAILWELL_OK);
        s = snap(&b, 201);
        if (i == 0) {
            CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
            CHECK_EQ(s.probe_failures, 1);
            CHECK_EQ(s.ramp_stage, 1);
        }
    }
    s = snap(&b, 201);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_OPEN);
    CHECK_EQ(s.trips, 2);
    CHECK_EQ(s.next_transition, 301);
}

static void test_operator(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_breaker_snapshot_t s;
    failwell_permit_t p, before;
    uint64_t retry = SENTINEL64;
    int i;

    c.consecutive_failures = 0;
    c.failure_rate = 500;
    c.minimum_calls = 2;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    before = ACQUIRE(&b, 4, E);
    CHECK_EQ(failwell_breaker_force_open(&b, 5), FAILWELL_OK);
    s = snap(&b, 5);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_FORCED_OPEN);
    CHECK_EQ(s.generation, 1);
    CHECK_EQ(s.has_next_transition, 0);
    CHECK_EQ(failwell_breaker_acquire(&b, 5, E, &p, &retry), FAILWELL_FORCED_OPEN);
    CHECK_EQ(retry, UINT64_MAX);
    CHECK_EQ(failwell_breaker_acquire(&b, UINT64_MAX, E, &p, &retry), FAILWELL_FORCED_OPEN);
    CHECK_EQ(failwell_breaker_acquire(&b, 0, O, &p, NULL), FAILWELL_FORCED_OPEN);
    CHECK_EQ(failwell_breaker_failure(&b, &before, 5), FAILWELL_PERMIT_STALE);
    /* Forcing open a forced-open breaker is no transition. */
    CHECK_EQ(failwell_breaker_force_open(&b, 5), FAILWELL_OK);
    CHECK_EQ(snap(&b, 5).generation, 1);

    CHECK_EQ(failwell_breaker_disable(&b, 6), FAILWELL_OK);
    for (i = 0; i < 4; i++) {
        FAIL(&b, 6);
    }
    s = snap(&b, 6);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_DISABLED);
    CHECK_EQ(s.count_window.failures, 4);
    CHECK_EQ(s.time_window.failures, 4);
    CHECK_EQ(s.generation, 2);
    CHECK_EQ(failwell_breaker_acquire(&b, 6, O, &p, &retry), FAILWELL_OK);
    CHECK_EQ(retry, 0);
    /* Nor is disabling a disabled breaker (a config reload applying it
     * again): the permit in flight still counts. */
    CHECK_EQ(failwell_breaker_disable(&b, 6), FAILWELL_OK);
    CHECK_EQ(snap(&b, 6).generation, 2);
    CHECK_EQ(failwell_breaker_failure(&b, &p, 6), FAILWELL_OK);
    CHECK_EQ(snap(&b, 6).count_window.failures, 5);
    p = ACQUIRE(&b, 6, O);

    CHECK_EQ(failwell_breaker_reset(&b, 7), FAILWELL_OK);
    s = snap(&b, 7);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.count_window.calls, 0);
    CHECK_EQ(s.time_window.calls, 0);
    CHECK_EQ(s.generation, 3);
    CHECK_EQ(s.trips, 0);
    CHECK_EQ(failwell_breaker_success(&b, &p, 7), FAILWELL_PERMIT_STALE);

    /* reset works from open and half-open too, and restarts the backoff. */
    FAIL(&b, 8);
    FAIL(&b, 8);
    CHECK_EQ(snap(&b, 8).state, FAILWELL_BREAKER_STATE_OPEN);
    CHECK_EQ(failwell_breaker_reset(&b, 9), FAILWELL_OK);
    CHECK_EQ(snap(&b, 9).state, FAILWELL_BREAKER_STATE_CLOSED);
    FAIL(&b, 10);
    FAIL(&b, 10);
    p = ACQUIRE(&b, 110, E);
    CHECK_EQ(snap(&b, 110).state, FAILWELL_BREAKER_STATE_HALF_OPEN);
    CHECK_EQ(failwell_breaker_reset(&b, 111), FAILWELL_OK);
    s = snap(&b, 111);
    CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
    CHECK_EQ(s.probes_in_flight, 0);
    CHECK_EQ(failwell_breaker_success(&b, &p, 111), FAILWELL_PERMIT_STALE);
}

/* The calls whose status a caller may ignore can be ignored with (void),
 * under -Werror (ARCHITECTURE.md, C ABI convention 13): gcc does not let a
 * cast silence warn_unused_result, so these are not marked must-use. This
 * test is mostly the compiler's: it does not build if one of them is. */
static void test_ignorable_statuses(void) {
    failwell_breaker_config_t c = base(100);
    failwell_breaker_t b;
    failwell_permit_t p;

    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    /* Operator actions. */
    (void)failwell_breaker_force_open(&b, 1);
    CHECK_EQ(snap(&b, 1).state, FAILWELL_BREAKER_STATE_FORCED_OPEN);
    (void)failwell_breaker_disable(&b, 2);
    CHECK_EQ(snap(&b, 2).state, FAILWELL_BREAKER_STATE_DISABLED);
    (void)failwell_breaker_reset(&b, 0);
    CHECK_EQ(snap(&b, 3).state, FAILWELL_BREAKER_STATE_CLOSED);
    /* Outcome reports: counted or stale, the permit is done with. */
    p = ACQUIRE(&b, 4, E);
    (void)failwell_breaker_failure(&b, &p, 4);
    CHECK_EQ(snap(&b, 4).consecutive_failures, 1);
    p = ACQUIRE(&b, 5, E);
    (void)failwell_breaker_failure_latency(&b, &p, 5, 0);
    p = ACQUIRE(&b, 6, E);
    (void)failwell_breaker_success(&b, &p, 6);
    CHECK_EQ(snap(&b, 6).consecutive_failures, 0);
    p = ACQUIRE(&b, 7, E);
    (void)failwell_breaker_latency(&b, &p, 7, 0);
    p = ACQUIRE(&b, 8, E);
    (void)failwell_breaker_reset(&b, 8);
    (void)failwell_breaker_ignore(&b, &p, 8); /* stale */
    CHECK_EQ(failwell_breaker_ignore(&b, &p, 8), FAILWELL_PERMIT_SPENT);
    CHECK_EQ(snap(&b, 8).count_window.calls, 0);
}

static void test_time_edges(void) {
    failwell_breaker_config_t c;
    failwell_breaker_t b;
    failwell_permit_t p;
    uint64_t retry = SENTINEL64;
    static const uint64_t late[3] = {UINT64_MAX - 1, UINT64_MAX, 0};
    int i;

    /* Time near UINT64_MAX neither wraps nor stops the breaker answering. */
    c = base(UINT64_MAX / 2);
    c.consecutive_failures = 1;
    c.bucket_width = UINT64_MAX / 16;
    c.backoff_factor = 3000;
    c.max_open_duration = UINT64_MAX / 2;
    c.reset_backoff_after = UINT64_MAX;
    c.probe_timeout = UINT64_MAX;
    c.slow_call_threshold = 10;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 5);
    CHECK_EQ(failwell_breaker_acquire(&b, 6, E, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, UINT64_MAX / 2 - 1);
    p = ACQUIRE(&b, UINT64_MAX / 2 + 5, E);
    CHECK_EQ(failwell_breaker_failure(&b, &p, UINT64_MAX - 1), FAILWELL_OK);
    /* The second open duration would end past UINT64_MAX: open for good. */
    CHECK_EQ(snap(&b, UINT64_MAX - 1).next_transition, UINT64_MAX);
    CHECK_EQ(snap(&b, UINT64_MAX - 1).has_next_transition, 1);
    for (i = 0; i < 3; i++) {
        retry = 0;
        CHECK_EQ(failwell_breaker_acquire(&b, late[i], E, &p, &retry), FAILWELL_BREAKER_OPEN);
        CHECK_EQ(retry, UINT64_MAX);
    }
    CHECK_EQ(failwell_breaker_reset(&b, UINT64_MAX), FAILWELL_OK);
    SUCCEED(&b, UINT64_MAX);
    p = ACQUIRE(&b, UINT64_MAX, E);
    CHECK_EQ(p.acquired_at, UINT64_MAX);
    CHECK_EQ(failwell_breaker_success(&b, &p, 0), FAILWELL_OK); /* backwards: not slow */
    CHECK_EQ(snap(&b, 0).count_window.slow, 0);
    /* Back to a sane clock, the operator's reset is enough. */
    CHECK_EQ(failwell_breaker_reset(&b, 0), FAILWELL_OK);
    SUCCEED(&b, 0);
    CHECK_EQ(snap(&b, 0).state, FAILWELL_BREAKER_STATE_CLOSED);

    /* A clock that goes back passes no time. */
    c = base(100);
    c.consecutive_failures = 1;
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    FAIL(&b, 0);
    CHECK_EQ(failwell_breaker_acquire(&b, 99, E, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, 1);
    CHECK_EQ(failwell_breaker_acquire(&b, 0, E, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, 100);
    p = ACQUIRE(&b, 100, E);
    /* Reported "before" it was taken: a zero latency, not a huge one. */
    CHECK_EQ(failwell_breaker_success(&b, &p, 50), FAILWELL_OK);
    CHECK_EQ(snap(&b, 50).state, FAILWELL_BREAKER_STATE_CLOSED);
    /* After a trip at 1000, a call at 500 is still refused. */
    FAIL(&b, 1000);
    CHECK_EQ(failwell_breaker_acquire(&b, 500, E, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, 600);

    /* now = 0 and now = UINT64_MAX on a fresh breaker. */
    CHECK_EQ(failwell_breaker_init(&b, &c), FAILWELL_OK);
    SUCCEED(&b, UINT64_MAX);
    SUCCEED(&b, 0);
    FAIL(&b, UINT64_MAX);
    CHECK_EQ(snap(&b, UINT64_MAX).next_transition, UINT64_MAX); /* saturates */
    CHECK_EQ(failwell_breaker_acquire(&b, UINT64_MAX, E, &p, &retry), FAILWELL_BREAKER_OPEN);
    CHECK_EQ(retry, UINT64_MAX);
}

/* ---- concurrency: many threads through trip, probing and recovery ----- */

#define THREADS 8
#define ITERATIONS 4000UL
/* The dependency fails for logical ticks [FAIL_FROM, FAIL_UNTIL). */
#define FAIL_FROM UINT64_C(6000)
#define FAIL_UNTIL UINT64_C(14000)
#define PROBES 3

struct shared {
    failwell_breaker_t breaker;
    uint64_t clock; /* the logical clock, advanced with __atomic builtins */
};

struct worker {
    struct shared *shared;
    failwell_tier_t tier;
    unsigned long by_status[300]; /* status value -> count */
    unsigned long unexpected;     /* statuses or values outside the contract */
    unsigned long over_probes;    /* snapshots with more than PROBES in flight */
    unsigned long probes;         /* probe permits seen */
    unsigned long counted;        /* outcomes reported and counted */
    unsigned long stale;          /* outcomes reported and found stale */
    uint32_t max_in_flight;
};

static int dependency_fails(uint64_t now) { return now >= FAIL_FROM && now < FAIL_UNTIL; }

static void count(struct worker *w, failwell_status_t status) {
    if (status < 300) {
        w->by_status[status]++;
    } else {
        w->unexpected++;
    }
}

static void stress_main(void *arg) {
    struct worker *w = (struct worker *)arg;
    struct shared *sh = w->shared;
    unsigned long i;

    for (i = 0; i < ITERATIONS; i++) {
        uint64_t now = __atomic_fetch_add(&sh->clock, 1, __ATOMIC_RELAXED);
        failwell_permit_t p;
        failwell_breaker_snapshot_t s;
        uint64_t retry = SENTINEL64;
        failwell_status_t status = failwell_breaker_acquire(&sh->breaker, now, w->tier, &p, &retry);

        count(w, status);
        switch (status) {
        case FAILWELL_OK: {
            uint64_t done = __atomic_load_n(&sh->clock, __ATOMIC_RELAXED);
            failwell_status_t reported;
            if (retry != 0 || p.acquired_at != now) {
                w->unexpected++;
            }
            if ((p.ticket >> 20) != 0) {
                /* A probe: let the other threads run while it is in flight. */
                w->probes++;
                sched_yield();
                done = __atomic_load_n(&sh->clock, __ATOMIC_RELAXED);
            }
            /* Every few calls the outcome is not reported (a dropped
             * permit), or reported as ignored. */
            if (i % 17 == 0) {
                break;
            } else if (i % 13 == 0) {
                reported = failwell_breaker_ignore(&sh->breaker, &p, done);
            } else if (dependency_fails(done)) {
                reported = failwell_breaker_failure(&sh->breaker, &p, done);
            } else if (i % 2 == 0) {
                reported = failwell_breaker_latency(&sh->breaker, &p, done, done - now);
            } else {
                reported = failwell_breaker_success(&sh->breaker, &p, done);
            }
            if (reported == FAILWELL_OK) {
                w->counted++;
            } else if (reported == FAILWELL_PERMIT_STALE) {
                w->stale++;
            } else {
                w->unexpected++;
            }
            /* Reporting it again is always refused. */
            if (failwell_breaker_success(&sh->breaker, &p, done) != FAILWELL_PERMIT_SPENT) {
                w->unexpected++;
            }
            break;
        }
        case FAILWELL_BREAKER_OPEN:
            if (retry == 0 || retry == SENTINEL64) {
                w->unexpected++;
            }
            break;
        case FAILWELL_PROBES_BUSY:
            if (retry == SENTINEL64) {
                w->unexpected++;
            }
            break;
        case FAILWELL_NOT_PROBING:
        case FAILWELL_RAMP_SHED:
            if (retry != 0) {
                w->unexpected++;
            }
            break;
        default:
            w->unexpected++;
            break;
        }

        if (i % 64 == 0) {
            sched_yield(); /* interleave the threads more finely */
        }
        if (failwell_breaker_snapshot(&sh->breaker, now, &s) != FAILWELL_OK ||
            s.state > FAILWELL_BREAKER_STATE_HALF_OPEN) {
            w->unexpected++;
        } else {
            if (s.probes_in_flight > PROBES) {
                w->over_probes++;
            }
            if (s.probes_in_flight > w->max_in_flight) {
                w->max_in_flight = s.probes_in_flight;
            }
            if (s.state != FAILWELL_BREAKER_STATE_HALF_OPEN && s.probes_in_flight != 0) {
                w->unexpected++;
            }
        }
    }
}

static void test_contention(void) {
    static struct shared sh;
    static struct worker workers[THREADS];
    failwell_breaker_config_t c = base(200);
    failwell_breaker_snapshot_t s;
    unsigned long totals[300];
    int round, closed_by_threads = 0;
    size_t i, j;

    c.consecutive_failures = 20;
    c.failure_rate = 500;
    c.minimum_calls = 20;
    c.bucket_width = 100;
    c.backoff_factor = 2000;
    c.max_open_duration = 1600;
    c.reset_backoff_after = 2000;
    c.jitter = 100;
    c.jitter_seed = 7;
    c.probes = PROBES;
    c.probe_successes = 5;
    c.probe_failures = 2;
    c.probe_timeout = 1000;
    c.ramp_steps = 2;
    c.ramp[0] = 250;
    c.ramp[1] = 500;
    c.ramp_stage_duration = 300;

    for (round = 0; round < 2; round++) {
        unsigned long unexpected = 0, over_probes = 0, probes = 0, counted = 0, stale = 0;
        uint32_t max_in_flight = 0;

        memset(totals, 0, sizeof totals);
        CHECK_EQ(failwell_breaker_init(&sh.breaker, &c), FAILWELL_OK);
        sh.clock = 0;
        for (i = 0; i < THREADS; i++) {
            memset(&workers[i], 0, sizeof workers[i]);
            workers[i].shared = &sh;
            workers[i].tier = (failwell_tier_t)(i % 3);
        }
        run_threads(stress_main, workers, sizeof workers[0], THREADS);
        for (i = 0; i < THREADS; i++) {
            for (j = 0; j < 300; j++) {
                totals[j] += workers[i].by_status[j];
            }
            unexpected += workers[i].unexpected;
            over_probes += workers[i].over_probes;
            probes += workers[i].probes;
            counted += workers[i].counted;
            stale += workers[i].stale;
            if (workers[i].max_in_flight > max_in_flight) {
                max_in_flight = workers[i].max_in_flight;
            }
        }
        printf("contention round %d: %lu admitted (%lu probes), %lu open, %lu probes busy, "
               "%lu not probing, %lu ramp shed; %lu outcomes counted, %lu stale; "
               "%u trips in a row at the end, generation %u\n",
               round, totals[FAILWELL_OK], probes, totals[FAILWELL_BREAKER_OPEN],
               totals[FAILWELL_PROBES_BUSY], totals[FAILWELL_NOT_PROBING],
               totals[FAILWELL_RAMP_SHED], counted, stale, snap(&sh.breaker, sh.clock).trips,
               snap(&sh.breaker, sh.clock).generation);
        CHECK_EQ(unexpected, 0);
        CHECK_EQ(over_probes, 0);
        CHECK(max_in_flight <= PROBES);
        /* The run went through the whole cycle: admitted and counted calls,
         * refusals while open, probes (which refusals while half-open,
         * stale outcomes and ramp shedding may or may not accompany,
         * depending on how the threads were scheduled). */
        CHECK(totals[FAILWELL_OK] > 0);
        CHECK(totals[FAILWELL_BREAKER_OPEN] > 0);
        CHECK(counted > 0);
        CHECK(probes > 0);
        /* Only the allowed statuses ever came back. */
        for (j = 0; j < 300; j++) {
            if (totals[j] != 0 && j != FAILWELL_OK && j != FAILWELL_BREAKER_OPEN &&
                j != FAILWELL_PROBES_BUSY && j != FAILWELL_NOT_PROBING &&
                j != FAILWELL_RAMP_SHED) {
                fprintf(stderr, "status %lu came back %lu times\n", (unsigned long)j,
                        totals[j]);
                CHECK(!"an unexpected status");
            }
        }
        CHECK_EQ(sh.clock, THREADS * ITERATIONS);
        s = snap(&sh.breaker, sh.clock);
        CHECK(s.trips >= 1);
        CHECK(s.generation >= 3); /* tripped, probed, closed at least */
        if (s.state == FAILWELL_BREAKER_STATE_CLOSED && s.ramp_stage == 0) {
            closed_by_threads++;
        }
        /* The dependency healed long ago. However the threads were
         * scheduled, healthy calls close the breaker and ramp it up within
         * a few open durations (a dropped probe may time out and reopen it
         * once more). */
        {
            uint64_t now = sh.clock;
            const uint64_t limit = now + 10000;
            for (; now < limit; now++) {
                failwell_permit_t p;
                failwell_status_t status;
                s = snap(&sh.breaker, now);
                if (s.state == FAILWELL_BREAKER_STATE_CLOSED && s.ramp_stage == 0) {
                    break;
                }
                status = failwell_breaker_acquire(&sh.breaker, now, E, &p, NULL);
                if (status == FAILWELL_OK) {
                    CHECK_EQ(failwell_breaker_success(&sh.breaker, &p, now), FAILWELL_OK);
                } else {
                    CHECK(status == FAILWELL_BREAKER_OPEN || status == FAILWELL_PROBES_BUSY ||
                          status == FAILWELL_RAMP_SHED);
                }
            }
            CHECK(now < limit);
            CHECK_EQ(s.state, FAILWELL_BREAKER_STATE_CLOSED);
            CHECK_EQ(s.ramp_stage, 0);
            CHECK_EQ(s.probes_in_flight, 0);
        }
    }
    printf("contention: the threads themselves closed the breaker in %d of 2 rounds\n",
           closed_by_threads);
}

int main(void) {
    test_config_default();
    test_config_errors();
    test_init_pointers();
    test_null_breaker();
    test_misaligned();
    test_uninitialised();
    test_copied();
    test_acquire_arguments();
    test_forged_permits();
    test_spent_and_copied_permits();
    test_stale_permits();
    test_consecutive_failures();
    test_failure_rate();
    test_time_window();
    test_slow_calls();
    test_probes();
    test_probe_timeout();
    test_backoff_and_jitter();
    test_ramp();
    test_ramp_rollback();
    test_operator();
    test_ignorable_statuses();
    test_time_edges();
    test_contention();

    return checks_report();
}
