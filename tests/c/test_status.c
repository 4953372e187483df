/*
 * The status codes every function returns: each has its own name from
 * failwell_status_str, any other value is "unknown status", and the codes
 * keep their ranges (outcomes 1..99, caller errors 100..199, config
 * 200..299). The names read as words: an out-value only as "(see NAME)",
 * and no name as a number of ticks. C99; run by `cargo xtask ctest` under
 * ASan+UBSan (and TSan).
 *
 * Prints "N passed, 0 failed" and exits 0, or names each failed check
 * (file:line) and exits 1.
 */
#include <stdint.h>
#include <string.h>

#include "failwell.h"

#include "checks.h"

static const uint32_t all_statuses[] = {
    FAILWELL_OK,
    FAILWELL_RATE_LIMITED,
    FAILWELL_COST_EXCEEDS_CAPACITY,
    FAILWELL_ZERO_COST,
    FAILWELL_BREAKER_OPEN,
    FAILWELL_PROBES_BUSY,
    FAILWELL_NOT_PROBING,
    FAILWELL_RAMP_SHED,
    FAILWELL_FORCED_OPEN,
    FAILWELL_PERMIT_STALE,
    FAILWELL_BREAKER_REFUSED,
    FAILWELL_NULL_POINTER,
    FAILWELL_MISALIGNED,
    FAILWELL_UNINITIALIZED,
    FAILWELL_INVALID_TIER,
    FAILWELL_PERMIT_INVALID,
    FAILWELL_PERMIT_SPENT,
    FAILWELL_CONFIG_ZERO_RATE,
    FAILWELL_CONFIG_ZERO_PERIOD,
    FAILWELL_CONFIG_ZERO_BURST,
    FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK,
    FAILWELL_CONFIG_BURST_TOO_LONG,
    FAILWELL_CONFIG_RESERVE_TOO_LARGE,
    FAILWELL_CONFIG_NO_TRIP_POLICY,
    FAILWELL_CONFIG_RATE_ABOVE_1000,
    FAILWELL_CONFIG_RATE_WITHOUT_WINDOW,
    FAILWELL_CONFIG_ZERO_MINIMUM_CALLS,
    FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW,
    FAILWELL_CONFIG_ZERO_BUCKET_WIDTH,
    FAILWELL_CONFIG_WINDOW_TOO_LARGE,
    FAILWELL_CONFIG_ZERO_OPEN_DURATION,
    FAILWELL_CONFIG_BACKOFF_BELOW_ONE,
    FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION,
    FAILWELL_CONFIG_JITTER_ABOVE_1000,
    FAILWELL_CONFIG_PROBES_OUT_OF_RANGE,
    FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD,
    FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT,
    FAILWELL_CONFIG_RAMP_NOT_RISING,
    FAILWELL_CONFIG_RAMP_TOO_LONG,
    FAILWELL_CONFIG_ZERO_RAMP_STAGE,
    FAILWELL_CONFIG_NO_TIER_MAY_PROBE,
    FAILWELL_CONFIG_DURATION_OVERFLOW,
    FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN,
    FAILWELL_CONFIG_BACKOFF_TOO_SMALL,
    FAILWELL_CONFIG_JITTER_TOO_SMALL,
    FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN,
    FAILWELL_CONFIG_INVALID,
};
#define STATUS_COUNT (sizeof all_statuses / sizeof all_statuses[0])

static void test_status_str(void) {
    static const uint32_t unknown[] = {4,   9,   16,  18,  20,  99,  104, 109, 112, 199,
                                       206, 209, 233, 298, 300, 0x80000000u, UINT32_MAX};
    size_t i, j;

    for (i = 0; i < STATUS_COUNT; i++) {
        const char *s = failwell_status_str(all_statuses[i]);
        CHECK(s != NULL);
        if (s == NULL) {
            continue;
        }
        CHECK(s[0] != '\0');
        CHECK(strcmp(s, "unknown status") != 0);
        for (j = 0; j < i; j++) {
            const char *other = failwell_status_str(all_statuses[j]);
            CHECK(other != NULL && strcmp(s, other) != 0);
        }
    }
    CHECK(strcmp(failwell_status_str(FAILWELL_OK), "ok") == 0);
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = failwell_status_str(unknown[i]);
        CHECK(s != NULL && strcmp(s, "unknown status") == 0);
    }
    /* The ranges: outcomes 1..99, caller errors 100..199, config 200..299. */
    CHECK(FAILWELL_BREAKER_OPEN < 100 && FAILWELL_PERMIT_STALE < 100);
    CHECK(FAILWELL_PERMIT_INVALID >= 100 && FAILWELL_PERMIT_SPENT < 200);
    CHECK(FAILWELL_CONFIG_NO_TRIP_POLICY >= 200 &&
          FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN < 299);
    /* The breaker's config errors are one block, in order of addition. */
    CHECK_EQ(FAILWELL_CONFIG_BACKOFF_TOO_SMALL, FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN + 1);
    CHECK_EQ(FAILWELL_CONFIG_JITTER_TOO_SMALL, FAILWELL_CONFIG_BACKOFF_TOO_SMALL + 1);
    CHECK_EQ(FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN, FAILWELL_CONFIG_JITTER_TOO_SMALL + 1);
}

/* The out-values a status can point to. A description names one only as
 * "(see NAME)": never as if it were a number ("retry after retry_after
 * ticks"), since the reader of the string does not have the value. */
static const char *const out_values[] = {"retry_after", "full_in", "next_transition"};

/* Whether every `name` in `s` stands as "(see name)". */
static int named_only_as_see(const char *s, const char *name) {
    const size_t len = strlen(name);
    const char *at = s;
    while ((at = strstr(at, name)) != NULL) {
        if (at - s < 5 || strncmp(at - 5, "(see ", 5) != 0 || at[len] != ')') {
            return 0;
        }
        at += len;
    }
    return 1;
}

/* Whether `s` has an identifier (a word with '_') followed by " tick": a
 * name used as a number of ticks. */
static int identifier_counts_ticks(const char *s) {
    const char *at = s;
    while ((at = strstr(at, " tick")) != NULL) {
        const char *word = at;
        int underscore = 0;
        while (word > s && word[-1] != ' ' && word[-1] != '(') {
            word--;
            underscore |= *word == '_';
        }
        if (underscore) {
            return 1;
        }
        at++;
    }
    return 0;
}

static void test_status_str_reads_as_words(void) {
    size_t i, j;

    for (i = 0; i < STATUS_COUNT; i++) {
        const char *s = failwell_status_str(all_statuses[i]);
        int ok = !identifier_counts_ticks(s);
        for (j = 0; j < sizeof out_values / sizeof out_values[0]; j++) {
            ok &= named_only_as_see(s, out_values[j]);
        }
        if (!ok) {
            fprintf(stderr, "status %lu: \"%s\"\n", (unsigned long)all_statuses[i], s);
        }
        CHECK(ok);
    }
    /* The checks themselves. */
    CHECK(!named_only_as_see("retry after retry_after ticks", "retry_after"));
    CHECK(identifier_counts_ticks("retry after retry_after ticks"));
    CHECK(named_only_as_see("refused (see retry_after)", "retry_after"));
    CHECK(!identifier_counts_ticks("open_duration must be at least 1 tick"));
}

int main(void) {
    test_status_str();
    test_status_str_reads_as_words();
    return checks_report();
}
