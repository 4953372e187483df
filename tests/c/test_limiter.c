/*
 * The C API of the rate limiter, every status path of every function, plus
 * contention under pthreads. C99; run by `cargo xtask ctest` under
 * ASan+UBSan (and TSan where it works).
 *
 * Prints "N passed, 0 failed" and exits 0, or names each failed check
 * (file:line) and exits 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failwell.h"

/* ---- checks, and what every door's tests share ------------------------ */
#include "harness.h"

/* ---- layout and version -------------------------------------------- */

STATIC_ASSERT(sizeof(failwell_limiter_t) == FAILWELL_LIMITER_WORDS * 8,
              "failwell_limiter_t is FAILWELL_LIMITER_WORDS 64-bit words");
/* The Rust object holds a 64-bit atomic: the storage must be 8-aligned. */
STATIC_ASSERT(ALIGNOF(failwell_limiter_t) >= 8,
              "failwell_limiter_t is at least 8-byte aligned");
STATIC_ASSERT(ALIGNOF(failwell_limiter_t) == ALIGNOF(uint64_t),
              "failwell_limiter_t is aligned as uint64_t");
STATIC_ASSERT(sizeof(failwell_tier_t) == 4, "tiers are uint32_t");
STATIC_ASSERT(sizeof(failwell_status_t) == 4, "statuses are uint32_t");
STATIC_ASSERT(FAILWELL_TIER_ESSENTIAL == 0 && FAILWELL_TIER_IMPORTANT == 1 &&
                  FAILWELL_TIER_OPTIONAL == 2,
              "tier values are the documented ones");

#define STR2(x) #x
#define STR(x) STR2(x)

static void test_version(void) {
    const char *version = failwell_version();
    unsigned long major = 0, minor = 0, patch = 0;
    char *end = NULL;

    CHECK(version != NULL);
    if (version == NULL) {
        return;
    }
    major = strtoul(version, &end, 10);
    CHECK(end != version && *end == '.');
    minor = strtoul(end + 1, &end, 10);
    CHECK(*end == '.');
    patch = strtoul(end + 1, &end, 10);
    CHECK(*end == '\0');
    CHECK_EQ(major, FAILWELL_VERSION_MAJOR);
    CHECK_EQ(minor, FAILWELL_VERSION_MINOR);
    CHECK_EQ(patch, FAILWELL_VERSION_PATCH);
    CHECK(strcmp(version, STR(FAILWELL_VERSION_MAJOR) "." STR(
                              FAILWELL_VERSION_MINOR) "." STR(FAILWELL_VERSION_PATCH)) == 0);
    /* Static: the same pointer every time. */
    CHECK(failwell_version() == version);
}

/* ---- helpers --------------------------------------------------------- */

static failwell_limiter_config_t config(uint32_t rate, uint64_t period, uint32_t burst,
                                        uint32_t reserve_essential,
                                        uint32_t reserve_important) {
    failwell_limiter_config_t c;
    c.rate = rate;
    c.period = period;
    c.burst = burst;
    c.reserve_essential = reserve_essential;
    c.reserve_important = reserve_important;
    return c;
}

/* Checks that every call on `obj` (a limiter, or NULL) is refused with
 * `expected`, writing nothing. */
static void check_refused_everywhere(void *obj, failwell_status_t expected, int line) {
    failwell_limiter_t *lim = (failwell_limiter_t *)obj;
    uint64_t retry = SENTINEL64;
    uint32_t capacity = SENTINEL32;
    failwell_limiter_snapshot_t snap = {SENTINEL32, SENTINEL32, SENTINEL32, SENTINEL64};

    check_eq(failwell_limiter_acquire(lim, 0, 1, FAILWELL_TIER_ESSENTIAL, &retry), expected,
             "acquire status", __FILE__, line);
    check_eq(failwell_limiter_acquire(lim, 0, 1, FAILWELL_TIER_ESSENTIAL, NULL), expected,
             "acquire (retry NULL) status", __FILE__, line);
    check_eq(retry, SENTINEL64, "retry_after untouched", __FILE__, line);
    check_eq(failwell_limiter_snapshot(lim, 0, &snap), expected, "snapshot status", __FILE__,
             line);
    check_eq(snap.essential, SENTINEL32, "snapshot untouched", __FILE__, line);
    check_eq(snap.full_in, SENTINEL64, "snapshot untouched", __FILE__, line);
    check_eq(failwell_limiter_snapshot(lim, 0, NULL), expected, "snapshot (NULL) status",
             __FILE__, line);
    check_eq(failwell_limiter_capacity(lim, FAILWELL_TIER_ESSENTIAL, &capacity), expected,
             "capacity status", __FILE__, line);
    check_eq(failwell_limiter_capacity(lim, FAILWELL_TIER_ESSENTIAL, NULL), expected,
             "capacity (NULL) status", __FILE__, line);
    check_eq(capacity, SENTINEL32, "capacity untouched", __FILE__, line);
    check_eq(failwell_limiter_reset(lim, 0), expected, "reset status", __FILE__, line);
    check_eq(failwell_limiter_reset(lim, UINT64_MAX), expected, "reset status", __FILE__, line);
}

/* Checks that `obj`, a limiter just initialised, has a full bucket. */
static void check_fresh(void *obj, int line) {
    failwell_limiter_snapshot_t snap = {SENTINEL32, SENTINEL32, SENTINEL32, SENTINEL64};
    check_eq(failwell_limiter_snapshot((failwell_limiter_t *)obj, 0, &snap), FAILWELL_OK,
             "snapshot status", __FILE__, line);
    check_eq(snap.full_in, 0, "full", __FILE__, line);
}

DEFINE_DOOR(limiter_door, failwell_limiter_t, failwell_limiter_config_t, failwell_limiter_init,
            check_refused_everywhere, check_fresh);

/* ---- field order ------------------------------------------------------ */

/* The fields are in the order of the Rust crate's LimiterConfig::new(rate,
 * period, burst), and the C++ wrapper's Config(rate, period, burst), so the
 * README's values written positionally (100 units per 1000 ticks, bursts of
 * 20, 5 + 5 units reserved) mean the same in C. In another order they would
 * be refused (a rate of 100 per 20-tick period is above one per tick) or
 * make another limiter. */
static void test_field_order(void) {
    const failwell_limiter_config_t c = {100, 1000, 20, 5, 5};
    failwell_limiter_t lim;
    uint32_t capacity = 0;
    uint64_t retry = 0;
    int i;

    CHECK_EQ(c.rate, 100);
    CHECK_EQ(c.period, 1000);
    CHECK_EQ(c.burst, 20);
    CHECK_EQ(c.reserve_essential, 5);
    CHECK_EQ(c.reserve_important, 5);
    memset(&lim, 0, sizeof lim);
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_capacity(&lim, FAILWELL_TIER_ESSENTIAL, &capacity), FAILWELL_OK);
    CHECK_EQ(capacity, 20);
    CHECK_EQ(failwell_limiter_capacity(&lim, FAILWELL_TIER_OPTIONAL, &capacity), FAILWELL_OK);
    CHECK_EQ(capacity, 10);
    for (i = 0; i < 20; i++) {
        CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_ESSENTIAL, &retry),
                 FAILWELL_OK);
    }
    /* A unit is worth 1000 / 100 = 10 ticks. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 10);
}

/* ---- init ------------------------------------------------------------ */

static void test_init_config_errors(void) {
    static const struct {
        failwell_limiter_config_t config;
        uint32_t expected;
    } cases[] = {
        {{0, 10, 10, 0, 0}, FAILWELL_CONFIG_ZERO_RATE},
        {{1, 0, 10, 0, 0}, FAILWELL_CONFIG_ZERO_PERIOD},
        {{1, 10, 0, 0, 0}, FAILWELL_CONFIG_ZERO_BURST},
        {{11, 10, 10, 0, 0}, FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK},
        {{UINT32_MAX, UINT32_MAX - 1u, 10, 0, 0}, FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK},
        {{10, 10, 10, 0, 0}, FAILWELL_OK}, /* one per tick is allowed */
        {{UINT32_MAX, UINT32_MAX, UINT32_MAX, 0, 0}, FAILWELL_OK},
        /* interval = UINT64_MAX: burst 2 overflows, burst 1 does not. */
        {{1, UINT64_MAX, 2, 0, 0}, FAILWELL_CONFIG_BURST_TOO_LONG},
        {{1, UINT64_MAX, 1, 0, 0}, FAILWELL_OK},
        /* interval = 2^63: burst 2 is exactly 2^64. */
        {{2, UINT64_MAX, 2, 0, 0}, FAILWELL_CONFIG_BURST_TOO_LONG},
        {{1, UINT64_C(1) << 32, UINT32_MAX, 0, 0}, FAILWELL_OK},
        /* (2^32 - 1) x (2^32 + 1) = UINT64_MAX exactly; one tick more overflows. */
        {{1, (UINT64_C(1) << 32) + 1, UINT32_MAX, 0, 0}, FAILWELL_OK},
        {{1, (UINT64_C(1) << 32) + 2, UINT32_MAX, 0, 0}, FAILWELL_CONFIG_BURST_TOO_LONG},
        /* Reserves must leave Optional at least one unit. */
        {{1, 10, 10, 10, 0}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
        {{1, 10, 10, 0, 10}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
        {{1, 10, 10, 5, 5}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
        {{1, 10, 10, 5, 4}, FAILWELL_OK},
        {{1, 10, 10, 9, 0}, FAILWELL_OK},
        {{1, 10, 10, 0, 9}, FAILWELL_OK},
        {{1, 10, 10, UINT32_MAX, 1}, FAILWELL_CONFIG_RESERVE_TOO_LARGE}, /* sum overflows */
        {{1, 10, 10, 1, UINT32_MAX}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
        {{1, 10, UINT32_MAX, UINT32_MAX - 1u, 0}, FAILWELL_OK},
        {{1, 10, 1, 0, 0}, FAILWELL_OK},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        failwell_limiter_t lim;
        /* On error the storage is left as it was: still garbage, still refused. */
        if (check_init(&limiter_door, &lim, &cases[i].config, cases[i].expected, __LINE__) !=
            cases[i].expected) {
            fprintf(stderr, "(config case %lu)\n", (unsigned long)i);
        }
    }
}

static void test_init_pointer_errors(void) {
    failwell_limiter_config_t good = config(1, 10, 10, 0, 0);
    failwell_limiter_config_t bad = config(0, 10, 10, 0, 0);
    failwell_limiter_config_t small = config(1, 10, 2, 0, 0);
    failwell_limiter_t lim;
    failwell_limiter_snapshot_t snap;
    uint64_t retry = 0;

    check_init_pointers(&limiter_door, &lim, &good, __LINE__);

    /* A failed re-init leaves a working limiter exactly as it was. */
    CHECK_EQ(failwell_limiter_init(&lim, &good), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 4, FAILWELL_TIER_ESSENTIAL, &retry), FAILWELL_OK);
    check_reinit_refused(&limiter_door, &lim, &bad, FAILWELL_CONFIG_ZERO_RATE, __LINE__);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 6);
    CHECK_EQ(snap.full_in, 40);

    /* A successful re-init starts again with a full bucket. */
    CHECK_EQ(failwell_limiter_init(&lim, &good), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 10);
    CHECK_EQ(snap.full_in, 0);

    /* The config is only read (unaligned reads): any address will do. */
    CHECK_EQ(init_with_config_at(&limiter_door, &lim, &small, 1), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 2);
}

/* ---- object checks: NULL, misaligned, uninitialised, copied ----------- */

static void test_null_limiter(void) {
    check_refused_everywhere(NULL, FAILWELL_NULL_POINTER, __LINE__);
}

static void test_misaligned(void) {
    failwell_limiter_config_t good = config(1, 10, 10, 0, 0);
    ODD_STORAGE(failwell_limiter_t) buf;
    failwell_limiter_t *lim = AT_OFFSET(failwell_limiter_t, buf, 8);
    uint32_t capacity = 0;

    check_misaligned(&limiter_door, &good, buf.bytes, sizeof buf.bytes, __LINE__);
    /* 8 bytes in is aligned: a limiter works there. */
    CHECK_EQ(failwell_limiter_capacity(lim, FAILWELL_TIER_OPTIONAL, &capacity), FAILWELL_OK);
    CHECK_EQ(capacity, 10);
    CHECK_EQ(failwell_limiter_acquire(lim, 0, 1, FAILWELL_TIER_OPTIONAL, NULL), FAILWELL_OK);
}

static failwell_limiter_t static_limiter; /* zeroed: not initialised */

static void test_uninitialised(void) {
    failwell_limiter_config_t good = config(1, 10, 10, 0, 0);
    failwell_limiter_t lim;

    check_uninitialised(&limiter_door, &lim, &static_limiter, &good, __LINE__);
    CHECK_EQ(failwell_limiter_acquire(&static_limiter, 0, 10, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_OK);
}

static void test_copied(void) {
    failwell_limiter_config_t good = config(1, 10, 10, 0, 0);
    failwell_limiter_t original;
    uint64_t retry = SENTINEL64;

    CHECK_EQ(failwell_limiter_init(&original, &good), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&original, 0, 3, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_OK);
    CHECK_EQ(retry, 0);

    CHECK_COPIES_REFUSED(&limiter_door, failwell_limiter_t, &original);

    /* The original is unaffected. */
    CHECK_EQ(failwell_limiter_acquire(&original, 0, 7, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&original, 0, 1, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_RATE_LIMITED);
}

/* ---- acquire ---------------------------------------------------------- */

static void test_acquire(void) {
    /* interval 10 ticks, burst 3: a bucket of 30 ticks of debt. */
    failwell_limiter_config_t c = config(1, 10, 3, 0, 0);
    failwell_limiter_t lim;
    uint64_t retry = SENTINEL64;

    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);

    /* Caller errors: nothing happens, retry_after is not written. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 0, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_ZERO_COST);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 0, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_ZERO_COST);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 1, 3, &retry), FAILWELL_INVALID_TIER);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 1, UINT32_MAX, &retry), FAILWELL_INVALID_TIER);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 1, 3, NULL), FAILWELL_INVALID_TIER);
    CHECK_EQ(retry, SENTINEL64);

    /* Never: cost above the burst, whatever the time. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 4, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_COST_EXCEEDS_CAPACITY);
    CHECK_EQ(retry, UINT64_MAX);
    retry = SENTINEL64;
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, UINT32_MAX, FAILWELL_TIER_OPTIONAL, &retry),
             FAILWELL_COST_EXCEEDS_CAPACITY);
    CHECK_EQ(retry, UINT64_MAX);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 4, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_COST_EXCEEDS_CAPACITY);

    /* None of the refusals above took anything: the bucket is full. */
    retry = SENTINEL64;
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_OK);
    CHECK_EQ(retry, 0);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 2, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);

    /* Empty: tat = 130. One more unit is 10 ticks of debt too many. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 10);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100, 3, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 30);
    CHECK_EQ(failwell_limiter_acquire(&lim, 109, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 1);
    CHECK_EQ(failwell_limiter_acquire(&lim, 109, 1, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_RATE_LIMITED);

    /* Exactly retry_after later the same request is admitted. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 110, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_OK);
    CHECK_EQ(retry, 0);
    /* tat = 140: cost 2 at 110 needs 20 more ticks; at 129, 1; at 130, none. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 110, 2, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 20);
    CHECK_EQ(failwell_limiter_acquire(&lim, 129, 2, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 1);
    CHECK_EQ(failwell_limiter_acquire(&lim, 130, 2, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_OK);
    CHECK_EQ(retry, 0);

    /* A long quiet spell refills to the burst, no further. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 100000, 3, FAILWELL_TIER_ESSENTIAL, NULL),
             FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 100000, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 10);
}

/* Interval rounding: rate 3 per 10 ticks is one unit per ceil(10/3) = 4 ticks. */
static void test_sustained_rate(void) {
    failwell_limiter_config_t c = config(3, 10, 5, 0, 0);
    failwell_limiter_t lim;
    uint64_t now;
    unsigned long admitted = 0;

    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    for (now = 0; now <= 1000; now++) {
        while (failwell_limiter_acquire(&lim, now, 1, FAILWELL_TIER_ESSENTIAL, NULL) ==
               FAILWELL_OK) {
            admitted++;
        }
    }
    /* The burst at 0, then one unit every 4 ticks. */
    CHECK_EQ(admitted, 5 + 1000 / 4);
}

static void test_tiers(void) {
    /* Burst 10: 2 units only for Essential, 3 more only for Essential+Important. */
    failwell_limiter_config_t c = config(1, 10, 10, 2, 3);
    failwell_limiter_t lim;
    failwell_limiter_snapshot_t snap;
    uint32_t capacity = SENTINEL32;
    uint64_t retry = SENTINEL64;
    int i;

    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);

    CHECK_EQ(failwell_limiter_capacity(&lim, FAILWELL_TIER_ESSENTIAL, &capacity), FAILWELL_OK);
    CHECK_EQ(capacity, 10);
    CHECK_EQ(failwell_limiter_capacity(&lim, FAILWELL_TIER_IMPORTANT, &capacity), FAILWELL_OK);
    CHECK_EQ(capacity, 8);
    CHECK_EQ(failwell_limiter_capacity(&lim, FAILWELL_TIER_OPTIONAL, &capacity), FAILWELL_OK);
    CHECK_EQ(capacity, 5);
    capacity = SENTINEL32;
    CHECK_EQ(failwell_limiter_capacity(&lim, 3, &capacity), FAILWELL_INVALID_TIER);
    CHECK_EQ(failwell_limiter_capacity(&lim, UINT32_MAX, &capacity), FAILWELL_INVALID_TIER);
    CHECK_EQ(capacity, SENTINEL32);
    CHECK_EQ(failwell_limiter_capacity(&lim, FAILWELL_TIER_OPTIONAL, NULL),
             FAILWELL_NULL_POINTER);

    /* Above a tier's capacity is never, even on a full bucket. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 6, FAILWELL_TIER_OPTIONAL, &retry),
             FAILWELL_COST_EXCEEDS_CAPACITY);
    CHECK_EQ(retry, UINT64_MAX);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 9, FAILWELL_TIER_IMPORTANT, &retry),
             FAILWELL_COST_EXCEEDS_CAPACITY);
    CHECK_EQ(retry, UINT64_MAX);

    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 10);
    CHECK_EQ(snap.important, 8);
    CHECK_EQ(snap.optional, 5);
    CHECK_EQ(snap.full_in, 0);

    /* Optional takes its 5 and is then shed while the others still flow. */
    for (i = 0; i < 5; i++) {
        CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_OPTIONAL, NULL), FAILWELL_OK);
    }
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_OPTIONAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 10);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 5);
    CHECK_EQ(snap.important, 3);
    CHECK_EQ(snap.optional, 0);
    CHECK_EQ(snap.full_in, 50);

    for (i = 0; i < 3; i++) {
        CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_IMPORTANT, NULL), FAILWELL_OK);
    }
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_IMPORTANT, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 10);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_OPTIONAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 40);

    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 2, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 10);

    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 0);
    CHECK_EQ(snap.important, 0);
    CHECK_EQ(snap.optional, 0);
    CHECK_EQ(snap.full_in, 100);

    /* 15 ticks on: 1.5 units back, whole units only, all for Essential. */
    CHECK_EQ(failwell_limiter_snapshot(&lim, 15, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 1);
    CHECK_EQ(snap.important, 0);
    CHECK_EQ(snap.optional, 0);
    CHECK_EQ(snap.full_in, 85);
    /* 60 ticks on: 6 units back; Important sees 4, Optional 1. */
    CHECK_EQ(failwell_limiter_snapshot(&lim, 60, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 6);
    CHECK_EQ(snap.important, 4);
    CHECK_EQ(snap.optional, 1);
    CHECK_EQ(snap.full_in, 40);
    /* Snapshots record no time: earlier again gives the earlier answer. */
    CHECK_EQ(failwell_limiter_snapshot(&lim, 15, &snap), FAILWELL_OK);
    CHECK_EQ(snap.full_in, 85);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 1000, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 10);
    CHECK_EQ(snap.full_in, 0);

    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, NULL), FAILWELL_NULL_POINTER);
}

static void test_time_edges(void) {
    failwell_limiter_config_t c = config(1, 10, 3, 0, 0);
    failwell_limiter_t lim;
    failwell_limiter_snapshot_t snap;
    uint64_t retry = SENTINEL64;

    /* Backwards `now`, by at most two buckets (60 ticks) behind tat: judged
     * with the refill measured to that `now`. */
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 1000, 3, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 970, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 40); /* tat 1030 + 10 - 970 - 30 */
    CHECK_EQ(failwell_limiter_snapshot(&lim, 970, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 0);
    CHECK_EQ(snap.full_in, 60);
    CHECK_EQ(failwell_limiter_acquire(&lim, 1010, 1, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);

    /* A backwards `now` that is admitted leaves what the later time would. */
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 1000, 1, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 990, 1, FAILWELL_TIER_ESSENTIAL, &retry), FAILWELL_OK);
    CHECK_EQ(retry, 0);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 1000, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 1);
    CHECK_EQ(snap.full_in, 20);
    CHECK_EQ(failwell_limiter_acquire(&lim, 960, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 40); /* tat 1020 + 10 - 960 - 30 */

    /* now = UINT64_MAX: admitting would need tat past UINT64_MAX; refused
     * as never on this clock, and nothing changes. */
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, UINT64_MAX, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, UINT64_MAX);
    CHECK_EQ(failwell_limiter_snapshot(&lim, UINT64_MAX, &snap), FAILWELL_OK);
    CHECK_EQ(snap.full_in, 0);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 3, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);

    /* Up to exactly UINT64_MAX is fine. */
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, UINT64_MAX - 30, 3, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_OK);
    CHECK_EQ(retry, 0);
    CHECK_EQ(failwell_limiter_snapshot(&lim, UINT64_MAX - 30, &snap), FAILWELL_OK);
    CHECK_EQ(snap.full_in, 30);
    CHECK_EQ(failwell_limiter_acquire(&lim, UINT64_MAX, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, UINT64_MAX);

    /* The largest interval: one unit per UINT64_MAX ticks. */
    c = config(1, UINT64_MAX, 1, 0, 0);
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 2, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_COST_EXCEEDS_CAPACITY); /* 2 x interval overflows */
    CHECK_EQ(retry, UINT64_MAX);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_ESSENTIAL, &retry), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, UINT64_MAX);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 0, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 0);
    CHECK_EQ(snap.full_in, UINT64_MAX);
}

/* A `now` more than two buckets behind tat is a clock fault of the readings
 * dated later: the limiter starts over from an empty bucket at that `now`. */
static void test_clock_fault(void) {
    static const uint64_t far[] = {UINT64_MAX - 100, UINT64_C(1) << 40, UINT64_MAX};
    failwell_limiter_config_t c = config(1, 10, 3, 0, 0); /* a bucket of 30 ticks */
    failwell_limiter_t lim;
    failwell_limiter_snapshot_t snap;
    uint64_t retry = SENTINEL64;
    size_t i;

    for (i = 0; i < sizeof far / sizeof far[0]; i++) {
        failwell_status_t at_far;
        CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
        CHECK_EQ(failwell_limiter_acquire(&lim, 1000, 1, FAILWELL_TIER_ESSENTIAL, NULL),
                 FAILWELL_OK);
        at_far = failwell_limiter_acquire(&lim, far[i], 1, FAILWELL_TIER_ESSENTIAL, &retry);
        if (far[i] == UINT64_MAX) {
            /* Past the end of the range: refused, nothing recorded. */
            CHECK_EQ(at_far, FAILWELL_RATE_LIMITED);
            CHECK_EQ(retry, UINT64_MAX);
            CHECK_EQ(failwell_limiter_acquire(&lim, 1005, 2, FAILWELL_TIER_ESSENTIAL, NULL),
                     FAILWELL_OK);
            continue;
        }
        CHECK_EQ(at_far, FAILWELL_OK);
        /* Before the first sane request, the snapshot reads the fault as that
         * request will: the empty bucket, writing nothing. */
        CHECK_EQ(failwell_limiter_snapshot(&lim, 1005, &snap), FAILWELL_OK);
        CHECK_EQ(snap.essential, 0);
        CHECK_EQ(snap.full_in, 30);
        /* The first sane request re-bases to the empty bucket at 1005 and is
         * refused against it: 10 ticks, its own refill. */
        CHECK_EQ(failwell_limiter_acquire(&lim, 1005, 1, FAILWELL_TIER_ESSENTIAL, &retry),
                 FAILWELL_RATE_LIMITED);
        CHECK_EQ(retry, 10);
        CHECK_EQ(failwell_limiter_acquire(&lim, 1014, 1, FAILWELL_TIER_ESSENTIAL, NULL),
                 FAILWELL_RATE_LIMITED);
        CHECK_EQ(failwell_limiter_acquire(&lim, 1015, 1, FAILWELL_TIER_ESSENTIAL, &retry),
                 FAILWELL_OK);
        CHECK_EQ(retry, 0);
        /* One bucket after the first sane `now`, the limiter works as before. */
        CHECK_EQ(failwell_limiter_snapshot(&lim, 1045, &snap), FAILWELL_OK);
        CHECK_EQ(snap.essential, 3);
        CHECK_EQ(snap.full_in, 0);
        CHECK_EQ(failwell_limiter_acquire(&lim, 1045, 3, FAILWELL_TIER_ESSENTIAL, NULL),
                 FAILWELL_OK);
    }
}

static void test_reset(void) {
    failwell_limiter_config_t c = config(1, 10, 3, 0, 0);
    failwell_limiter_t lim;
    failwell_limiter_snapshot_t snap;
    uint64_t retry = SENTINEL64;

    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 500, 3, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_reset(&lim, 500), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_snapshot(&lim, 500, &snap), FAILWELL_OK);
    CHECK_EQ(snap.essential, 3);
    CHECK_EQ(snap.full_in, 0);
    CHECK_EQ(failwell_limiter_acquire(&lim, 500, 3, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);

    /* A reading ahead by less than two buckets is no clock fault: its debt
     * stands until an operator resets the limiter. */
    CHECK_EQ(failwell_limiter_acquire(&lim, 550, 3, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 520, 1, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_RATE_LIMITED);
    CHECK_EQ(retry, 40); /* tat 580 + 10 - 520 - 30 */
    CHECK_EQ(failwell_limiter_reset(&lim, 520), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 520, 3, FAILWELL_TIER_ESSENTIAL, &retry),
             FAILWELL_OK);

    /* A bucket already full stays as it was: an earlier `now` still finds it full. */
    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_reset(&lim, 900), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 800, 3, FAILWELL_TIER_ESSENTIAL, NULL), FAILWELL_OK);
}

/* A reset's status may be ignored with (void), under -Werror (ARCHITECTURE.md,
 * C ABI convention 13): gcc does not let a cast silence warn_unused_result,
 * so it is not marked must-use. Mostly the compiler's test: this file does
 * not build if it is. */
static void test_reset_status_ignored(void) {
    failwell_limiter_config_t c = config(1, 10, 3, 0, 0);
    failwell_limiter_t lim;
    uint64_t retry = 0;

    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 3, FAILWELL_TIER_ESSENTIAL, &retry), FAILWELL_OK);
    (void)failwell_limiter_reset(&lim, 0);
    CHECK_EQ(failwell_limiter_acquire(&lim, 0, 3, FAILWELL_TIER_ESSENTIAL, &retry), FAILWELL_OK);
}

/* ---- contention ------------------------------------------------------- */

#define ATTEMPTS 100000UL

struct worker {
    failwell_limiter_t *lim;
    uint64_t now;
    failwell_tier_t tier;
    unsigned long admitted;
    unsigned long limited;
    unsigned long other;
};

static void worker_main(void *arg) {
    struct worker *w = (struct worker *)arg;
    unsigned long i;

    for (i = 0; i < ATTEMPTS; i++) {
        uint64_t retry = SENTINEL64;
        failwell_status_t status = failwell_limiter_acquire(w->lim, w->now, 1, w->tier, &retry);
        if (status == FAILWELL_OK && retry == 0) {
            w->admitted++;
        } else if (status == FAILWELL_RATE_LIMITED && retry > 0 && retry != SENTINEL64) {
            w->limited++;
        } else {
            w->other++;
        }
    }
}

/* Runs one worker per entry of `tiers` on `lim` at `now`, released together. */
static void run_workers(failwell_limiter_t *lim, uint64_t now, const failwell_tier_t *tiers,
                        size_t count, struct worker *workers) {
    size_t i;

    for (i = 0; i < count; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].lim = lim;
        workers[i].now = now;
        workers[i].tier = tiers[i];
    }
    run_threads(worker_main, workers, sizeof workers[0], count);
}

static void test_contention(void) {
    static const failwell_tier_t tiers[4] = {0, 0, 0, 0};
    failwell_limiter_config_t c = config(1, 1000000, 1000, 0, 0);
    failwell_limiter_t lim;
    struct worker workers[4];
    unsigned long admitted = 0, limited = 0, other = 0;
    size_t i;

    CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
    run_workers(&lim, 5000, tiers, 4, workers);
    for (i = 0; i < 4; i++) {
        admitted += workers[i].admitted;
        limited += workers[i].limited;
        other += workers[i].other;
    }
    CHECK_EQ(admitted, 1000);
    CHECK_EQ(limited, 4 * ATTEMPTS - 1000);
    CHECK_EQ(other, 0);
}

static void test_contention_tiers(void) {
    static const failwell_tier_t tiers[6] = {
        FAILWELL_TIER_OPTIONAL,  FAILWELL_TIER_IMPORTANT, FAILWELL_TIER_ESSENTIAL,
        FAILWELL_TIER_OPTIONAL,  FAILWELL_TIER_IMPORTANT, FAILWELL_TIER_ESSENTIAL,
    };
    /* Capacities: Essential 1000, Important 900, Optional 700. */
    failwell_limiter_config_t c = config(1, 1000000, 1000, 100, 200);
    int round;

    for (round = 0; round < 3; round++) {
        failwell_limiter_t lim;
        failwell_limiter_snapshot_t snap;
        struct worker workers[6];
        unsigned long by_tier[3] = {0, 0, 0}, other = 0;
        size_t i;

        CHECK_EQ(failwell_limiter_init(&lim, &c), FAILWELL_OK);
        run_workers(&lim, 7, tiers, 6, workers);
        for (i = 0; i < 6; i++) {
            by_tier[workers[i].tier] += workers[i].admitted;
            other += workers[i].other;
        }
        CHECK(by_tier[FAILWELL_TIER_OPTIONAL] <= 700);
        CHECK(by_tier[FAILWELL_TIER_OPTIONAL] + by_tier[FAILWELL_TIER_IMPORTANT] <= 900);
        /* Essential workers were refused at some point, so the bucket is empty. */
        CHECK_EQ(by_tier[0] + by_tier[1] + by_tier[2], 1000);
        CHECK_EQ(other, 0);
        CHECK_EQ(failwell_limiter_snapshot(&lim, 7, &snap), FAILWELL_OK);
        CHECK_EQ(snap.essential, 0);
        CHECK_EQ(snap.full_in, UINT64_C(1000) * 1000000);
    }
}

int main(void) {
    test_version();
    test_field_order();
    test_init_config_errors();
    test_init_pointer_errors();
    test_null_limiter();
    test_misaligned();
    test_uninitialised();
    test_copied();
    test_acquire();
    test_sustained_rate();
    test_tiers();
    test_time_edges();
    test_clock_fault();
    test_reset();
    test_reset_status_ignored();
    test_contention();
    test_contention_tiers();

    return checks_report();
}
