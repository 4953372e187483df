// The C++ wrapper's circuit breaker (bindings/cpp/failwell.hpp): the config
// builder, construction and its errors, permits (RAII, moves, every report),
// the life cycle, snapshots, statics, and contention under std::thread.
// C++17; run by `cargo xtask ctest` under ASan+UBSan (and TSan where it
// works), built both with exceptions and with -fno-exceptions (where a bad
// config must abort, which a forked child checks).
//
// Prints "N passed, 0 failed" and exits 0, or names each failed check
// (file:line) and exits 1.

#include "failwell.hpp"
#include "harness.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using failwell::Breaker;
using failwell::BreakerConfig;
using failwell::BreakerPermit;
using failwell::BreakerSnapshot;
using failwell::BreakerState;
using failwell::Status;
using failwell::Tier;

constexpr Tier E = Tier::Essential;
constexpr Tier I = Tier::Important;
constexpr Tier O = Tier::Optional;

// ---- compile-time properties ---------------------------------------------

static_assert(PinnedDoor<Breaker, failwell_breaker_t, BreakerConfig>::value, "a pinned door");

static_assert(!std::is_copy_constructible<BreakerPermit>::value, "permits are move-only");
static_assert(!std::is_copy_assignable<BreakerPermit>::value, "permits are move-only");
static_assert(std::is_nothrow_move_constructible<BreakerPermit>::value, "moves never throw");
static_assert(std::is_nothrow_move_assignable<BreakerPermit>::value, "moves never throw");
static_assert(std::is_nothrow_destructible<BreakerPermit>::value, "never throws");
static_assert(!std::is_default_constructible<BreakerPermit>::value, "only from try_acquire");
static_assert(!std::is_convertible<BreakerPermit, bool>::value, "operator bool is explicit");

static_assert(noexcept(std::declval<Breaker&>().try_acquire(0)), "hot path noexcept");
static_assert(noexcept(std::declval<Breaker&>().try_acquire(0, O)), "hot path noexcept");
static_assert(noexcept(std::declval<BreakerPermit&>().success(0)), "noexcept");
static_assert(noexcept(std::declval<BreakerPermit&>().failure(0)), "noexcept");
static_assert(noexcept(std::declval<BreakerPermit&>().latency(0, 0)), "noexcept");
static_assert(noexcept(std::declval<BreakerPermit&>().failure_after(0, 0)), "noexcept");
static_assert(noexcept(std::declval<BreakerPermit&>().ignore(0)), "noexcept");
static_assert(noexcept(std::declval<const Breaker&>().snapshot(0)), "noexcept");
static_assert(noexcept(std::declval<Breaker&>().force_open(0)), "noexcept");
static_assert(noexcept(std::declval<Breaker&>().disable(0)), "noexcept");
static_assert(noexcept(std::declval<Breaker&>().reset(0)), "noexcept");
static_assert(noexcept(Breaker::validate(BreakerConfig(1))), "noexcept");

static_assert(static_cast<failwell_breaker_state_t>(BreakerState::Closed) ==
                      FAILWELL_BREAKER_STATE_CLOSED &&
                  static_cast<failwell_breaker_state_t>(BreakerState::Open) ==
                      FAILWELL_BREAKER_STATE_OPEN &&
                  static_cast<failwell_breaker_state_t>(BreakerState::HalfOpen) ==
                      FAILWELL_BREAKER_STATE_HALF_OPEN &&
                  static_cast<failwell_breaker_state_t>(BreakerState::ForcedOpen) ==
                      FAILWELL_BREAKER_STATE_FORCED_OPEN &&
                  static_cast<failwell_breaker_state_t>(BreakerState::Disabled) ==
                      FAILWELL_BREAKER_STATE_DISABLED,
              "BreakerState values are the C values");

// A config built at compile time.
constexpr BreakerConfig kConfig = BreakerConfig(100)
                                      .trip_on_consecutive_failures(3)
                                      .trip_on_failure_rate(500, 4)
                                      .trip_on_slow_calls(50, 600)
                                      .bucket_width(10)
                                      .backoff(2000, 350, 1000)
                                      .jitter(0, 9)
                                      .half_open(2, 3, 1, 50)
                                      .ramp({100, 500}, 1000)
                                      .tier(Tier::Optional, true, 1);
static_assert(kConfig.to_c().consecutive_failures == 3, "constexpr config");
static_assert(kConfig.to_c().ramp_steps == 2 && kConfig.to_c().ramp[1] == 500, "ramp");
static_assert(kConfig.to_c().may_probe[FAILWELL_TIER_OPTIONAL] == 1, "tier");
static_assert(BreakerConfig(1).ramp({1, 2, 3, 4, 5}, 1).to_c().ramp_steps == UINT8_MAX,
              "too many steps are refused at construction");

// ---- helpers ----------------------------------------------------------------

// The smallest config a breaker accepts: 3 failures in a row trip it.
constexpr BreakerConfig base(std::uint64_t open_duration) {
  return BreakerConfig(open_duration).trip_on_consecutive_failures(3).bucket_width(10);
}

void call(Breaker& b, std::uint64_t now, bool fail) {
  BreakerPermit p = b.try_acquire(now);
  CHECK(p.admitted());
  CHECK_EQ(fail ? p.failure(now) : p.success(now), FAILWELL_OK);
}

void trip(Breaker& b, std::uint64_t now) {
  for (int i = 0; i < 1000 && b.snapshot(now).state == BreakerState::Closed; ++i) {
    call(b, now, true);
  }
  CHECK(b.snapshot(now).state == BreakerState::Open);
}

bool same_config(const failwell_breaker_config_t& a, const failwell_breaker_config_t& b) {
  return a.open_duration == b.open_duration && a.max_open_duration == b.max_open_duration &&
         a.reset_backoff_after == b.reset_backoff_after &&
         a.slow_call_threshold == b.slow_call_threshold && a.bucket_width == b.bucket_width &&
         a.probe_timeout == b.probe_timeout && a.ramp_stage_duration == b.ramp_stage_duration &&
         a.minimum_calls == b.minimum_calls && a.backoff_factor == b.backoff_factor &&
         a.jitter_seed == b.jitter_seed && a.consecutive_failures == b.consecutive_failures &&
         a.failure_rate == b.failure_rate && a.slow_call_rate == b.slow_call_rate &&
         a.jitter == b.jitter && std::memcmp(a.ramp, b.ramp, sizeof a.ramp) == 0 &&
         a.probes == b.probes && a.probe_successes == b.probe_successes &&
         a.probe_failures == b.probe_failures && a.ramp_steps == b.ramp_steps &&
         std::memcmp(a.may_probe, b.may_probe, sizeof a.may_probe) == 0 &&
         std::memcmp(a.ramp_delay, b.ramp_delay, sizeof a.ramp_delay) == 0;
}

// ---- statics and members --------------------------------------------------

// A global, initialised before main.
Breaker global_breaker{base(100)};

Breaker& function_local_breaker() {
  static Breaker breaker{BreakerConfig(10).trip_on_consecutive_failures(1).bucket_width(1)};
  return breaker;
}

// ---- tests ------------------------------------------------------------------

void test_config() {
  // The C++ default is the C default.
  failwell_breaker_config_t c;
  std::memset(&c, 0xEE, sizeof c);
  CHECK_EQ(failwell_breaker_config_default(&c, 777), FAILWELL_OK);
  CHECK(same_config(BreakerConfig(777).to_c(), c));

  // Every builder method sets its fields, and only those.
  const failwell_breaker_config_t& k = kConfig.to_c();
  CHECK_EQ(k.open_duration, 100);
  CHECK_EQ(k.consecutive_failures, 3);
  CHECK_EQ(k.failure_rate, 500);
  CHECK_EQ(k.minimum_calls, 4);
  CHECK_EQ(k.slow_call_threshold, 50);
  CHECK_EQ(k.slow_call_rate, 600);
  CHECK_EQ(k.bucket_width, 10);
  CHECK_EQ(k.backoff_factor, 2000);
  CHECK_EQ(k.max_open_duration, 350);
  CHECK_EQ(k.reset_backoff_after, 1000);
  CHECK_EQ(k.jitter, 0);
  CHECK_EQ(k.jitter_seed, 9);
  CHECK_EQ(k.probes, 2);
  CHECK_EQ(k.probe_successes, 3);
  CHECK_EQ(k.probe_failures, 1);
  CHECK_EQ(k.probe_timeout, 50);
  CHECK_EQ(k.ramp_steps, 2);
  CHECK_EQ(k.ramp[0], 100);
  CHECK_EQ(k.ramp[1], 500);
  CHECK_EQ(k.ramp[2], 0);
  CHECK_EQ(k.ramp_stage_duration, 1000);
  CHECK_EQ(k.may_probe[FAILWELL_TIER_ESSENTIAL], 1);
  CHECK_EQ(k.may_probe[FAILWELL_TIER_OPTIONAL], 1);
  CHECK_EQ(k.ramp_delay[FAILWELL_TIER_IMPORTANT], 1);
  CHECK_EQ(k.ramp_delay[FAILWELL_TIER_OPTIONAL], 1);
  CHECK_EQ(BreakerConfig(1).tier(static_cast<Tier>(7), false, 9).to_c().ramp_delay[2], 2);
  const BreakerConfig shorter = kConfig.ramp({300}, 5);
  CHECK_EQ(shorter.to_c().ramp_steps, 1);
  CHECK_EQ(shorter.to_c().ramp[1], 0);

  // A C config converts implicitly, and back.
  c.bucket_width = 10;
  c.failure_rate = 200;
  const BreakerConfig from_c = c;
  CHECK(same_config(from_c.to_c(), c));
  CHECK_EQ(Breaker::validate(c), FAILWELL_OK);
  Breaker from_c_breaker(c);
  CHECK(from_c_breaker.snapshot(0).state == BreakerState::Closed);
}

struct BadConfig {
  BreakerConfig config;
  failwell_status_t expected;
};

failwell_breaker_config_t with_bad_may_probe() {
  failwell_breaker_config_t c = base(100).to_c();
  c.may_probe[FAILWELL_TIER_IMPORTANT] = 2;
  return c;
}

const BadConfig bad_configs[] = {
    {BreakerConfig(100), FAILWELL_CONFIG_NO_TRIP_POLICY},
    {BreakerConfig(100).trip_on_failure_rate(500, 101), FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW},
    {base(0), FAILWELL_CONFIG_ZERO_OPEN_DURATION},
    {base(100).trip_on_failure_rate(1001, 1), FAILWELL_CONFIG_RATE_ABOVE_1000},
    {base(100).trip_on_failure_rate(500, 0), FAILWELL_CONFIG_ZERO_MINIMUM_CALLS},
    {base(100).bucket_width(UINT64_MAX), FAILWELL_CONFIG_DURATION_OVERFLOW},
    {base(100).backoff(999, 100, 0), FAILWELL_CONFIG_BACKOFF_BELOW_ONE},
    {base(100).backoff(2000, 99, 0), FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION},
    {base(100).jitter(1001, 0), FAILWELL_CONFIG_JITTER_ABOVE_1000},
    {base(100).backoff(1009, 1000, 0), FAILWELL_CONFIG_BACKOFF_TOO_SMALL},
    {base(100).jitter(9, 0), FAILWELL_CONFIG_JITTER_TOO_SMALL},
    {base(100).half_open(17, 1, 1, 1), FAILWELL_CONFIG_PROBES_OUT_OF_RANGE},
    {base(100).half_open(1, 0, 1, 1), FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD},
    {base(100).half_open(1, 1, 1, 0), FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT},
    {base(100).ramp({500, 500}, 10), FAILWELL_CONFIG_RAMP_NOT_RISING},
    {base(100).ramp({1, 2, 3, 4, 5}, 10), FAILWELL_CONFIG_RAMP_TOO_LONG},
    {base(100).ramp({100}, 0), FAILWELL_CONFIG_ZERO_RAMP_STAGE},
    {base(100).tier(E, false, 0).tier(I, false, 0), FAILWELL_CONFIG_NO_TIER_MAY_PROBE},
    {with_bad_may_probe(), FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN},
};

// Every builder takes its arguments in the order of the Rust crate's
// breaker::Config builder of the same name. Each is called here with
// values in that order (the README's, where it has them), which a swap
// would store in other fields; and most swapped calls are refused.
void test_builder_argument_order() {
  const BreakerConfig open5s = BreakerConfig(5000).trip_on_consecutive_failures(5);

  // trip_on_failure_rate(permille, minimum_calls).
  const failwell_breaker_config_t rate = open5s.trip_on_failure_rate(500, 20).to_c();
  CHECK(rate.failure_rate == 500 && rate.minimum_calls == 20);
  // trip_on_slow_calls(threshold, permille).
  const failwell_breaker_config_t slow = open5s.trip_on_slow_calls(2000, 500).to_c();
  CHECK(slow.slow_call_threshold == 2000 && slow.slow_call_rate == 500);
  // backoff(factor, max, reset_after).
  const failwell_breaker_config_t backoff = open5s.backoff(2000, 60000, 120000).to_c();
  CHECK(backoff.backoff_factor == 2000 && backoff.max_open_duration == 60000 &&
        backoff.reset_backoff_after == 120000);
  // jitter(permille, seed).
  const failwell_breaker_config_t jitter = open5s.jitter(100, 7000).to_c();
  CHECK(jitter.jitter == 100 && jitter.jitter_seed == 7000);
  // half_open(probes, successes, failures, timeout).
  const failwell_breaker_config_t half_open = open5s.half_open(2, 3, 1, 10000).to_c();
  CHECK(half_open.probes == 2 && half_open.probe_successes == 3 &&
        half_open.probe_failures == 1 && half_open.probe_timeout == 10000);
  // ramp(steps, stage_duration) (a swap does not compile).
  const failwell_breaker_config_t ramp = open5s.ramp({100, 250, 500}, 2000).to_c();
  CHECK(ramp.ramp_steps == 3 && ramp.ramp[0] == 100 && ramp.ramp[2] == 500 &&
        ramp.ramp_stage_duration == 2000);
  // tier(tier, may_probe, ramp_delay), as Rust's tier(tier,
  // TierPolicy::new(may_probe, ramp_delay)).
  const failwell_breaker_config_t tier = open5s.tier(O, true, 3).to_c();
  CHECK(tier.may_probe[FAILWELL_TIER_OPTIONAL] == 1 &&
        tier.ramp_delay[FAILWELL_TIER_OPTIONAL] == 3);
  for (const failwell_breaker_config_t& c : {rate, slow, backoff, jitter, half_open, ramp, tier}) {
    CHECK_EQ(Breaker::validate(c), FAILWELL_OK);
  }

  // The same values swapped: refused (the half-open counts swapped are
  // valid, so their fields above tell).
  const BadConfig swapped[] = {
      {open5s.trip_on_failure_rate(20, 500), FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW},
      {open5s.trip_on_slow_calls(500, 2000), FAILWELL_CONFIG_RATE_ABOVE_1000},
      {open5s.backoff(60000, 2000, 120000), FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION},
      {open5s.jitter(7000, 100), FAILWELL_CONFIG_JITTER_ABOVE_1000},
  };
  for (const BadConfig& bad : swapped) {
    CHECK_EQ(Breaker::validate(bad.config), bad.expected);
  }

  // The README's Rust breaker, built the same way, behaves as it says: 2
  // probes at once, and 3 successful ones close it.
  Breaker b(open5s.trip_on_failure_rate(500, 20).half_open(2, 3, 1, 10000));
  trip(b, 0);
  std::uint64_t now = 5000;
  BreakerPermit first = b.try_acquire(now);
  BreakerPermit second = b.try_acquire(now);
  CHECK(first.is_probe() && second.is_probe());
  CHECK_EQ(b.try_acquire(now).status(), FAILWELL_PROBES_BUSY);
  CHECK_EQ(first.success(now), FAILWELL_OK);
  CHECK_EQ(second.success(now), FAILWELL_OK);
  CHECK(b.snapshot(now).state == BreakerState::HalfOpen);
  BreakerPermit third = b.try_acquire(++now);
  CHECK_EQ(third.success(now), FAILWELL_OK);
  CHECK(b.snapshot(now).state == BreakerState::Closed);
}

void test_construction_errors() {
  for (const BadConfig& bad : bad_configs) {
    check_config_refused<Breaker>(bad.config, bad.expected, HERE);
  }
  CHECK_EQ(Breaker::validate(kConfig), FAILWELL_OK);
  CHECK_EQ(Breaker::validate(base(1)), FAILWELL_OK);
}

void test_permits() {
  Breaker b(base(100));

  // Admitted: a pending permit; reporting it once counts.
  BreakerPermit p = b.try_acquire(42, O);
  CHECK(p.admitted());
  CHECK(static_cast<bool>(p));
  CHECK(p.pending());
  CHECK(!p.is_probe());
  CHECK_EQ(p.status(), FAILWELL_OK);
  CHECK_EQ(p.retry_after(), 0);
  CHECK_EQ(p.acquired_at(), 42);
  CHECK_EQ(p.success(43), FAILWELL_OK);
  CHECK(!p.pending());
  CHECK(p.admitted());  // still says it was admitted
  CHECK_EQ(p.success(43), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(p.failure(43), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(p.latency(43, 1), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(p.failure_after(43, 1), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(p.ignore(43), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(b.snapshot(43).count_window.calls, 1);

  // Every report kind.
  CHECK_EQ(b.try_acquire(44).failure(44), FAILWELL_OK);
  CHECK_EQ(b.try_acquire(44).latency(45, 1), FAILWELL_OK);
  CHECK_EQ(b.try_acquire(44).failure_after(45, 1), FAILWELL_OK);
  CHECK_EQ(b.try_acquire(44).latency(45, 1), FAILWELL_OK);
  CHECK_EQ(b.try_acquire(44).ignore(45), FAILWELL_OK);
  BreakerSnapshot s = b.snapshot(45);
  CHECK_EQ(s.count_window.calls, 5);
  CHECK_EQ(s.count_window.failures, 2);
  CHECK_EQ(s.consecutive_failures, 0);

  // Dropped unreported: ignored, counts nowhere.
  { BreakerPermit dropped = b.try_acquire(46); }
  CHECK_EQ(b.snapshot(46).count_window.calls, 5);

  // Moves: the moved-from permit reports nothing.
  BreakerPermit first = b.try_acquire(47);
  BreakerPermit second = std::move(first);
  CHECK(!first.pending());  // NOLINT(bugprone-use-after-move)
  CHECK(second.pending());
  CHECK_EQ(first.failure(47), FAILWELL_NULL_POINTER);  // NOLINT
  CHECK_EQ(second.failure(47), FAILWELL_OK);
  CHECK_EQ(b.snapshot(47).consecutive_failures, 1);

  // Invalid tier: refused, retry_after UINT64_MAX, reports refused.
  BreakerPermit bad = b.try_acquire(48, static_cast<Tier>(3));
  CHECK(!bad);
  CHECK_EQ(bad.status(), FAILWELL_INVALID_TIER);
  CHECK_EQ(bad.retry_after(), UINT64_MAX);
  CHECK(!bad.pending());
  CHECK_EQ(bad.success(48), FAILWELL_PERMIT_INVALID);

  // Stale: a permit that outlived a trip.
  BreakerPermit old = b.try_acquire(49);
  trip(b, 50);
  CHECK_EQ(old.success(51), FAILWELL_PERMIT_STALE);
  CHECK_EQ(old.success(51), FAILWELL_PERMIT_SPENT);

  // Refused while open: not pending, reports invalid, nothing to release.
  BreakerPermit refused = b.try_acquire(60);
  CHECK(!refused.admitted());
  CHECK_EQ(refused.status(), FAILWELL_BREAKER_OPEN);
  CHECK_EQ(refused.retry_after(), 90);
  CHECK_EQ(refused.failure(60), FAILWELL_PERMIT_INVALID);

  // A failure that took longer than the threshold is slow too: 2 of 4 slow
  // trip a breaker that judges only the slow-call rate.
  Breaker slow(BreakerConfig(100).trip_on_failure_rate(0, 4).trip_on_slow_calls(50, 500));
  CHECK_EQ(slow.try_acquire(0).failure(50), FAILWELL_OK);
  CHECK_EQ(slow.try_acquire(0).failure_after(900, 50), FAILWELL_OK);
  CHECK_EQ(slow.try_acquire(100).failure(151), FAILWELL_OK);
  CHECK_EQ(slow.snapshot(151).count_window.slow, 1);
  CHECK(slow.snapshot(151).state == BreakerState::Closed);
  CHECK_EQ(slow.try_acquire(200).failure_after(200, 51), FAILWELL_OK);
  CHECK_EQ(slow.snapshot(200).count_window.failures, 4);
  CHECK_EQ(slow.snapshot(200).count_window.slow, 2);
  CHECK(slow.snapshot(200).state == BreakerState::Open);
}

void test_probe_raii() {
  Breaker b(base(100).half_open(1, 2, 1, 50));
  trip(b, 0);
  {
    BreakerPermit probe = b.try_acquire(100);
    CHECK(probe.is_probe());
    CHECK(b.snapshot(100).state == BreakerState::HalfOpen);
    CHECK_EQ(b.snapshot(100).probes_in_flight, 1);
    BreakerPermit busy = b.try_acquire(110);
    CHECK_EQ(busy.status(), FAILWELL_PROBES_BUSY);
    CHECK_EQ(busy.retry_after(), 40);
    BreakerPermit optional = b.try_acquire(110, O);
    CHECK_EQ(optional.status(), FAILWELL_NOT_PROBING);
    CHECK_EQ(optional.retry_after(), 0);
    // An early exit: the destructor gives the slot back.
  }
  BreakerSnapshot s = b.snapshot(110);
  CHECK(s.state == BreakerState::HalfOpen);
  CHECK_EQ(s.probes_in_flight, 0);
  CHECK_EQ(s.probe_successes, 0);
  CHECK_EQ(s.probe_failures, 0);

  // Move assignment releases the permit it replaces.
  BreakerPermit held = b.try_acquire(120);
  CHECK(held.is_probe());
  held = b.try_acquire(120);  // refused: the slot is still held ...
  CHECK_EQ(held.status(), FAILWELL_PROBES_BUSY);
  CHECK_EQ(b.snapshot(120).probes_in_flight, 0);  // ... and was released by the assignment
  held = b.try_acquire(121);
  CHECK(held.is_probe());
  CHECK_EQ(held.success(122), FAILWELL_OK);
  BreakerPermit next = b.try_acquire(123);
  CHECK_EQ(next.success(124), FAILWELL_OK);
  CHECK(b.snapshot(124).state == BreakerState::Closed);

  // Handing a permit over to C.
  BreakerPermit handed = b.try_acquire(200);
  failwell_permit_t raw = handed.into_native();
  CHECK(!handed.pending());
  CHECK_EQ(raw.acquired_at, 200);
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &raw, 201), FAILWELL_OK);
  CHECK_EQ(b.snapshot(201).consecutive_failures, 1);
}

void test_spent_and_moved_from() {
  // Two failures in a row open it: one failed call must count once.
  Breaker b(BreakerConfig(100).trip_on_consecutive_failures(2).bucket_width(10));

  // Handed over to C: C reports it, the C++ permit reports nothing more.
  BreakerPermit handed = b.try_acquire(1);
  failwell_permit_t raw = handed.into_native();
  CHECK_EQ(handed.failure(2), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(handed.success(2), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(handed.latency(2, 1), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(handed.ignore(2), FAILWELL_PERMIT_SPENT);
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &raw, 2), FAILWELL_OK);
  CHECK(b.snapshot(2).state == BreakerState::Closed);
  CHECK_EQ(b.snapshot(2).consecutive_failures, 1);
  CHECK(handed.admitted());  // the call was admitted ...
  CHECK(!handed.pending());  // ... and is C's to report
  CHECK_EQ(handed.status(), FAILWELL_OK);
  CHECK_EQ(handed.retry_after(), 0);
  CHECK_EQ(handed.acquired_at(), 1);
  // What it still holds, or hands over again, is no longer a live permit.
  failwell_permit_t copy = handed.native_handle();
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &copy, 3), FAILWELL_PERMIT_INVALID);
  failwell_permit_t again = handed.into_native();
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &again, 3), FAILWELL_PERMIT_INVALID);
  CHECK_EQ(handed.failure(3), FAILWELL_PERMIT_SPENT);
  CHECK(b.snapshot(3).state == BreakerState::Closed);
  CHECK_EQ(b.snapshot(3).consecutive_failures, 1);

  // Reported from C++: every further report is spent, and what into_native()
  // hands over then is the spent permit.
  b.reset(4);
  BreakerPermit reported = b.try_acquire(4);
  CHECK_EQ(reported.failure(5), FAILWELL_OK);
  CHECK_EQ(reported.failure(5), FAILWELL_PERMIT_SPENT);
  failwell_permit_t late = reported.into_native();
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &late, 5), FAILWELL_PERMIT_SPENT);
  CHECK(reported.admitted());
  CHECK(b.snapshot(5).state == BreakerState::Closed);
  CHECK_EQ(b.snapshot(5).consecutive_failures, 1);

  // Moved from (constructed and assigned): not admitted, reports nothing,
  // hands over nothing.
  b.reset(6);
  BreakerPermit first = b.try_acquire(6);
  BreakerPermit second = std::move(first);
  BreakerPermit third = b.try_acquire(99, static_cast<Tier>(3));  // refused, to assign over
  third = std::move(second);
  for (BreakerPermit* gone : {&first, &second}) {
    CHECK(!gone->admitted());
    CHECK(!static_cast<bool>(*gone));
    CHECK(!gone->pending());
    CHECK(!gone->is_probe());
    CHECK_EQ(gone->status(), FAILWELL_NULL_POINTER);
    CHECK_EQ(gone->retry_after(), UINT64_MAX);
    CHECK_EQ(gone->acquired_at(), 0);
    CHECK_EQ(gone->failure(7), FAILWELL_NULL_POINTER);
    CHECK_EQ(gone->success(7), FAILWELL_NULL_POINTER);
    CHECK_EQ(gone->latency(7, 1), FAILWELL_NULL_POINTER);
    CHECK_EQ(gone->ignore(7), FAILWELL_NULL_POINTER);
    failwell_permit_t none = gone->into_native();
    CHECK_EQ(failwell_breaker_failure(b.native_handle(), &none, 7), FAILWELL_PERMIT_INVALID);
  }
  CHECK_EQ(b.snapshot(7).consecutive_failures, 0);
  CHECK(third.pending());
  CHECK_EQ(third.acquired_at(), 6);
  CHECK_EQ(third.failure(7), FAILWELL_OK);
  CHECK_EQ(b.snapshot(7).consecutive_failures, 1);
  CHECK(b.snapshot(7).state == BreakerState::Closed);

  // A refused permit reports nothing and hands over nothing live.
  BreakerPermit refused = b.try_acquire(8, static_cast<Tier>(3));
  CHECK_EQ(refused.failure(8), FAILWELL_PERMIT_INVALID);
  failwell_permit_t nothing = refused.into_native();
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &nothing, 8), FAILWELL_PERMIT_INVALID);
  CHECK_EQ(b.snapshot(8).consecutive_failures, 1);
}

void test_life_cycle() {
  Breaker b(kConfig.jitter(0, 0));
  BreakerSnapshot s = b.snapshot(0);
  CHECK(s.state == BreakerState::Closed);
  CHECK(!s.next_transition.has_value());
  CHECK_EQ(s.generation, 0);

  // Trip by failure rate: 2 failures of 4 calls.
  call(b, 0, true);
  call(b, 0, false);
  call(b, 0, true);
  CHECK(b.snapshot(0).state == BreakerState::Closed);
  call(b, 0, false);
  s = b.snapshot(0);
  CHECK(s.state == BreakerState::Open);
  CHECK(s.next_transition.has_value());
  CHECK_EQ(s.next_transition.value_or(0), 100);
  CHECK_EQ(s.trips, 1);
  CHECK_EQ(s.count_window.calls, 4);
  CHECK_EQ(s.time_window.failures, 2);

  // Half-open: two probes at once, three successes close (to a ramp).
  BreakerPermit p1 = b.try_acquire(100);
  BreakerPermit p2 = b.try_acquire(100, O);  // Optional may probe here
  CHECK(p1.is_probe() && p2.is_probe());
  CHECK_EQ(b.try_acquire(101, I).status(), FAILWELL_PROBES_BUSY);
  CHECK_EQ(p1.success(102), FAILWELL_OK);
  CHECK_EQ(p2.success(103), FAILWELL_OK);
  CHECK_EQ(b.try_acquire(104).success(104), FAILWELL_OK);
  s = b.snapshot(104);
  CHECK(s.state == BreakerState::Closed);
  CHECK_EQ(s.ramp_stage, 1);
  CHECK_EQ(s.next_transition.value_or(0), 1104);

  // Stage 1: Essential 10 %, Important (one stage late) none.
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) {
    BreakerPermit p = b.try_acquire(200);
    if (p) {
      ++admitted;
      CHECK_EQ(p.success(200), FAILWELL_OK);
    } else {
      CHECK_EQ(p.status(), FAILWELL_RAMP_SHED);
    }
  }
  CHECK_EQ(admitted, 100);
  CHECK_EQ(b.try_acquire(200, I).status(), FAILWELL_RAMP_SHED);

  // A failure during the ramp (probe_failures = 1) rolls it back.
  BreakerPermit p = b.try_acquire(300);
  while (!p) {
    p = b.try_acquire(300);
  }
  CHECK_EQ(p.failure(301), FAILWELL_OK);
  s = b.snapshot(301);
  CHECK(s.state == BreakerState::Open);
  CHECK_EQ(s.trips, 2);
  CHECK_EQ(s.next_transition.value_or(0), 501);  // 200 ticks: backed off

  // Operator actions.
  b.force_open(400);
  BreakerPermit forced = b.try_acquire(UINT64_MAX);
  CHECK_EQ(forced.status(), FAILWELL_FORCED_OPEN);
  CHECK_EQ(forced.retry_after(), UINT64_MAX);
  CHECK(b.snapshot(400).state == BreakerState::ForcedOpen);
  CHECK(!b.snapshot(400).next_transition);
  b.disable(401);
  for (int i = 0; i < 10; ++i) {
    call(b, 401, true);
  }
  s = b.snapshot(401);
  CHECK(s.state == BreakerState::Disabled);
  CHECK_EQ(s.time_window.failures, 10);  // the count window also holds the 301 failure
  CHECK_EQ(s.count_window.failures, 11);
  b.reset(402);
  s = b.snapshot(402);
  CHECK(s.state == BreakerState::Closed);
  CHECK_EQ(s.count_window.calls, 0);
  CHECK_EQ(s.trips, 0);
  CHECK_EQ(s.ramp_stage, 0);

  // Time at the edges: open for good on this clock after a trip at the end.
  Breaker edge(base(100).trip_on_consecutive_failures(1));
  call(edge, UINT64_MAX, true);
  CHECK_EQ(edge.snapshot(UINT64_MAX).next_transition.value_or(0), UINT64_MAX);
  BreakerPermit late = edge.try_acquire(0);
  CHECK_EQ(late.status(), FAILWELL_BREAKER_OPEN);
  CHECK_EQ(late.retry_after(), UINT64_MAX);
  edge.reset(0);
  call(edge, 0, false);

  // A snapshot shows the time window as of its `now`: an hour (of
  // milliseconds) after its one failure, an idle breaker holds no call.
  Breaker idle(base(100));
  call(idle, 0, true);
  CHECK_EQ(idle.snapshot(0).time_window.failures, 1);
  CHECK_EQ(idle.snapshot(3600000).time_window.calls, 0);
  CHECK_EQ(idle.snapshot(3600000).count_window.failures, 1);
}

void test_native_handle() {
  Breaker b(base(100));
  failwell_permit_t raw{};
  std::uint64_t retry = 7;
  CHECK_EQ(failwell_breaker_acquire(b.native_handle(), 0, FAILWELL_TIER_ESSENTIAL, &raw, &retry),
           FAILWELL_OK);
  CHECK_EQ(retry, 0);
  CHECK_EQ(failwell_breaker_failure(b.native_handle(), &raw, 1), FAILWELL_OK);
  CHECK_EQ(b.snapshot(1).consecutive_failures, 1);

  // The C object is bound to its address: a byte copy is refused.
  check_byte_copy_refused(
      b,
      [&raw](failwell_breaker_t* copy) {
        return failwell_breaker_acquire(copy, 0, FAILWELL_TIER_ESSENTIAL, &raw, nullptr);
      },
      HERE);
  const Breaker& view = b;
  failwell_breaker_snapshot_t s{};
  CHECK_EQ(failwell_breaker_snapshot(view.native_handle(), 1, &s), FAILWELL_OK);
  CHECK_EQ(s.consecutive_failures, 1);
}

void test_statics_and_members() {
  call(global_breaker, 0, true);
  CHECK_EQ(global_breaker.snapshot(0).consecutive_failures, 1);

  call(function_local_breaker(), 0, true);
  CHECK(function_local_breaker().snapshot(0).state == BreakerState::Open);

  Member<Breaker> client(base(100));
  while (client.door.snapshot(0).state == BreakerState::Closed) {
    BreakerPermit p = client.door.try_acquire(0);
    ++client.calls;
    CHECK_EQ(p.failure(0), FAILWELL_OK);
  }
  CHECK_EQ(client.calls, 3);
}

// ---- contention -------------------------------------------------------------

constexpr unsigned kThreads = 8;
constexpr unsigned long kIterations = 3000;
constexpr std::uint64_t kFailFrom = 5000;
constexpr std::uint64_t kFailUntil = 11000;
constexpr std::uint32_t kProbes = 3;

struct Tally {
  unsigned long admitted = 0;
  unsigned long refused = 0;
  unsigned long probes = 0;
  unsigned long unexpected = 0;
  std::uint32_t max_in_flight = 0;
};

void test_contention() {
  Breaker b(BreakerConfig(200)
                .trip_on_consecutive_failures(20)
                .trip_on_failure_rate(500, 20)
                .bucket_width(100)
                .backoff(2000, 1600, 2000)
                .half_open(kProbes, 5, 2, 1000)
                .ramp({250, 500}, 300));
  std::atomic<std::uint64_t> clock{0};
  std::vector<Tally> tallies(kThreads);
  run_together(kThreads, [&](std::size_t t) {
    Tally& tally = tallies[t];
    const Tier tier = static_cast<Tier>(t % 3);
    for (unsigned long i = 0; i < kIterations; ++i) {
      const std::uint64_t now = clock.fetch_add(1);
      BreakerPermit p = b.try_acquire(now, tier);
      if (p) {
        ++tally.admitted;
        if (p.is_probe()) {
          ++tally.probes;
          std::this_thread::yield();  // in flight while others run
        }
        const std::uint64_t done = clock.load();
        Status reported = FAILWELL_OK;
        if (i % 17 == 0) {
          continue;  // dropped: the destructor reports it ignored
        } else if (done >= kFailFrom && done < kFailUntil) {
          reported = p.failure(done);
        } else {
          reported = p.success(done);
        }
        if (reported != FAILWELL_OK && reported != FAILWELL_PERMIT_STALE) {
          ++tally.unexpected;
        }
      } else {
        ++tally.refused;
        const Status st = p.status();
        if (st != FAILWELL_BREAKER_OPEN && st != FAILWELL_PROBES_BUSY &&
            st != FAILWELL_NOT_PROBING && st != FAILWELL_RAMP_SHED) {
          ++tally.unexpected;
        }
      }
      if (i % 64 == 0) {
        std::this_thread::yield();
      }
      const BreakerSnapshot s = b.snapshot(now);
      if (s.probes_in_flight > tally.max_in_flight) {
        tally.max_in_flight = s.probes_in_flight;
      }
      if (s.state == BreakerState::ForcedOpen || s.state == BreakerState::Disabled) {
        ++tally.unexpected;
      }
    }
  });
  Tally total;
  for (const Tally& t : tallies) {
    total.admitted += t.admitted;
    total.refused += t.refused;
    total.probes += t.probes;
    total.unexpected += t.unexpected;
    total.max_in_flight = std::max(total.max_in_flight, t.max_in_flight);
  }
  std::printf("contention: %lu admitted (%lu probes), %lu refused, at most %u probes in flight\n",
              total.admitted, total.probes, total.refused, total.max_in_flight);
  CHECK_EQ(total.admitted + total.refused, kThreads * kIterations);
  CHECK_EQ(total.unexpected, 0);
  CHECK(total.max_in_flight <= kProbes);
  CHECK(total.refused > 0);
  CHECK(total.probes > 0);
  CHECK(b.snapshot(clock.load()).trips >= 1);

  // Healed: healthy calls from here close the breaker and end the ramp.
  std::uint64_t now = clock.load();
  const std::uint64_t limit = now + 10000;
  for (; now < limit; ++now) {
    const BreakerSnapshot s = b.snapshot(now);
    if (s.state == BreakerState::Closed && s.ramp_stage == 0) {
      break;
    }
    BreakerPermit p = b.try_acquire(now);
    if (p) {
      CHECK_EQ(p.success(now), FAILWELL_OK);
    }
  }
  CHECK(now < limit);
  const BreakerSnapshot s = b.snapshot(now);
  CHECK(s.state == BreakerState::Closed);
  CHECK_EQ(s.ramp_stage, 0);
  CHECK_EQ(s.probes_in_flight, 0);
}

}  // namespace

int main() {
  test_construction_errors();  // first: forks, when built without exceptions
  test_config();
  test_builder_argument_order();
  test_permits();
  test_probe_raii();
  test_spent_and_moved_from();
  test_life_cycle();
  test_native_handle();
  test_statics_and_members();
  test_contention();

  return checks_report();
}
