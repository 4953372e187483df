/*
 * failwell.hpp: header-only C++17 RAII wrapper over the C API in failwell.h.
 *
 * Link the C library (libfailwell_ffi.a or the shared object) as for C; this
 * header adds no code of its own beyond inline calls into it.
 *
 * Error model
 *  - Construction is the only place that reports an error out of band: the
 *    RateLimiter constructor validates the config and throws failwell::Error
 *    (which carries the failwell_status_t) when the library refuses it.
 *    Built without exceptions (-fno-exceptions, i.e. __cpp_exceptions not
 *    defined) it calls std::abort() instead; use RateLimiter::validate() first
 *    when the config comes from outside your program.
 *  - The hot path never throws, allocates or blocks: try_acquire, snapshot
 *    and capacity are noexcept and return values. A Decision carries the
 *    status and, when refused, the ticks to wait.
 *
 * Thread safety
 *  - Once constructed, every member function may be called concurrently on
 *    the same RateLimiter from any number of threads (and, as in the C API,
 *    from interrupt context: the calls are lock-free where the target has
 *    64-bit atomics and never allocate). Construction must complete before
 *    any other thread uses the object, and destruction must not overlap any
 *    call: make it a global or function-local static, or a member of an
 *    object that outlives the threads using it.
 *  - A RateLimiter is neither copyable nor movable: the C object is bound to
 *    the address it was initialised at (the library refuses a copy with
 *    FAILWELL_UNINITIALIZED), and its state is shared by every user.
 *  - A global RateLimiter is initialised dynamically (before main), so a bad
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
  /// How the limiter admits work; the fields and their order are those of
  /// failwell_limiter_config_t (note: rate, burst, period), and a C config
  /// converts implicitly.
  struct Config {
    std::uint32_t rate;   ///< Units per `period`; 1..period.
    std::uint32_t burst;  ///< Units admitted at one instant when full; >= 1.
    std::uint64_t period;  ///< Ticks in which `rate` units are admitted.
    std::uint32_t reserve_essential;  ///< Burst units only Essential takes.
    std::uint32_t reserve_important;  ///< Further units Optional never takes.

    constexpr Config(std::uint32_t rate_, std::uint32_t burst_,
                     std::uint64_t period_,
                     std::uint32_t reserve_essential_ = 0,
                     std::uint32_t reserve_important_ = 0) noexcept
        : rate(rate_),
          burst(burst_),
          period(period_),
          reserve_essential(reserve_essential_),
          reserve_important(reserve_important_) {}

    // Implicit on purpose: a C config is the same thing.
    constexpr Config(const failwell_limiter_config_t& c) noexcept  // NOLINT
        : Config(c.rate, c.burst, c.period, c.reserve_essential,
                 c.reserve_important) {}

    /// This config with `essential` units kept for Essential work and
    /// `important` more for Essential and Important work.
    constexpr Config with_reserve(std::uint32_t essential,
                                  std::uint32_t important) const noexcept {
      return Config(rate, burst, period, essential, important);
    }

    /// The C struct with the same values.
    constexpr failwell_limiter_config_t to_c() const noexcept {
      return failwell_limiter_config_t{rate,   burst, period, reserve_essential,
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
  static Status validate(const Config& config) noexcept {
    failwell_limiter_t scratch{};
    const failwell_limiter_config_t c = config.to_c();
    return failwell_limiter_init(&scratch, &c);
  }

  /// Admits `cost` units of `tier` work at `now`, or says why not.
  /// Thread-safe; never throws.
  Decision try_acquire(std::uint64_t now, std::uint32_t cost = 1,
                       Tier tier = Tier::Essential) noexcept {
    std::uint64_t retry_after = UINT64_MAX;
    const Status status = failwell_limiter_acquire(
        &raw_, now, cost, static_cast<failwell_tier_t>(tier), &retry_after);
    return Decision(status, retry_after);
  }

  /// What each tier could take at `now`. Thread-safe; never throws.
  Snapshot snapshot(std::uint64_t now) const noexcept {
    failwell_limiter_snapshot_t s{};
    if (failwell_limiter_snapshot(&raw_, now, &s) != FAILWELL_OK) {
      // Unreachable for a constructed limiter; report nothing available.
      return Snapshot{0, 0, 0, UINT64_MAX};
    }
    return Snapshot{s.essential, s.important, s.optional, s.full_in};
  }

  /// The largest cost `tier` can ever be admitted for: the burst less the
  /// reserves held back from it. 0 for a value that is not a Tier.
  std::uint32_t capacity(Tier tier) const noexcept {
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

}  // namespace failwell

#endif  // FAILWELL_HPP
