// The C++ wrapper bindings/cpp/failwell.hpp: construction and its errors,
// decisions, snapshots, capacities, and contention under std::thread.
// C++17; run by `cargo xtask ctest` under ASan+UBSan (and TSan where it
// works), built both with exceptions and with -fno-exceptions (where a bad
// config must abort, which a forked child checks).
//
// Prints "N passed, 0 failed" and exits 0, or names each failed check
// (file:line) and exits 1.

#include "failwell.hpp"
#include "harness.hpp"

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace {

using failwell::Decision;
using failwell::RateLimiter;
using failwell::Snapshot;
using failwell::Tier;
using Config = failwell::RateLimiter::Config;

// ---- compile-time properties ---------------------------------------------

static_assert(PinnedDoor<RateLimiter, failwell_limiter_t, Config>::value, "a pinned door");
static_assert(std::is_same<std::underlying_type<Tier>::type, failwell_tier_t>::value,
              "Tier is a failwell_tier_t");
static_assert(static_cast<failwell_tier_t>(Tier::Essential) == FAILWELL_TIER_ESSENTIAL &&
                  static_cast<failwell_tier_t>(Tier::Important) == FAILWELL_TIER_IMPORTANT &&
                  static_cast<failwell_tier_t>(Tier::Optional) == FAILWELL_TIER_OPTIONAL,
              "Tier values are the C values");
static_assert(std::is_base_of<std::runtime_error, failwell::Error>::value,
              "Error is a runtime_error");
static_assert(noexcept(std::declval<RateLimiter&>().try_acquire(0)), "hot path noexcept");
static_assert(noexcept(std::declval<const RateLimiter&>().snapshot(0)), "noexcept");
static_assert(noexcept(std::declval<const RateLimiter&>().capacity(Tier::Optional)),
              "noexcept");
static_assert(noexcept(RateLimiter::validate(Config{1, 1, 1})), "noexcept");
static_assert(noexcept(std::declval<RateLimiter&>().reset(0)), "noexcept");
static_assert(!std::is_convertible<Decision, bool>::value, "operator bool is explicit");
static_assert(Config{1, 3, 2}.with_reserve(4, 5).reserve_important == 5, "constexpr config");

// ---- statics and members --------------------------------------------------

// A global, initialised before main, used from several tests.
RateLimiter global_limiter{{1, 10, 5}};

RateLimiter& function_local_limiter() {
  static RateLimiter limiter{Config{1, 10, 2}};
  return limiter;
}

// ---- helpers ----------------------------------------------------------------

// Field by field: the C struct has padding, which a byte comparison would read.
bool same_config(const failwell_limiter_config_t& a, const failwell_limiter_config_t& b) {
  return a.rate == b.rate && a.period == b.period && a.burst == b.burst &&
         a.reserve_essential == b.reserve_essential &&
         a.reserve_important == b.reserve_important;
}

// Whether `config` holds these values, each in the field of its name.
bool holds(const Config& config, std::uint32_t rate, std::uint64_t period, std::uint32_t burst,
           std::uint32_t reserve_essential, std::uint32_t reserve_important) {
  return config.rate == rate && config.period == period && config.burst == burst &&
         config.reserve_essential == reserve_essential &&
         config.reserve_important == reserve_important;
}

// ---- tests ------------------------------------------------------------------

struct BadConfig {
  Config config;
  failwell_status_t expected;
};

const BadConfig bad_configs[] = {
    {{0, 10, 10}, FAILWELL_CONFIG_ZERO_RATE},
    {{1, 0, 10}, FAILWELL_CONFIG_ZERO_PERIOD},
    {{1, 10, 0}, FAILWELL_CONFIG_ZERO_BURST},
    {{11, 10, 10}, FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK},
    {{1, UINT64_MAX, 2}, FAILWELL_CONFIG_BURST_TOO_LONG},
    {{1, 10, 10, 10, 0}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
    {{1, 10, 10, 4, 6}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
    {{1, 10, 10, UINT32_MAX, 1}, FAILWELL_CONFIG_RESERVE_TOO_LARGE},
};

void test_construction_errors() {
  for (const BadConfig& bad : bad_configs) {
    check_config_refused<RateLimiter>(bad.config, bad.expected, HERE);
  }
  CHECK_EQ(RateLimiter::validate(Config{1, 10, 10, 4, 5}), FAILWELL_OK);
  CHECK_EQ(RateLimiter::validate(Config{1, UINT64_MAX, 1}), FAILWELL_OK);

  // Error itself.
  const failwell::Error error(FAILWELL_CONFIG_ZERO_BURST);
  CHECK_EQ(error.status(), FAILWELL_CONFIG_ZERO_BURST);
  CHECK(std::strcmp(error.what(), failwell_status_str(FAILWELL_CONFIG_ZERO_BURST)) == 0);
  CHECK(std::strcmp(failwell::status_str(static_cast<failwell::Status>(12345)),
                    "unknown status") == 0);
}

void test_config() {
  failwell_limiter_config_t c{};
  c.rate = 3;
  c.burst = 7;
  c.period = 11;
  c.reserve_essential = 2;
  c.reserve_important = 1;
  const Config from_c = c;  // implicit
  CHECK(holds(from_c, 3, 11, 7, 2, 1));
  CHECK(same_config(from_c.to_c(), c));

  const Config plain{1, 20, 10};
  CHECK_EQ(plain.reserve_essential, 0);
  CHECK_EQ(plain.reserve_important, 0);
  const Config reserved = plain.with_reserve(3, 4);
  CHECK(holds(reserved, 1, 20, 10, 3, 4));

  // A limiter straight from the C struct.
  RateLimiter from_c_limiter(c);
  CHECK_EQ(from_c_limiter.capacity(Tier::Essential), 7);
  CHECK_EQ(from_c_limiter.capacity(Tier::Important), 5);
  CHECK_EQ(from_c_limiter.capacity(Tier::Optional), 4);
}

// The argument order is the Rust crate's, LimiterConfig::new(rate, period,
// burst), and the C struct's field order: the README's values (100 units
// per 1000 ticks, bursts of 20, 5 + 5 units reserved) mean the same here.
// In another order they would be refused (a rate of 100 per 20-tick period
// is above one per tick) or make another limiter.
void test_argument_order() {
  const Config readme = Config{100, 1000, 20}.with_reserve(5, 5);
  CHECK(holds(readme, 100, 1000, 20, 5, 5));
  CHECK_EQ(RateLimiter::validate(readme), FAILWELL_OK);
  if (RateLimiter::validate(readme) == FAILWELL_OK) {
    RateLimiter limiter(readme);
    CHECK_EQ(limiter.capacity(Tier::Essential), 20);
    CHECK_EQ(limiter.capacity(Tier::Optional), 10);
    for (int i = 0; i < 20; ++i) {
      CHECK(limiter.try_acquire(0));
    }
    // A unit is worth 1000 / 100 = 10 ticks.
    const Decision refused = limiter.try_acquire(0);
    CHECK_EQ(refused.status(), FAILWELL_RATE_LIMITED);
    CHECK_EQ(refused.retry_after(), 10);
  }
  // The same five values in every spelling: the constructor, the C struct
  // written positionally, and back.
  const failwell_limiter_config_t positional = {100, 1000, 20, 5, 5};
  const Config from_c = positional;
  const Config five{100, 1000, 20, 5, 5};
  for (const Config& config : {from_c, five}) {
    CHECK(holds(config, 100, 1000, 20, 5, 5));
    CHECK(same_config(config.to_c(), positional));
  }
}

void test_decisions() {
  // interval 10, burst 3.
  RateLimiter limiter({1, 10, 3});

  Decision d = limiter.try_acquire(100);
  CHECK(d.admitted());
  CHECK(static_cast<bool>(d));
  CHECK_EQ(d.status(), FAILWELL_OK);
  CHECK_EQ(d.retry_after(), 0);

  d = limiter.try_acquire(100, 2, Tier::Essential);
  CHECK(d);
  d = limiter.try_acquire(100);
  CHECK(!d);
  CHECK(!d.admitted());
  CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
  CHECK_EQ(d.retry_after(), 10);

  d = limiter.try_acquire(109, 1, Tier::Optional);
  CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
  CHECK_EQ(d.retry_after(), 1);
  d = limiter.try_acquire(110, 1, Tier::Optional);
  CHECK(d.admitted());

  d = limiter.try_acquire(110, 4);
  CHECK_EQ(d.status(), FAILWELL_COST_EXCEEDS_CAPACITY);
  CHECK_EQ(d.retry_after(), UINT64_MAX);
  CHECK(!d);

  d = limiter.try_acquire(110, 0);
  CHECK_EQ(d.status(), FAILWELL_ZERO_COST);
  CHECK_EQ(d.retry_after(), UINT64_MAX);
  CHECK(!d);

  d = limiter.try_acquire(110, 1, static_cast<Tier>(3));
  CHECK_EQ(d.status(), FAILWELL_INVALID_TIER);
  CHECK_EQ(d.retry_after(), UINT64_MAX);
  d = limiter.try_acquire(110, 1, static_cast<Tier>(UINT32_MAX));
  CHECK_EQ(d.status(), FAILWELL_INVALID_TIER);

  // Backwards and end-of-clock times are values, not crashes.
  d = limiter.try_acquire(80);
  CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
  CHECK_EQ(d.retry_after(), 40);  // tat 140 + 10 - 80 - 30
  // More than two buckets (60 ticks) back is a clock fault: the empty bucket
  // at 0, refused for 10 ticks.
  d = limiter.try_acquire(0);
  CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
  CHECK_EQ(d.retry_after(), 10);
  d = limiter.try_acquire(UINT64_MAX);
  CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
  CHECK_EQ(d.retry_after(), UINT64_MAX);
  d = limiter.try_acquire(UINT64_MAX - 100);
  CHECK(d.admitted());

  // A Decision is a plain value.
  constexpr Decision made(FAILWELL_RATE_LIMITED, 42);
  static_assert(!made.admitted() && made.retry_after() == 42, "constexpr decision");
  CHECK_EQ(made.status(), FAILWELL_RATE_LIMITED);
}

void test_snapshot_and_capacity() {
  const Config config = Config{1, 10, 10}.with_reserve(2, 3);
  RateLimiter limiter(config);

  CHECK_EQ(limiter.capacity(Tier::Essential), 10);
  CHECK_EQ(limiter.capacity(Tier::Important), 8);
  CHECK_EQ(limiter.capacity(Tier::Optional), 5);
  CHECK_EQ(limiter.capacity(static_cast<Tier>(3)), 0);

  Snapshot s = limiter.snapshot(0);
  CHECK_EQ(s.essential, 10);
  CHECK_EQ(s.important, 8);
  CHECK_EQ(s.optional, 5);
  CHECK_EQ(s.full_in, 0);
  CHECK_EQ(s.available(Tier::Important), 8);

  for (int i = 0; i < 5; ++i) {
    CHECK(limiter.try_acquire(0, 1, Tier::Optional));
  }
  Decision d = limiter.try_acquire(0, 1, Tier::Optional);
  CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
  CHECK_EQ(d.retry_after(), 10);
  CHECK(limiter.try_acquire(0, 3, Tier::Important));
  CHECK_EQ(limiter.try_acquire(0, 1, Tier::Important).status(), FAILWELL_RATE_LIMITED);
  CHECK(limiter.try_acquire(0, 2, Tier::Essential));
  CHECK_EQ(limiter.try_acquire(0, 1, Tier::Essential).retry_after(), 10);

  s = limiter.snapshot(60);
  CHECK_EQ(s.available(Tier::Essential), 6);
  CHECK_EQ(s.available(Tier::Important), 4);
  CHECK_EQ(s.available(Tier::Optional), 1);
  CHECK_EQ(s.available(static_cast<Tier>(7)), 0);
  CHECK_EQ(s.full_in, 40);

  // Through a const reference.
  const RateLimiter& view = limiter;
  CHECK_EQ(view.snapshot(0).full_in, 100);
  CHECK_EQ(view.capacity(Tier::Optional), 5);
}

void test_clock_fault() {
  // interval 10, burst 3: a bucket of 30 ticks.
  for (const std::uint64_t far : {UINT64_MAX - 100, std::uint64_t{1} << 40}) {
    RateLimiter limiter({1, 10, 3});
    CHECK(limiter.try_acquire(1000));
    CHECK(limiter.try_acquire(far));
    // The sane clock again: the far reading was a clock fault, and the
    // limiter starts over from the empty bucket at 1005.
    CHECK_EQ(limiter.snapshot(1005).full_in, 30);
    const Decision d = limiter.try_acquire(1005);
    CHECK_EQ(d.status(), FAILWELL_RATE_LIMITED);
    CHECK_EQ(d.retry_after(), 10);
    CHECK(limiter.try_acquire(1015));
    CHECK_EQ(limiter.snapshot(1045).essential, 3);
  }
}

void test_reset() {
  // A reading ahead by less than two buckets is no fault; reset() forgives it.
  RateLimiter limiter({1, 10, 3});
  CHECK(limiter.try_acquire(550, 3));
  CHECK_EQ(limiter.try_acquire(520).retry_after(), 40);
  limiter.reset(520);
  const Snapshot s = limiter.snapshot(520);
  CHECK_EQ(s.essential, 3);
  CHECK_EQ(s.full_in, 0);
  CHECK(limiter.try_acquire(520, 3));
  CHECK_EQ(limiter.try_acquire(520).status(), FAILWELL_RATE_LIMITED);
}

void test_native_handle() {
  RateLimiter limiter({1, 10, 4});
  std::uint64_t retry = 7;
  CHECK_EQ(failwell_limiter_acquire(limiter.native_handle(), 0, 4, FAILWELL_TIER_ESSENTIAL,
                                    &retry),
           FAILWELL_OK);
  CHECK_EQ(retry, 0);
  CHECK_EQ(limiter.try_acquire(0).retry_after(), 10);

  // The C object is bound to its address: a byte copy is refused.
  check_byte_copy_refused(
      limiter,
      [](failwell_limiter_t* copy) {
        return failwell_limiter_acquire(copy, 0, 1, FAILWELL_TIER_ESSENTIAL, nullptr);
      },
      HERE);
  std::uint32_t capacity = 0;
  const RateLimiter& view = limiter;
  CHECK_EQ(failwell_limiter_capacity(view.native_handle(), FAILWELL_TIER_ESSENTIAL, &capacity),
           FAILWELL_OK);
  CHECK_EQ(capacity, 4);
}

void test_statics_and_members() {
  CHECK_EQ(global_limiter.capacity(Tier::Essential), 5);
  CHECK(global_limiter.try_acquire(0, 5));
  CHECK_EQ(global_limiter.try_acquire(0).retry_after(), 10);

  CHECK(function_local_limiter().try_acquire(0, 2));
  CHECK_EQ(function_local_limiter().try_acquire(0).status(), FAILWELL_RATE_LIMITED);

  Member<RateLimiter> service(Config{1, 10, 3});
  CHECK_EQ(service.door.capacity(Tier::Optional), 3);
  while (service.door.try_acquire(0)) {
    ++service.calls;
  }
  CHECK_EQ(service.calls, 3);

  // Sustained rate: rate 3 per 10 ticks is one unit per 4 ticks.
  RateLimiter sustained({3, 10, 5});
  unsigned long admitted = 0;
  for (std::uint64_t now = 0; now <= 1000; ++now) {
    while (sustained.try_acquire(now)) {
      ++admitted;
    }
  }
  CHECK_EQ(admitted, 5 + 1000 / 4);
}

// ---- contention -------------------------------------------------------------

constexpr unsigned long kAttempts = 100000;

struct Counts {
  unsigned long admitted = 0;
  unsigned long limited = 0;
  unsigned long other = 0;
};

// Runs one thread per tier in `tiers`, all released together, each making
// kAttempts single-unit requests at `now`; returns the counts per thread.
std::vector<Counts> run_threads(RateLimiter& limiter, std::uint64_t now,
                                const std::vector<Tier>& tiers) {
  std::vector<Counts> counts(tiers.size());
  run_together(tiers.size(), [&](std::size_t i) {
    Counts& c = counts[i];
    for (unsigned long n = 0; n < kAttempts; ++n) {
      const Decision d = limiter.try_acquire(now, 1, tiers[i]);
      if (d.admitted() && d.retry_after() == 0) {
        ++c.admitted;
      } else if (d.status() == FAILWELL_RATE_LIMITED && d.retry_after() > 0 &&
                 d.retry_after() != UINT64_MAX) {
        ++c.limited;
      } else {
        ++c.other;
      }
    }
  });
  return counts;
}

void test_contention() {
  RateLimiter limiter({1, 1000000, 1000});
  const std::vector<Counts> counts =
      run_threads(limiter, 5000, {Tier::Essential, Tier::Essential, Tier::Essential,
                                  Tier::Essential});
  Counts total;
  for (const Counts& c : counts) {
    total.admitted += c.admitted;
    total.limited += c.limited;
    total.other += c.other;
  }
  CHECK_EQ(total.admitted, 1000);
  CHECK_EQ(total.limited, 4 * kAttempts - 1000);
  CHECK_EQ(total.other, 0);
}

void test_contention_tiers() {
  const std::vector<Tier> tiers = {Tier::Optional,  Tier::Important, Tier::Essential,
                                   Tier::Optional,  Tier::Important, Tier::Essential};
  for (int round = 0; round < 3; ++round) {
    // Capacities: Essential 1000, Important 900, Optional 700.
    RateLimiter limiter(Config{1, 1000000, 1000}.with_reserve(100, 200));
    const std::vector<Counts> counts = run_threads(limiter, 7, tiers);
    unsigned long by_tier[3] = {0, 0, 0};
    unsigned long other = 0;
    for (std::size_t i = 0; i < tiers.size(); ++i) {
      by_tier[static_cast<std::size_t>(tiers[i])] += counts[i].admitted;
      other += counts[i].other;
    }
    CHECK(by_tier[2] <= 700);
    CHECK(by_tier[1] + by_tier[2] <= 900);
    CHECK_EQ(by_tier[0] + by_tier[1] + by_tier[2], 1000);
    CHECK_EQ(other, 0);
    const Snapshot s = limiter.snapshot(7);
    CHECK_EQ(s.essential, 0);
    CHECK_EQ(s.full_in, 1000ULL * 1000000);
  }
}

}  // namespace

int main() {
  test_construction_errors();  // first: forks, when built without exceptions
  test_config();
  test_argument_order();
  test_decisions();
  test_snapshot_and_capacity();
  test_clock_fault();
  test_reset();
  test_native_handle();
  test_statics_and_members();
  test_contention();
  test_contention_tiers();

  return checks_report();
}
