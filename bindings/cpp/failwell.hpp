/*
 * failwell.hpp: header-only C++17 RAII wrapper over the C API in failwell.h:
 * failwell::RateLimiter and failwell::Breaker (a circuit breaker).
 *
 * Link the C library (libfailwell_ffi.a or the shared object) as for C; this
 * header adds no code of its own beyond inline calls into it.
 *
 * Error model
 *  - Construction is the only place that reports an error out of band: the
 *    RateLimiter and Breaker constructors validate the config and throw
 *    failwell::Error (which carries the failwell_status_t) when the library
 *    refuses it. Built without exceptions (-fno-exceptions, i.e.
 *    __cpp_exceptions not defined) they call std::abort() instead; use
 *    RateLimiter::validate() or Breaker::validate() first when the config
 *    comes from outside your program.
 *  - The hot path never throws, allocates or blocks: every other member
 *    function is noexcept and returns values. A Decision carries the status
 *    and, when refused, the ticks to wait; a BreakerPermit carries the same
 *    and, when admitted, reports the call's outcome.
 *  - [[nodiscard]] marks what must be looked at, as FAILWELL_MUST_USE does
 *    in C: validate(), try_acquire() (and the Decision and BreakerPermit it
 *    returns), snapshot() and capacity(). The status of a permit's report
 *    (success(), failure(), ...) may be ignored: FAILWELL_OK and
 *    FAILWELL_PERMIT_STALE both leave the permit done with.
 *
 * Thread safety
 *  - Once constructed, every member function may be called concurrently on
 *    the same RateLimiter or Breaker from any number of threads (and, as in the C API,
 *    from interrupt context: the calls are lock-free where the target has
 *    64-bit atomics and never allocate). Construction must complete before
 *    any other thread uses the object, and destruction must not overlap any
 *    call: make it a global or function-local static, or a member of an
 *    object that outlives the threads using it.
 *  - A RateLimiter or Breaker is neither copyable nor movable: the C object
 *    is bound to the address it was initialised at (the library refuses a
 *    copy with FAILWELL_UNINITIALIZED), and its state is shared by every user.
 *  - A BreakerPermit is move-only and belongs to one thread at a time; it
 *    must not outlive its Breaker.
 *  - A global RateLimiter or Breaker is initialised dynamically (before main), so a bad
 *    config there ends in std::terminate (or std::abort() without
 *    exceptions), and its use from another translation unit's static
 *    initialisers is subject to the usual initialisation-order rules.
 *
 * Time is `now`, in ticks of your monotonic clock, exactly as in the C API.
 */

#ifndef FAILWELL_HPP
#define FAILWELL_HPP

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <stdexcept>

// Installed side by side with failwell.h, or in this source tree.
#if __has_include("failwell.h")
#include "failwell.h"
#else
#include "../c/failwell.h"
#endif

namespace failwell {

static_assert(sizeof(failwell_limiter_t) == FAILWELL_LIMITER_WORDS * 8,
              "failwell_limiter_t must be FAILWELL_LIMITER_WORDS 64-bit words");
static_assert(sizeof(failwell_breaker_t) == FAILWELL_BREAKER_WORDS * 8,
              "failwell_breaker_t must be FAILWELL_BREAKER_WORDS 64-bit words");

/// A priority tier; under pressure Optional work is shed first.
enum class Tier : failwell_tier_t {
  Essential = FAILWELL_TIER_ESSENTIAL,  ///< Work the system exists to do.
  Important = FAILWELL_TIER_IMPORTANT,  ///< Noticed when missing; can wait.
  Optional = FAILWELL_TIER_OPTIONAL,    ///< Dropped first under pressure.
};

/// The status of a C call, as returned by the library.
using Status = failwell_status_t;

/// The description the library gives `status`; never null.
inline const char* status_str(Status status) noexcept {
  return failwell_status_str(static_cast<std::uint32_t>(status));
}

/// Thrown by constructors when the library refuses a config.
class Error : public std::runtime_error {
 public:
  explicit Error(Status status)
      : std::runtime_error(status_str(status)), status_(status) {}

  /// Why the library refused (a FAILWELL_CONFIG_* value for a config).
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

namespace detail {
/// Reports a construction failure: throws, or aborts without exceptions.
[[noreturn]] inline void fail(Status status) {
#if defined(__cpp_exceptions)
  throw Error(status);
#else
  (void)status;
  std::abort();
#endif
}
}  // namespace detail

/// The outcome of RateLimiter::try_acquire.
class [[nodiscard]] Decision {
 public:
  constexpr Decision(Status status, std::uint64_t retry_after) noexcept
      : status_(status), retry_after_(retry_after) {}

  /// True when the request was admitted (status() == FAILWELL_OK).
  constexpr bool admitted() const noexcept { return status_ == FAILWELL_OK; }
  constexpr explicit operator bool() const noexcept { return admitted(); }

  /// FAILWELL_OK, FAILWELL_RATE_LIMITED, FAILWELL_COST_EXCEEDS_CAPACITY, or a
  /// caller error (FAILWELL_ZERO_COST, FAILWELL_INVALID_TIER).
  constexpr Status status() const noexcept { return status_; }

  /// Ticks until this same request would be admitted if nothing else is
  /// meanwhile: 0 when admitted; UINT64_MAX when it never can be as asked
  /// (cost above the tier's capacity, cost 0, invalid tier, or no time left
  /// on this clock).
  constexpr std::uint64_t retry_after() const noexcept { return retry_after_; }

 private:
  Status status_;
  std::uint64_t retry_after_;
};

/// What a rate limiter could admit at one instant.
struct Snapshot {
  std::uint32_t essential;  ///< Whole units Tier::Essential could take now.
  std::uint32_t important;  ///< Whole units Tier::Important could take now.
  std::uint32_t optional;   ///< Whole units Tier::Optional could take now.
  std::uint64_t full_in;    ///< Ticks until the bucket is full; 0 when full.

  /// Whole units `tier` could take now.
  constexpr std::uint32_t available(Tier tier) const noexcept {
    return tier == Tier::Essential   ? essential
           : tier == Tier::Important ? important
           : tier == Tier::Optional  ? optional
                                     : 0;
  }
};

/// A GCRA rate limiter with priority tiers, over a `failwell_limiter_t`
/// held inline (no heap): it can be a global, a static or a member.
class RateLimiter {
 public:
  /// How the limiter admits work. The arguments and fields are in the order
  /// of the Rust crate's LimiterConfig::new(rate, period, burst) and of
  /// failwell_limiter_config_t: `Config{100, 1000, 20}` is 100 units per
  /// 1000 ticks, bursts of 20. A C config converts implicitly.
  struct Config {
    std::uint32_t rate;    ///< Units per `period`; 1..period.
    std::uint64_t period;  ///< Ticks in which `rate` units are admitted.
    std::uint32_t burst;   ///< Units admitted at one instant when full; >= 1.
    std::uint32_t reserve_essential;  ///< Burst units only Essential takes.
    std::uint32_t reserve_important;  ///< Further units Optional never takes.

    constexpr Config(std::uint32_t rate_, std::uint64_t period_,
                     std::uint32_t burst_,
                     std::uint32_t reserve_essential_ = 0,
                     std::uint32_t reserve_important_ = 0) noexcept
        : rate(rate_),
          period(period_),
          burst(burst_),
          reserve_essential(reserve_essential_),
          reserve_important(reserve_important_) {}

    // Implicit on purpose: a C config is the same thing.
    constexpr Config(const failwell_limiter_config_t& c) noexcept  // NOLINT
        : Config(c.rate, c.period, c.burst, c.reserve_essential,
                 c.reserve_important) {}

    /// This config with `essential` units kept for Essential work and
    /// `important` more for Essential and Important work.
    constexpr Config with_reserve(std::uint32_t essential,
                                  std::uint32_t important) const noexcept {
      return Config(rate, period, burst, essential, important);
    }

    /// The C struct with the same values.
    constexpr failwell_limiter_config_t to_c() const noexcept {
      return failwell_limiter_config_t{rate,  period, burst, reserve_essential,
                                       reserve_important};
    }
  };

  /// A limiter with a full bucket. Throws failwell::Error (std::abort()
  /// without exceptions) when the library refuses `config`.
  explicit RateLimiter(const Config& config) : raw_() {
    const failwell_limiter_config_t c = config.to_c();
    const Status status = failwell_limiter_init(&raw_, &c);
    if (status != FAILWELL_OK) {
      detail::fail(status);
    }
  }

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = delete;
  RateLimiter& operator=(RateLimiter&&) = delete;
  ~RateLimiter() = default;

  /// FAILWELL_OK when a RateLimiter can be built from `config`, else the
  /// FAILWELL_CONFIG_* status its constructor would report. Never throws.
  [[nodiscard]] static Status validate(const Config& config) noexcept {
    failwell_limiter_t scratch{};
    const failwell_limiter_config_t c = config.to_c();
    return failwell_limiter_init(&scratch, &c);
  }

  /// Admits `cost` units of `tier` work at `now`, or says why not.
  /// Thread-safe; never throws.
  [[nodiscard]] Decision try_acquire(std::uint64_t now, std::uint32_t cost = 1,
                                     Tier tier = Tier::Essential) noexcept {
    std::uint64_t retry_after = UINT64_MAX;
    const Status status = failwell_limiter_acquire(
        &raw_, now, cost, static_cast<failwell_tier_t>(tier), &retry_after);
    return Decision(status, retry_after);
  }

  /// Makes the bucket full at `now`, from any state: an operator's action,
  /// e.g. after the clock read far ahead. A bucket already full at `now` is
  /// left as it is. Thread-safe; never throws.
  void reset(std::uint64_t now) noexcept {
    (void)failwell_limiter_reset(&raw_, now);  // FAILWELL_OK for a constructed limiter
  }

  /// What each tier could take at `now`. Thread-safe; never throws.
  [[nodiscard]] Snapshot snapshot(std::uint64_t now) const noexcept {
    failwell_limiter_snapshot_t s{};
    if (failwell_limiter_snapshot(&raw_, now, &s) != FAILWELL_OK) {
      // Unreachable for a constructed limiter; report nothing available.
      return Snapshot{0, 0, 0, UINT64_MAX};
    }
    return Snapshot{s.essential, s.important, s.optional, s.full_in};
  }

  /// The largest cost `tier` can ever be admitted for: the burst less the
  /// reserves held back from it. 0 for a value that is not a Tier.
  [[nodiscard]] std::uint32_t capacity(Tier tier) const noexcept {
    std::uint32_t value = 0;
    if (failwell_limiter_capacity(&raw_, static_cast<failwell_tier_t>(tier),
                                  &value) != FAILWELL_OK) {
      return 0;
    }
    return value;
  }

  /// The C object, for passing to C code. It stays owned by this RateLimiter.
  failwell_limiter_t* native_handle() noexcept { return &raw_; }
  const failwell_limiter_t* native_handle() const noexcept { return &raw_; }

 private:
  failwell_limiter_t raw_;
};

// ---- circuit breaker ---------------------------------------------------------

/// Where a circuit breaker is.
enum class BreakerState : failwell_breaker_state_t {
  Closed = FAILWELL_BREAKER_STATE_CLOSED,      ///< Calls flow (a share while ramping).
  Open = FAILWELL_BREAKER_STATE_OPEN,          ///< Refused until the open duration ends.
  HalfOpen = FAILWELL_BREAKER_STATE_HALF_OPEN,  ///< A few probes decide.
  ForcedOpen = FAILWELL_BREAKER_STATE_FORCED_OPEN,  ///< Held open until reset.
  Disabled = FAILWELL_BREAKER_STATE_DISABLED,  ///< Admits all, never trips, until reset.
};

/// How a Breaker trips, waits, probes and recovers: a builder over
/// failwell_breaker_config_t whose methods mirror the Rust crate's
/// `breaker::Config`. Durations are in ticks, rates and shares in permille.
/// `constexpr`, so a config can be a compile-time constant; a C config
/// converts implicitly.
///
///   constexpr auto config = failwell::BreakerConfig(5000)  // open 5 s
///       .trip_on_consecutive_failures(5)
///       .trip_on_failure_rate(500, 20)
///       .bucket_width(1000)       // 1 s time buckets (0: count window only)
///       .backoff(2000, 60000, 120000)
///       .half_open(2, 3, 1, 10000)
///       .ramp({100, 250, 500}, 2000);
class BreakerConfig {
 public:
  /// What failwell_breaker_config_default gives: open for `open_duration`
  /// ticks after a trip, no trip policy yet (set one), no bucket width
  /// (time buckets unused), one probe at a time that closes or reopens the breaker, probes
  /// timing out after `open_duration`, no backoff (with a factor set, it
  /// starts over after `open_duration` of full traffic), jitter or ramp;
  /// Essential and Important may probe, Optional may not; on a ramp,
  /// Important lags one stage and Optional two.
  constexpr explicit BreakerConfig(std::uint64_t open_duration) noexcept : c_() {
    c_.open_duration = open_duration;
    c_.max_open_duration = open_duration;
    c_.reset_backoff_after = open_duration;
    c_.slow_call_threshold = UINT64_MAX;
    c_.probe_timeout = open_duration;
    c_.minimum_calls = 1;
    c_.backoff_factor = 1000;
    c_.probes = 1;
    c_.probe_successes = 1;
    c_.probe_failures = 1;
    c_.may_probe[FAILWELL_TIER_ESSENTIAL] = 1;
    c_.may_probe[FAILWELL_TIER_IMPORTANT] = 1;
    c_.ramp_delay[FAILWELL_TIER_IMPORTANT] = 1;
    c_.ramp_delay[FAILWELL_TIER_OPTIONAL] = 2;
  }

  // Implicit on purpose: a C config is the same thing.
  constexpr BreakerConfig(const failwell_breaker_config_t& c) noexcept  // NOLINT
      : c_(c) {}

  /// Trips after `failures` failures in a row (0: off).
  constexpr BreakerConfig trip_on_consecutive_failures(
      std::uint16_t failures) const noexcept {
    BreakerConfig next = *this;
    next.c_.consecutive_failures = failures;
    return next;
  }

  /// Trips when at least `permille` of a window's calls failed, once the
  /// window holds `minimum_calls`.
  constexpr BreakerConfig trip_on_failure_rate(
      std::uint16_t permille, std::uint32_t minimum_calls) const noexcept {
    BreakerConfig next = *this;
    next.c_.failure_rate = permille;
    next.c_.minimum_calls = minimum_calls;
    return next;
  }

  /// Trips when at least `permille` of a window's calls took longer than
  /// `threshold` ticks.
  constexpr BreakerConfig trip_on_slow_calls(std::uint64_t threshold,
                                             std::uint16_t permille) const noexcept {
    BreakerConfig next = *this;
    next.c_.slow_call_threshold = threshold;
    next.c_.slow_call_rate = permille;
    return next;
  }

  /// Time buckets `width` ticks wide (FAILWELL_BREAKER_TIME_BUCKETS of them).
  constexpr BreakerConfig bucket_width(std::uint64_t width) const noexcept {
    BreakerConfig next = *this;
    next.c_.bucket_width = width;
    return next;
  }

  /// Each further trip multiplies the open duration by `factor` permille,
  /// up to `max`; after `reset_after` healthy ticks it starts over.
  constexpr BreakerConfig backoff(std::uint32_t factor, std::uint64_t max,
                                  std::uint64_t reset_after) const noexcept {
    BreakerConfig next = *this;
    next.c_.backoff_factor = factor;
    next.c_.max_open_duration = max;
    next.c_.reset_backoff_after = reset_after;
    return next;
  }

  /// Lengthens each open duration by a random share up to `permille`,
  /// drawn from a generator seeded with `seed` and the breaker's address
  /// (breakers with one config do not open in lockstep).
  constexpr BreakerConfig jitter(std::uint16_t permille,
                                 std::uint32_t seed) const noexcept {
    BreakerConfig next = *this;
    next.c_.jitter = permille;
    next.c_.jitter_seed = seed;
    return next;
  }

  /// Makes the jitter's draws depend on the seed alone, the same for every
  /// breaker with this config (tests, simulations).
  constexpr BreakerConfig reproducible_jitter() const noexcept {
    BreakerConfig next = *this;
    next.c_.jitter_reproducible = 1;
    return next;
  }

  /// Half-open: `probes` at once; `successes` close, `failures` reopen; a
  /// probe unreported `timeout` ticks after the latest one counts as failed.
  constexpr BreakerConfig half_open(std::uint8_t probes, std::uint8_t successes,
                                    std::uint8_t failures,
                                    std::uint64_t timeout) const noexcept {
    BreakerConfig next = *this;
    next.c_.probes = probes;
    next.c_.probe_successes = successes;
    next.c_.probe_failures = failures;
    next.c_.probe_timeout = timeout;
    return next;
  }

  /// After closing, admits the shares in `steps` (permille, rising), each
  /// for `stage_duration` ticks. More than FAILWELL_BREAKER_MAX_RAMP_STEPS
  /// steps make the constructor refuse the config.
  constexpr BreakerConfig ramp(std::initializer_list<std::uint16_t> steps,
                               std::uint64_t stage_duration) const noexcept {
    BreakerConfig next = *this;
    std::size_t i = 0;
    for (std::uint16_t step : steps) {
      if (i < FAILWELL_BREAKER_MAX_RAMP_STEPS) {
        next.c_.ramp[i] = step;
      }
      ++i;
    }
    for (; i < FAILWELL_BREAKER_MAX_RAMP_STEPS; ++i) {
      next.c_.ramp[i] = 0;
    }
    next.c_.ramp_steps = steps.size() > FAILWELL_BREAKER_MAX_RAMP_STEPS
                             ? UINT8_MAX
                             : static_cast<std::uint8_t>(steps.size());
    next.c_.ramp_stage_duration = stage_duration;
    return next;
  }

  /// Whether `tier` may probe, and how many ramp stages it lags.
  constexpr BreakerConfig tier(Tier tier, bool may_probe,
                               std::uint8_t ramp_delay) const noexcept {
    BreakerConfig next = *this;
    const auto index = static_cast<failwell_tier_t>(tier);
    if (index < 3) {
      next.c_.may_probe[index] = may_probe ? 1 : 0;
      next.c_.ramp_delay[index] = ramp_delay;
    }
    return next;
  }

  /// The C struct: read it, or copy it, change fields and convert back.
  constexpr const failwell_breaker_config_t& to_c() const noexcept { return c_; }

 private:
  failwell_breaker_config_t c_;
};

/// A breaker's state, counts and next timed transition.
struct BreakerSnapshot {
  BreakerState state;
  std::uint32_t generation;  ///< Bumped by every transition; wraps at 2^20.
  std::uint32_t trips;       ///< Trips counted for the backoff.
  std::uint32_t ramp_stage;  ///< 1-based while ramping; 0 at full traffic.
  std::uint32_t consecutive_failures;  ///< Closed: failures in a row.
  std::uint32_t probes_in_flight;      ///< Half-open: probes out.
  std::uint32_t probe_successes;       ///< Half-open: successful probes.
  std::uint32_t probe_failures;  ///< Half-open: failed probes; ramping: failures.
  failwell_breaker_window_t count_window;  ///< The last 100 calls.
  failwell_breaker_window_t time_window;   ///< The 10 time buckets.
  /// When a timed transition is due (end of the open duration, the probes'
  /// timeout, the next ramp stage); UINT64_MAX: not on this clock.
  std::optional<std::uint64_t> next_transition;
};

class Breaker;

/// The outcome of Breaker::try_acquire: when admitted, the leave to make
/// one call, to be reported with success(), failure(), latency(),
/// failure_after() or ignore(); when refused, why (status()) and when to come back
/// (retry_after()).
///
/// Move-only. Destroyed while still pending it is reported as ignored (a
/// probe frees its slot; nothing is counted), which is what an early return
/// or an exception between acquiring and reporting does: report failure()
/// if that early exit is a failure of the dependency.
///
/// A permit reports at most once, whichever way it goes: one report from
/// C++, or into_native() and one report from C. What each accessor returns:
///
///   state         admitted() status()      retry_after() pending() reports
///   refused       false      the refusal   its wait      false     FAILWELL_PERMIT_INVALID
///   pending       true       FAILWELL_OK   0             true      FAILWELL_OK (counted) or
///                                                                  FAILWELL_PERMIT_STALE (ignored)
///   reported      true       FAILWELL_OK   0             false     FAILWELL_PERMIT_SPENT
///   handed over   true       FAILWELL_OK   0             false     FAILWELL_PERMIT_SPENT
///   moved from    false      NULL_POINTER  UINT64_MAX    false     FAILWELL_NULL_POINTER
///
/// Pending: admitted, not yet reported. Reported: after its first report
/// from C++ (whatever that returned). Handed over: after into_native() on a
/// pending permit; C now owns the report. Moved from: the source of a move
/// (construction or assignment), which holds nothing: status() is
/// FAILWELL_NULL_POINTER. is_probe() and acquired_at() describe the admitted
/// call (false and 0 when refused or moved from). A STALE report is normal
/// under concurrency: the breaker changed state meanwhile.
class [[nodiscard]] BreakerPermit {
 public:
  BreakerPermit(const BreakerPermit&) = delete;
  BreakerPermit& operator=(const BreakerPermit&) = delete;

  /// Takes `other`'s permit; `other` is left moved from.
  BreakerPermit(BreakerPermit&& other) noexcept
      : breaker_(other.breaker_),
        permit_(other.permit_),
        retry_after_(other.retry_after_),
        status_(other.status_),
        held_(other.held_) {
    other.vacate();
  }

  /// Reports this permit as ignored if it is pending, then takes `other`'s;
  /// `other` is left moved from.
  BreakerPermit& operator=(BreakerPermit&& other) noexcept {
    if (this != &other) {
      release();
      breaker_ = other.breaker_;
      permit_ = other.permit_;
      retry_after_ = other.retry_after_;
      status_ = other.status_;
      held_ = other.held_;
      other.vacate();
    }
    return *this;
  }

  ~BreakerPermit() { release(); }

  /// True when the call was admitted (status() == FAILWELL_OK), also after
  /// it was reported or handed over; false when refused or moved from.
  bool admitted() const noexcept { return status_ == FAILWELL_OK; }
  explicit operator bool() const noexcept { return admitted(); }

  /// FAILWELL_OK, or why the call was refused: FAILWELL_BREAKER_OPEN,
  /// FAILWELL_PROBES_BUSY, FAILWELL_NOT_PROBING, FAILWELL_RAMP_SHED,
  /// FAILWELL_FORCED_OPEN, or a caller error (FAILWELL_INVALID_TIER);
  /// FAILWELL_NULL_POINTER when moved from.
  Status status() const noexcept { return status_; }

  /// Ticks until the call may be admitted: 0 when admitted and for
  /// refusals that give no time; UINT64_MAX for "not on this clock"
  /// (forced open, or a caller error) and when moved from.
  std::uint64_t retry_after() const noexcept { return retry_after_; }

  /// Admitted and not yet reported, handed over or moved from.
  bool pending() const noexcept { return held_ == Held::Pending; }

  /// Whether the call is a half-open probe.
  bool is_probe() const noexcept {
    return admitted() && ((permit_.ticket >> 20) & 0x1F) != 0;
  }

  /// `now` when the call was admitted; 0 when refused or moved from.
  std::uint64_t acquired_at() const noexcept { return permit_.acquired_at; }

  /// The call succeeded at `now`; slow if `now - acquired_at()` exceeds the
  /// threshold.
  Status success(std::uint64_t now) noexcept {
    return report([now](failwell_breaker_t* b, failwell_permit_t* p) {
      return failwell_breaker_success(b, p, now);
    });
  }

  /// The call failed at `now`; slow too if `now - acquired_at()` exceeds
  /// the threshold (it then counts in both rates).
  Status failure(std::uint64_t now) noexcept {
    return report([now](failwell_breaker_t* b, failwell_permit_t* p) {
      return failwell_breaker_failure(b, p, now);
    });
  }

  /// The call succeeded at `now` after `latency` ticks, measured by you.
  Status latency(std::uint64_t now, std::uint64_t latency) noexcept {
    return report([now, latency](failwell_breaker_t* b, failwell_permit_t* p) {
      return failwell_breaker_latency(b, p, now, latency);
    });
  }

  /// The call failed at `now` after `latency` ticks, measured by you; slow
  /// too if `latency` exceeds the threshold.
  Status failure_after(std::uint64_t now, std::uint64_t latency) noexcept {
    return report([now, latency](failwell_breaker_t* b, failwell_permit_t* p) {
      return failwell_breaker_failure_latency(b, p, now, latency);
    });
  }

  /// The call's outcome says nothing about the dependency.
  Status ignore(std::uint64_t now) noexcept {
    return report([now](failwell_breaker_t* b, failwell_permit_t* p) {
      return failwell_breaker_ignore(b, p, now);
    });
  }

  /// The C permit, to look at. Do not report it from C: while this permit
  /// is pending, it would be reported twice (by C, then by this permit); hand
  /// it over with into_native() instead. Once handed over, the copy kept
  /// here has a check of 0, which the library never issues, so C refuses it
  /// (FAILWELL_PERMIT_INVALID).
  const failwell_permit_t& native_handle() const noexcept { return permit_; }

  /// Hands the C permit over to C code, which must report it (with this
  /// permit's Breaker::native_handle()); this permit then reports nothing
  /// (FAILWELL_PERMIT_SPENT) and is not reported by its destructor. Only a
  /// pending permit hands over a live one; otherwise C refuses what this
  /// returns: FAILWELL_PERMIT_SPENT once reported from C++, and
  /// FAILWELL_PERMIT_INVALID when refused, moved from or already handed over.
  failwell_permit_t into_native() noexcept {
    if (held_ != Held::Pending) {
      return permit_;
    }
    held_ = Held::HandedOver;
    const failwell_permit_t handed = permit_;
    permit_.check = 0;  // the copy kept here can no longer be reported
    return handed;
  }

 private:
  friend class Breaker;

  /// Where the permit is in its life; see the class comment.
  enum class Held : std::uint8_t { Refused, Pending, Reported, HandedOver, MovedFrom };

  BreakerPermit(failwell_breaker_t* breaker, Status status, std::uint64_t retry_after,
                const failwell_permit_t& permit) noexcept
      : breaker_(breaker),
        permit_(permit),
        retry_after_(retry_after),
        status_(status),
        held_(status == FAILWELL_OK ? Held::Pending : Held::Refused) {}

  /// Reports through `c_report` if pending; otherwise the status the class
  /// comment gives, without calling the library.
  template <typename Report>
  Status report(Report c_report) noexcept {
    switch (held_) {
      case Held::Pending:
        held_ = Held::Reported;
        return c_report(breaker_, &permit_);
      case Held::Reported:
      case Held::HandedOver:
        return FAILWELL_PERMIT_SPENT;
      case Held::MovedFrom:
        return FAILWELL_NULL_POINTER;
      case Held::Refused:
        break;
    }
    return FAILWELL_PERMIT_INVALID;
  }

  /// Reports a pending permit as ignored.
  void release() noexcept {
    const Status ignored = report([](failwell_breaker_t* b, failwell_permit_t* p) {
      return failwell_breaker_ignore(b, p, p->acquired_at);
    });
    (void)ignored;  // counted, stale, or nothing to report: nothing to do either way
  }

  /// Leaves this permit moved from: it holds nothing.
  void vacate() noexcept {
    breaker_ = nullptr;
    permit_ = failwell_permit_t{};
    retry_after_ = UINT64_MAX;
    status_ = FAILWELL_NULL_POINTER;
    held_ = Held::MovedFrom;
  }

  failwell_breaker_t* breaker_;
  failwell_permit_t permit_;
  std::uint64_t retry_after_;
  Status status_;
  Held held_;
};

/// A circuit breaker over a `failwell_breaker_t` held inline (no heap): it
/// judges the last FAILWELL_BREAKER_WINDOW_CALLS calls and
/// FAILWELL_BREAKER_TIME_BUCKETS time buckets, and can be a global, a static
/// or a member.
class Breaker {
 public:
  /// A closed breaker. Throws failwell::Error (std::abort() without
  /// exceptions) when the library refuses `config`.
  explicit Breaker(const BreakerConfig& config) : raw_() {
    const Status status = failwell_breaker_init(&raw_, &config.to_c());
    if (status != FAILWELL_OK) {
      detail::fail(status);
    }
  }

  Breaker(const Breaker&) = delete;
  Breaker& operator=(const Breaker&) = delete;
  Breaker(Breaker&&) = delete;
  Breaker& operator=(Breaker&&) = delete;
  ~Breaker() = default;

  /// FAILWELL_OK when a Breaker can be built from `config`, else the
  /// FAILWELL_CONFIG_* status its constructor would report. Never throws.
  [[nodiscard]] static Status validate(const BreakerConfig& config) noexcept {
    failwell_breaker_t scratch{};
    return failwell_breaker_init(&scratch, &config.to_c());
  }

  /// Asks to make one call of `tier` at `now`: an admitted permit to report
  /// the outcome with, or the refusal. Thread-safe; never throws.
  [[nodiscard]] BreakerPermit try_acquire(std::uint64_t now,
                                         Tier tier = Tier::Essential) noexcept {
    failwell_permit_t permit{};
    std::uint64_t retry_after = UINT64_MAX;
    const Status status = failwell_breaker_acquire(
        &raw_, now, static_cast<failwell_tier_t>(tier), &permit, &retry_after);
    return BreakerPermit(&raw_, status, retry_after, permit);
  }

  /// Holds the breaker open, refusing every call, until reset(). Already
  /// forced open: nothing changes.
  void force_open(std::uint64_t now) noexcept { operate(failwell_breaker_force_open, now); }

  /// Admits every call and records outcomes, never tripping, until reset().
  /// Already disabled: nothing changes, and the permits in flight still count.
  void disable(std::uint64_t now) noexcept { operate(failwell_breaker_disable, now); }

  /// Closes the breaker at full traffic with empty windows and the backoff
  /// started over, from any state.
  void reset(std::uint64_t now) noexcept { operate(failwell_breaker_reset, now); }

  /// The state, counts and next timed transition, with the time window as
  /// of `now`: the buckets `now` has left behind expire first, as a call at
  /// `now` would expire them; an earlier `now` changes nothing.
  /// Thread-safe; never throws.
  [[nodiscard]] BreakerSnapshot snapshot(std::uint64_t now) const noexcept {
    failwell_breaker_snapshot_t s{};
    if (failwell_breaker_snapshot(&raw_, now, &s) != FAILWELL_OK) {
      // Unreachable for a constructed breaker; report it held open.
      s.state = FAILWELL_BREAKER_STATE_FORCED_OPEN;
    }
    BreakerSnapshot out{static_cast<BreakerState>(s.state),
                        s.generation,
                        s.trips,
                        s.ramp_stage,
                        s.consecutive_failures,
                        s.probes_in_flight,
                        s.probe_successes,
                        s.probe_failures,
                        s.count_window,
                        s.time_window,
                        std::nullopt};
    if (s.has_next_transition != 0) {
      out.next_transition = s.next_transition;
    }
    return out;
  }

  /// The C object, for passing to C code. It stays owned by this Breaker.
  failwell_breaker_t* native_handle() noexcept { return &raw_; }
  const failwell_breaker_t* native_handle() const noexcept { return &raw_; }

 private:
  void operate(failwell_status_t (*action)(failwell_breaker_t*, std::uint64_t),
               std::uint64_t now) noexcept {
    (void)action(&raw_, now);  // FAILWELL_OK for a constructed breaker
  }

  failwell_breaker_t raw_;
};

}  // namespace failwell

#endif  // FAILWELL_HPP
