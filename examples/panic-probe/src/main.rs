//! Panic probe: proves by linking that failwell and failwell-ffi have no
//! reachable panic in a release build (`cargo xtask panic-check`).
//!
//! The binary is `#![no_std]` and calls every `#[no_mangle]` function of the C
//! ABI and every public method of the core through function pointers hidden
//! behind `black_box`, with `black_box` inputs, so nothing is inlined away or
//! constant-folded and every code path of every entry point is in the output.
//! Its panic handler calls [`failwell_panic_is_reachable`], which is defined
//! nowhere: if any panic survives optimisation, the link fails naming that
//! symbol. `cargo xtask panic-check` then also scans the output's symbols for
//! the panic machinery and for every entry point (so it cannot pass because
//! the code was not there).
//!
//! Features, for the check's self-test:
//! - `plant-panic` adds `black_box(None::<u32>).unwrap()`: the link must fail;
//! - with `defined-panic-handler` as well, the handler is an endless loop, so
//!   the binary links and the symbol scan must find the panic machinery.
//!
//! Never run: on Cortex-M it has no vector table, on the host no libc. The
//! entry point `_start` only anchors the code.
#![no_std]
#![no_main]

use core::fmt::{self, Write};
use core::hash::{Hash, Hasher};
use core::hint::black_box;
use core::mem::MaybeUninit;

use failwell::breaker::{
    self, Breaker, ConfigError, EventRing, Observer, Outcome, Reason, Recorded, State, Ticket,
    TierPolicy, Transition, WindowStats,
};
use failwell::bulkhead::{self, Bulkhead};
use failwell::time::TickExtender;
use failwell::{Fixed, LimiterConfig, LimiterConfigError, RateLimiter, Rejection, Snapshot, Tier};
use failwell_ffi::{
    failwell_breaker_acquire, failwell_breaker_config_default, failwell_breaker_config_t,
    failwell_breaker_disable, failwell_breaker_failure, failwell_breaker_failure_latency,
    failwell_breaker_force_open, failwell_breaker_ignore, failwell_breaker_init,
    failwell_breaker_latency, failwell_breaker_reset, failwell_breaker_snapshot,
    failwell_breaker_snapshot_t, failwell_breaker_success, failwell_breaker_t,
    failwell_limiter_acquire, failwell_limiter_capacity, failwell_limiter_config_t,
    failwell_limiter_init, failwell_limiter_reset, failwell_limiter_snapshot,
    failwell_limiter_snapshot_t, failwell_limiter_t, failwell_permit_t, failwell_status_str,
    failwell_status_t, failwell_tier_t, failwell_version,
};

// The binary picks the critical-section implementation, as firmware does.
#[cfg(target_arch = "arm")]
use cortex_m as _;

#[cfg(not(feature = "defined-panic-handler"))]
extern "C" {
    /// Defined nowhere, on purpose: a reference to it is a reachable panic.
    fn failwell_panic_is_reachable() -> !;
}

#[cfg(not(feature = "defined-panic-handler"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: never executes in a binary that links: the symbol does not
    // exist, so a binary in which this call is reachable fails to link.
    unsafe { failwell_panic_is_reachable() }
}

#[cfg(feature = "defined-panic-handler")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The memory functions the compiler calls for large copies (a breaker is
/// hundreds of bytes), which a hosted target takes from the C library. The
/// probe links no C library there, so it brings its own: byte loops through
/// volatile accesses, which the optimiser cannot turn back into calls to
/// these very functions. (Bare-metal targets get them from compiler-builtins.)
#[cfg(not(target_os = "none"))]
mod mem {
    use core::ptr::{read_volatile, write_volatile};

    /// # Safety
    ///
    /// As C's `memcpy`.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: as C's `memmove`, which asks no more than `memcpy`.
        unsafe { memmove(dest, src, n) }
    }

    /// # Safety
    ///
    /// As C's `memmove`.
    #[no_mangle]
    pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        if (dest as usize) < (src as usize) {
            for i in 0..n {
                // SAFETY: i < n, within both regions per C's contract.
                let byte = unsafe { read_volatile(src.add(i)) };
                // SAFETY: as above.
                unsafe { write_volatile(dest.add(i), byte) };
            }
        } else {
            for i in (0..n).rev() {
                // SAFETY: i < n, within both regions per C's contract.
                let byte = unsafe { read_volatile(src.add(i)) };
                // SAFETY: as above.
                unsafe { write_volatile(dest.add(i), byte) };
            }
        }
        dest
    }

    /// # Safety
    ///
    /// As C's `memset`.
    #[no_mangle]
    pub unsafe extern "C" fn memset(dest: *mut u8, value: i32, n: usize) -> *mut u8 {
        // C's memset stores the value converted to unsigned char.
        let byte = value.to_le_bytes()[0];
        for i in 0..n {
            // SAFETY: i < n, within the region per C's contract.
            unsafe { write_volatile(dest.add(i), byte) };
        }
        dest
    }

    /// # Safety
    ///
    /// As C's `memcmp`.
    #[no_mangle]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        for i in 0..n {
            // SAFETY: i < n, within both regions per C's contract.
            let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
            if x != y {
                return i32::from(x) - i32::from(y);
            }
        }
        0
    }

    /// # Safety
    ///
    /// As C's `bcmp`.
    #[no_mangle]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: as C's `memcmp`, which asks the same.
        unsafe { memcmp(a, b, n) }
    }
}

/// A value the compiler cannot see.
fn input<T>(value: T) -> T {
    black_box(value)
}

/// Consumes a result so it is computed.
fn sink<T>(value: T) {
    black_box(value);
}

/// A limiter built at compile time, as firmware builds its `static`s.
static LIMITER: RateLimiter = match RateLimiter::new(LimiterConfig::new(10, 1_000, 5)) {
    Ok(limiter) => limiter,
    Err(_) => panic!("invalid limiter config"), // a compile-time error
};

/// A `core::fmt::Write` that discards what it is given, opaquely.
struct FmtSink;

impl Write for FmtSink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        sink(s.as_ptr());
        sink(s.len());
        Ok(())
    }
}

/// A `Hasher` that keeps nothing, opaquely.
struct HashSink;

impl Hasher for HashSink {
    fn finish(&self) -> u64 {
        input(0)
    }
    fn write(&mut self, bytes: &[u8]) {
        sink(bytes.as_ptr());
        sink(bytes.len());
    }
}

/// Formats `value` with `{}` and `{:?}`.
fn format<T: fmt::Display + fmt::Debug>(value: &T) {
    sink(write!(FmtSink, "{value} {value:?}"));
}

// --- The public methods of the core, one opaque call each. ----------------

#[inline(never)]
fn probe_config_new(
    rate: u32,
    period: u64,
    burst: u32,
    essential: u32,
    important: u32,
) -> LimiterConfig {
    LimiterConfig::new(rate, period, burst).with_reserve(essential, important)
}

#[inline(never)]
fn probe_limiter_new(config: LimiterConfig) -> Result<RateLimiter, LimiterConfigError> {
    RateLimiter::new(config)
}

#[inline(never)]
fn probe_try_acquire(
    limiter: &RateLimiter,
    now: u64,
    cost: u32,
    tier: Tier,
) -> Result<(), Rejection> {
    limiter.try_acquire(now, cost, tier)
}

#[inline(never)]
fn probe_reset(limiter: &RateLimiter, now: u64) {
    limiter.reset(now);
}

#[inline(never)]
fn probe_snapshot(limiter: &RateLimiter, now: u64) -> Snapshot {
    limiter.snapshot(now)
}

#[inline(never)]
fn probe_capacity(limiter: &RateLimiter, tier: Tier) -> u32 {
    limiter.capacity(tier)
}

#[inline(never)]
fn probe_interval(limiter: &RateLimiter) -> u64 {
    limiter.interval()
}

#[inline(never)]
fn probe_available(snapshot: &Snapshot, tier: Tier) -> u32 {
    snapshot.available(tier)
}

#[inline(never)]
fn probe_tier_from_u32(value: u32) -> Option<Tier> {
    Tier::from_u32(value)
}

#[inline(never)]
fn probe_tick_extender(raw: u32, again: u32) -> u64 {
    let mut ticks = TickExtender::new();
    let first = ticks.extend(raw);
    let mut other = TickExtender::default();
    sink(other.extend(again));
    sink(ticks == other);
    first.wrapping_add(ticks.last())
}

/// `Display` and `Debug` of every public type that has them.
#[inline(never)]
fn probe_format(
    limiter: &RateLimiter,
    rejection: &Rejection,
    error: &LimiterConfigError,
    now: u64,
) {
    format(rejection);
    format(error);
    sink(write!(FmtSink, "{limiter:?} {:?}", limiter.snapshot(now)));
    sink(write!(
        FmtSink,
        "{:?} {:?} {:?}",
        Tier::ALL,
        LimiterConfig::new(1, 1, 1),
        TickExtender::new()
    ));
}

/// The derived comparisons and hashes.
#[inline(never)]
fn probe_derived(
    a: Tier,
    b: Tier,
    snapshot: &Snapshot,
    rejection: &Rejection,
    config: &LimiterConfig,
) {
    sink(a.cmp(&b));
    sink(a.partial_cmp(&b));
    sink(a == b);
    sink(*snapshot == input(*snapshot));
    sink(*rejection == input(*rejection));
    sink(*config == input(*config));
    let mut hasher = HashSink;
    a.hash(&mut hasher);
    snapshot.hash(&mut hasher);
    rejection.hash(&mut hasher);
    config.hash(&mut hasher);
    sink(hasher.finish());
}

fn core_api() {
    let tier = input(Tier::Optional);
    let other = input(Tier::Essential);
    let now = input(0u64);

    let config = input(probe_config_new as fn(u32, u64, u32, u32, u32) -> LimiterConfig)(
        input(10),
        input(1_000),
        input(5),
        input(1),
        input(1),
    );
    let built = input(
        probe_limiter_new as fn(LimiterConfig) -> Result<RateLimiter, LimiterConfigError>,
    )(config);
    let error = match &built {
        Ok(limiter) => {
            sink(input(
                probe_try_acquire as fn(&RateLimiter, u64, u32, Tier) -> Result<(), Rejection>,
            )(limiter, now, input(1), tier));
            input(LimiterConfigError::ZeroRate)
        }
        Err(error) => *error,
    };

    let limiter = input(&LIMITER);
    let acquired = input(
        probe_try_acquire as fn(&RateLimiter, u64, u32, Tier) -> Result<(), Rejection>,
    )(limiter, input(now), input(3), tier);
    let rejection = acquired.err().unwrap_or(Rejection::ZeroCost);
    input(probe_reset as fn(&RateLimiter, u64))(limiter, input(now));
    let snapshot = input(probe_snapshot as fn(&RateLimiter, u64) -> Snapshot)(limiter, input(now));
    sink(input(probe_capacity as fn(&RateLimiter, Tier) -> u32)(
        limiter, other,
    ));
    sink(input(probe_interval as fn(&RateLimiter) -> u64)(limiter));
    sink(input(probe_available as fn(&Snapshot, Tier) -> u32)(
        &snapshot, tier,
    ));
    sink(input(probe_tier_from_u32 as fn(u32) -> Option<Tier>)(
        input(7),
    ));
    sink(input(probe_tick_extender as fn(u32, u32) -> u64)(
        input(1),
        input(2),
    ));
    input(probe_format as fn(&RateLimiter, &Rejection, &LimiterConfigError, u64))(
        limiter,
        &input(rejection),
        &error,
        input(now),
    );
    input(probe_derived as fn(Tier, Tier, &Snapshot, &Rejection, &LimiterConfig))(
        tier, other, &snapshot, &rejection, &config,
    );
}

// --- The circuit breaker's public methods, with both kinds of window. -----

/// A breaker with a count window and time buckets.
type Windowed = Breaker<16, 8>;
/// A breaker with neither (consecutive failures only).
type Plain = Breaker<0, 0>;
/// A breaker that reports its transitions to an event ring.
type Observed = Breaker<4, 2, &'static EventRing<8>>;

/// Where the observed breaker reports.
static EVENTS: EventRing<8> = EventRing::new();

/// A breaker built at compile time, as firmware builds its `static`s.
static BREAKER: Windowed = match Breaker::new(
    breaker::Config::new(1_000)
        .trip_on_consecutive_failures(5)
        .trip_on_failure_rate(500, 4)
        .bucket_width(100),
) {
    Ok(breaker) => breaker,
    Err(_) => panic!("invalid breaker config"), // a compile-time error
};

/// Every builder method of the breaker's config, with opaque values.
#[inline(never)]
fn probe_breaker_config(
    open: u64,
    count: u16,
    wide: u32,
    small: u8,
    steps: &[u16],
    tier: Tier,
) -> breaker::Config {
    breaker::Config::new(open)
        .trip_on_consecutive_failures(count)
        .trip_on_failure_rate(count, wide)
        .trip_on_slow_calls(open, count)
        .bucket_width(open)
        .backoff(wide, open, open)
        .jitter(count, wide)
        .half_open(small, small, small, open)
        .ramp(steps, open)
        .tier(tier, TierPolicy::new(small != 0, small))
}

#[inline(never)]
fn probe_breaker_new(config: breaker::Config) -> Result<Windowed, ConfigError> {
    Breaker::new(config)
}

#[inline(never)]
fn probe_breaker_new_plain(config: breaker::Config) -> Result<Plain, ConfigError> {
    Breaker::new(config)
}

#[inline(never)]
fn probe_breaker_with_observer(config: breaker::Config) -> Result<Observed, ConfigError> {
    Breaker::with_observer(config, &EVENTS)
}

#[inline(never)]
fn probe_breaker_config_of(breaker: &Windowed) -> u64 {
    breaker.config().open_duration
}

/// `try_acquire`, and the permit dropped without an outcome.
#[inline(never)]
fn probe_breaker_try_acquire(breaker: &Windowed, now: u64, tier: Tier) -> Option<Ticket> {
    let permit = breaker.try_acquire(now, tier).ok()?;
    sink(permit.is_probe());
    Some(permit.ticket())
}

#[inline(never)]
fn probe_permit_success(breaker: &Windowed, now: u64, tier: Tier) -> Option<Recorded> {
    Some(breaker.try_acquire(now, tier).ok()?.success(now))
}

#[inline(never)]
fn probe_permit_failure(breaker: &Windowed, now: u64, tier: Tier) -> Option<Recorded> {
    Some(breaker.try_acquire(now, tier).ok()?.failure(now))
}

#[inline(never)]
fn probe_permit_latency(
    breaker: &Windowed,
    now: u64,
    tier: Tier,
    latency: u64,
) -> Option<Recorded> {
    Some(breaker.try_acquire(now, tier).ok()?.latency(now, latency))
}

#[inline(never)]
fn probe_permit_failure_after(
    breaker: &Windowed,
    now: u64,
    tier: Tier,
    latency: u64,
) -> Option<Recorded> {
    Some(
        breaker
            .try_acquire(now, tier)
            .ok()?
            .failure_after(now, latency),
    )
}

#[inline(never)]
fn probe_permit_success_unmeasured(breaker: &Windowed, now: u64, tier: Tier) -> Option<Recorded> {
    Some(breaker.try_acquire(now, tier).ok()?.success_unmeasured())
}

#[inline(never)]
fn probe_permit_failure_unmeasured(breaker: &Windowed, now: u64, tier: Tier) -> Option<Recorded> {
    Some(breaker.try_acquire(now, tier).ok()?.failure_unmeasured())
}

#[inline(never)]
fn probe_permit_ignore(breaker: &Windowed, now: u64, tier: Tier) -> Option<Recorded> {
    Some(breaker.try_acquire(now, tier).ok()?.ignore(now))
}

#[inline(never)]
fn probe_breaker_acquire(
    breaker: &Windowed,
    now: u64,
    tier: Tier,
) -> Result<Ticket, breaker::Rejection> {
    breaker.acquire(now, tier)
}

#[inline(never)]
fn probe_breaker_record(
    breaker: &Windowed,
    ticket: Ticket,
    now: u64,
    outcome: Outcome,
) -> Recorded {
    breaker.record(ticket, now, outcome)
}

#[inline(never)]
fn probe_breaker_force_open(breaker: &Windowed, now: u64) {
    breaker.force_open(now);
}

#[inline(never)]
fn probe_breaker_disable(breaker: &Windowed, now: u64) {
    breaker.disable(now);
}

#[inline(never)]
fn probe_breaker_reset(breaker: &Windowed, now: u64) {
    breaker.reset(now);
}

#[inline(never)]
fn probe_breaker_snapshot(breaker: &Windowed, now: u64) -> breaker::Snapshot {
    breaker.snapshot(now)
}

#[inline(never)]
fn probe_breaker_state(breaker: &Windowed) -> State {
    breaker.state()
}

/// A breaker without windows: acquire, every outcome, the operator's
/// actions and a snapshot.
#[inline(never)]
fn probe_plain_breaker(breaker: &Plain, now: u64, tier: Tier, outcome: Outcome) -> Recorded {
    if let Ok(permit) = breaker.try_acquire(now, tier) {
        sink(permit.failure(now));
    }
    let recorded = match breaker.acquire(now, tier) {
        Ok(ticket) => breaker.record(ticket, now, outcome),
        Err(rejection) => {
            sink(rejection);
            Recorded::Stale
        }
    };
    breaker.force_open(now);
    breaker.disable(now);
    breaker.reset(now);
    sink(breaker.snapshot(now));
    sink(breaker.state());
    recorded
}

/// A breaker that reports to an event ring, and the ring drained.
#[inline(never)]
fn probe_observed_breaker(
    breaker: &Observed,
    now: u64,
    tier: Tier,
    outcome: Outcome,
) -> Option<Transition> {
    if let Ok(ticket) = breaker.acquire(now, tier) {
        sink(breaker.record(ticket, now, outcome));
    }
    breaker.reset(now);
    sink(breaker.snapshot(now));
    sink(EVENTS.dropped());
    EVENTS.pop()
}

#[inline(never)]
fn probe_event_ring(ring: &EventRing<8>, transition: Transition) -> Option<Transition> {
    ring.transition(transition);
    ().transition(transition);
    sink(EventRing::<2>::default().pop());
    sink(ring.dropped());
    ring.pop()
}

/// `Display` and `Debug` of the breaker's public types.
#[inline(never)]
fn probe_breaker_format(
    breaker: &Windowed,
    rejection: &breaker::Rejection,
    error: &ConfigError,
    ticket: &Ticket,
    transition: &Transition,
) {
    format(error);
    format(rejection);
    sink(write!(
        FmtSink,
        "{breaker:?} {:?} {ticket:?} {transition:?} {:?} {:?}",
        breaker.snapshot(input(0)),
        breaker.config(),
        EVENTS
    ));
    if let Ok(permit) = breaker.try_acquire(input(0), Tier::Essential) {
        sink(write!(FmtSink, "{permit:?}"));
    }
    sink(write!(
        FmtSink,
        "{:?} {:?} {:?} {:?} {:?}",
        Outcome::Latency(input(1)),
        Recorded::Stale,
        State::HalfOpen,
        Reason::Operator,
        WindowStats::default()
    ));
}

/// The derived comparisons and hashes of the breaker's public types.
#[inline(never)]
fn probe_breaker_derived(
    snapshot: &breaker::Snapshot,
    rejection: &breaker::Rejection,
    error: &ConfigError,
    ticket: &Ticket,
    transition: &Transition,
    config: &breaker::Config,
) {
    sink(*snapshot == input(*snapshot));
    sink(*rejection == input(*rejection));
    sink(*error == input(*error));
    sink(*ticket == input(*ticket));
    sink(*transition == input(*transition));
    sink(*config == input(*config));
    let outcome = input(Outcome::Failure);
    sink(outcome == input(Outcome::Success));
    let mut hasher = HashSink;
    snapshot.hash(&mut hasher);
    rejection.hash(&mut hasher);
    error.hash(&mut hasher);
    ticket.hash(&mut hasher);
    transition.hash(&mut hasher);
    config.hash(&mut hasher);
    outcome.hash(&mut hasher);
    input(Recorded::Counted).hash(&mut hasher);
    sink(hasher.finish());
}

fn breaker_api() {
    let tier = input(Tier::Important);
    let now = input(0u64);
    let config =
        input(probe_breaker_config as fn(u64, u16, u32, u8, &[u16], Tier) -> breaker::Config)(
            input(100),
            input(3),
            input(2_000),
            input(1),
            input(&[100u16, 500][..]),
            tier,
        );
    let built =
        input(probe_breaker_new as fn(breaker::Config) -> Result<Windowed, ConfigError>)(config);
    let error = match &built {
        Ok(windowed) => {
            sink(input(probe_breaker_config_of as fn(&Windowed) -> u64)(
                windowed,
            ));
            input(ConfigError::NoTripPolicy)
        }
        Err(error) => *error,
    };
    if let Ok(plain) =
        input(probe_breaker_new_plain as fn(breaker::Config) -> Result<Plain, ConfigError>)(config)
    {
        sink(input(
            probe_plain_breaker as fn(&Plain, u64, Tier, Outcome) -> Recorded,
        )(&plain, now, tier, input(Outcome::Failure)));
    }
    if let Ok(observed) = input(
        probe_breaker_with_observer as fn(breaker::Config) -> Result<Observed, ConfigError>,
    )(config)
    {
        sink(input(
            probe_observed_breaker as fn(&Observed, u64, Tier, Outcome) -> Option<Transition>,
        )(&observed, now, tier, input(Outcome::Ignored)));
    }

    let b = input(&BREAKER);
    type Report = fn(&Windowed, u64, Tier) -> Option<Recorded>;
    type ReportLatency = fn(&Windowed, u64, Tier, u64) -> Option<Recorded>;
    sink(input(
        probe_breaker_try_acquire as fn(&Windowed, u64, Tier) -> Option<Ticket>,
    )(b, now, tier));
    sink(input(probe_permit_success as Report)(b, input(1), tier));
    sink(input(probe_permit_failure as Report)(b, input(2), tier));
    sink(input(probe_permit_latency as ReportLatency)(
        b,
        input(3),
        tier,
        input(70),
    ));
    sink(input(probe_permit_failure_after as ReportLatency)(
        b,
        input(3),
        tier,
        input(80),
    ));
    sink(input(probe_permit_ignore as Report)(b, input(4), tier));
    sink(input(probe_permit_success_unmeasured as Report)(
        b,
        input(5),
        tier,
    ));
    sink(input(probe_permit_failure_unmeasured as Report)(
        b,
        input(6),
        tier,
    ));
    let acquired = input(
        probe_breaker_acquire as fn(&Windowed, u64, Tier) -> Result<Ticket, breaker::Rejection>,
    )(b, input(5), tier);
    let ticket = match acquired {
        Ok(ticket) => ticket,
        Err(rejection) => Ticket {
            generation: input(0),
            probe: input(0),
            grant: input(0),
            acquired_at: input(u64::from(rejection == breaker::Rejection::Ramp)),
        },
    };
    let rejection = acquired.err().unwrap_or(breaker::Rejection::NotProbing);
    sink(input(
        probe_breaker_record as fn(&Windowed, Ticket, u64, Outcome) -> Recorded,
    )(b, ticket, input(6), input(Outcome::Latency(9))));
    input(probe_breaker_force_open as fn(&Windowed, u64))(b, input(7));
    input(probe_breaker_disable as fn(&Windowed, u64))(b, input(8));
    input(probe_breaker_reset as fn(&Windowed, u64))(b, input(9));
    let snapshot =
        input(probe_breaker_snapshot as fn(&Windowed, u64) -> breaker::Snapshot)(b, input(10));
    sink(input(probe_breaker_state as fn(&Windowed) -> State)(b));
    let transition = Transition {
        from: input(State::Open),
        to: input(State::HalfOpen),
        generation: input(1),
        at: now,
        reason: input(Reason::OpenElapsed),
    };
    sink(input(
        probe_event_ring as fn(&EventRing<8>, Transition) -> Option<Transition>,
    )(&EVENTS, transition));
    input(
        probe_breaker_format
            as fn(&Windowed, &breaker::Rejection, &ConfigError, &Ticket, &Transition),
    )(b, &rejection, &error, &ticket, &transition);
    input(
        probe_breaker_derived
            as fn(
                &breaker::Snapshot,
                &breaker::Rejection,
                &ConfigError,
                &Ticket,
                &Transition,
                &breaker::Config,
            ),
    )(&snapshot, &rejection, &error, &ticket, &transition, &config);
}

// --- The bulkhead. ----------------------------------------------------------

/// The smallest bulkhead firmware builds: its config fixed at compile time.
struct Valves;
impl bulkhead::Policy for Valves {
    const CONFIG: bulkhead::Config = bulkhead::Config::new(4).tier_shares(1000, 500);
}
static VALVES: Bulkhead<Fixed<Valves>> = Bulkhead::fixed();

#[inline(never)]
fn probe_bulkhead_new(limit: u32, important: u16, optional: u16) -> Option<Bulkhead> {
    Bulkhead::new(bulkhead::Config::new(limit).tier_shares(important, optional)).ok()
}

/// Every builder of the adaptive limit, with opaque values.
#[inline(never)]
fn probe_bulkhead_adaptive(limit: u32, permille: u16, ticks: u64, aimd: bool) -> Option<Bulkhead> {
    let config = bulkhead::Config::new(limit).window(permille, ticks);
    let config = if aimd {
        config.aimd(limit, limit, permille, ticks)
    } else {
        config.gradient(limit, limit, permille, permille, permille)
    };
    Bulkhead::new(config).ok()
}

/// Every report a permit makes to an adaptive limit.
#[inline(never)]
fn probe_bulkhead_report(b: &Bulkhead, now: u64, tier: Tier, how: u32) -> Option<bool> {
    let permit = b.try_acquire(now, tier).ok()?;
    Some(match how {
        0 => permit.success(now),
        1 => permit.latency(now, now),
        _ => permit.dropped(now),
    })
}

/// `try_acquire`, the permit dropped or released.
#[inline(never)]
fn probe_bulkhead_acquire(b: &Bulkhead, now: u64, tier: Tier, release: bool) -> Option<bool> {
    let permit = b.try_acquire(now, tier).ok()?;
    sink(permit.tier());
    if release {
        Some(permit.release())
    } else {
        drop(permit);
        None
    }
}

#[inline(never)]
fn probe_bulkhead_rejection(b: &Bulkhead, now: u64, tier: Tier) -> Option<bulkhead::Rejection> {
    b.try_acquire(now, tier).err()
}

#[inline(never)]
fn probe_bulkhead_reset(b: &Bulkhead) {
    b.reset();
}

#[inline(never)]
fn probe_bulkhead_snapshot(b: &Bulkhead) -> bulkhead::Snapshot {
    b.snapshot()
}

#[inline(never)]
fn probe_fixed_bulkhead(tier: Tier) -> bool {
    VALVES.try_acquire(0, tier).is_ok()
}

/// `Display`, `Debug`, comparisons and hashes of the bulkhead's types.
#[inline(never)]
fn probe_bulkhead_format(
    b: &Bulkhead,
    rejection: &bulkhead::Rejection,
    error: &bulkhead::ConfigError,
    snapshot: &bulkhead::Snapshot,
) {
    format(rejection);
    format(error);
    sink(write!(
        FmtSink,
        "{b:?} {snapshot:?} {:?} {VALVES:?}",
        b.config()
    ));
    if let Ok(permit) = b.try_acquire(input(0), Tier::Essential) {
        sink(write!(FmtSink, "{permit:?}"));
    }
    sink(*rejection == input(*rejection));
    sink(*error == input(*error));
    sink(*snapshot == input(*snapshot));
    let mut hasher = HashSink;
    rejection.hash(&mut hasher);
    error.hash(&mut hasher);
    snapshot.hash(&mut hasher);
    b.config().hash(&mut hasher);
    sink(hasher.finish());
}

fn bulkhead_api() {
    let tier = input(Tier::Optional);
    let Some(b) = input(probe_bulkhead_new as fn(u32, u16, u16) -> Option<Bulkhead>)(
        input(8),
        input(850),
        input(600),
    ) else {
        return;
    };
    let b = &b;
    if let Some(adaptive) = input(
        probe_bulkhead_adaptive as fn(u32, u16, u64, bool) -> Option<Bulkhead>,
    )(input(8), input(900), input(100), input(true))
    {
        let report = input(probe_bulkhead_report as fn(&Bulkhead, u64, Tier, u32) -> Option<bool>);
        for how in 0..3 {
            sink(report(&adaptive, input(5), tier, input(how)));
        }
        sink(report(b, input(5), tier, input(0)));
    }
    sink(input(
        probe_bulkhead_acquire as fn(&Bulkhead, u64, Tier, bool) -> Option<bool>,
    )(b, input(0), tier, input(true)));
    let rejection = input(
        probe_bulkhead_rejection as fn(&Bulkhead, u64, Tier) -> Option<bulkhead::Rejection>,
    )(b, input(0), tier);
    input(probe_bulkhead_reset as fn(&Bulkhead))(b);
    let snapshot = input(probe_bulkhead_snapshot as fn(&Bulkhead) -> bulkhead::Snapshot)(b);
    sink(input(probe_fixed_bulkhead as fn(Tier) -> bool)(tier));
    if let Some(rejection) = rejection {
        input(
            probe_bulkhead_format
                as fn(&Bulkhead, &bulkhead::Rejection, &bulkhead::ConfigError, &bulkhead::Snapshot),
        )(
            b,
            &rejection,
            &input(bulkhead::ConfigError::ZeroLimit),
            &snapshot,
        );
    }
}

// --- Every `#[no_mangle]` function of the C ABI. ---------------------------

type Init = unsafe extern "C" fn(
    *mut failwell_limiter_t,
    *const failwell_limiter_config_t,
) -> failwell_status_t;
type Acquire = unsafe extern "C" fn(
    *mut failwell_limiter_t,
    u64,
    u32,
    failwell_tier_t,
    *mut u64,
) -> failwell_status_t;
type Reset = unsafe extern "C" fn(*mut failwell_limiter_t, u64) -> failwell_status_t;
type SnapshotFn = unsafe extern "C" fn(
    *const failwell_limiter_t,
    u64,
    *mut failwell_limiter_snapshot_t,
) -> failwell_status_t;
type Capacity =
    unsafe extern "C" fn(*const failwell_limiter_t, failwell_tier_t, *mut u32) -> failwell_status_t;
type StatusStr = extern "C" fn(u32) -> *const core::ffi::c_char;
type Version = extern "C" fn() -> *const core::ffi::c_char;

fn c_api() {
    let mut storage = MaybeUninit::<failwell_limiter_t>::uninit();
    let limiter = input(storage.as_mut_ptr());
    let config = failwell_limiter_config_t {
        rate: input(10),
        burst: input(5),
        period: input(1_000),
        reserve_essential: input(1),
        reserve_important: input(1),
    };
    let mut retry_after = 0u64;
    let mut snapshot = failwell_limiter_snapshot_t::default();
    let mut capacity = 0u32;
    // SAFETY: every pointer is null or valid for its type, as the C contract
    // asks; and the binary never runs (see the crate docs).
    unsafe {
        sink(input(failwell_limiter_init as Init)(
            limiter,
            input(&config),
        ));
        sink(input(failwell_limiter_acquire as Acquire)(
            limiter,
            input(0),
            input(1),
            input(2),
            input(&mut retry_after),
        ));
        sink(input(failwell_limiter_reset as Reset)(limiter, input(0)));
        sink(input(failwell_limiter_snapshot as SnapshotFn)(
            limiter,
            input(0),
            input(&mut snapshot),
        ));
        sink(input(failwell_limiter_capacity as Capacity)(
            limiter,
            input(1),
            input(&mut capacity),
        ));
    }
    sink(input(failwell_status_str as StatusStr)(input(200)));
    sink(input(failwell_version as Version)());
    sink((retry_after, snapshot, capacity));
}

type BreakerDefault =
    unsafe extern "C" fn(*mut failwell_breaker_config_t, u64) -> failwell_status_t;
type BreakerInit = unsafe extern "C" fn(
    *mut failwell_breaker_t,
    *const failwell_breaker_config_t,
) -> failwell_status_t;
type BreakerAcquire = unsafe extern "C" fn(
    *mut failwell_breaker_t,
    u64,
    failwell_tier_t,
    *mut failwell_permit_t,
    *mut u64,
) -> failwell_status_t;
type BreakerReport =
    unsafe extern "C" fn(*mut failwell_breaker_t, *mut failwell_permit_t, u64) -> failwell_status_t;
type BreakerLatency = unsafe extern "C" fn(
    *mut failwell_breaker_t,
    *mut failwell_permit_t,
    u64,
    u64,
) -> failwell_status_t;
type BreakerOperate = unsafe extern "C" fn(*mut failwell_breaker_t, u64) -> failwell_status_t;
type BreakerSnapshot = unsafe extern "C" fn(
    *const failwell_breaker_t,
    u64,
    *mut failwell_breaker_snapshot_t,
) -> failwell_status_t;

fn c_breaker_api() {
    let mut storage = MaybeUninit::<failwell_breaker_t>::uninit();
    let b = input(storage.as_mut_ptr());
    let mut config = MaybeUninit::<failwell_breaker_config_t>::uninit();
    let mut permit = failwell_permit_t::default();
    let mut retry_after = 0u64;
    let mut snapshot = failwell_breaker_snapshot_t::default();
    // SAFETY: every pointer is null or valid for its type, as the C contract
    // asks; and the binary never runs (see the crate docs).
    unsafe {
        let defaulted = input(failwell_breaker_config_default as BreakerDefault)(
            input(config.as_mut_ptr()),
            input(100),
        );
        if defaulted == failwell_status_t::FAILWELL_OK {
            // SAFETY: written by the call that just succeeded.
            let config = config.assume_init_ref();
            sink(write!(FmtSink, "{config:?}"));
        }
        sink(input(failwell_breaker_init as BreakerInit)(
            b,
            input(config.as_ptr()),
        ));
        sink(input(failwell_breaker_acquire as BreakerAcquire)(
            b,
            input(0),
            input(1),
            input(&mut permit),
            input(&mut retry_after),
        ));
        for report in [
            failwell_breaker_success as BreakerReport,
            failwell_breaker_failure,
            failwell_breaker_ignore,
        ] {
            sink(input(report)(b, input(&mut permit), input(1)));
        }
        for report in [
            failwell_breaker_latency as BreakerLatency,
            failwell_breaker_failure_latency,
        ] {
            sink(input(report)(b, input(&mut permit), input(2), input(50)));
        }
        for operate in [
            failwell_breaker_force_open as BreakerOperate,
            failwell_breaker_disable,
            failwell_breaker_reset,
        ] {
            sink(input(operate)(b, input(3)));
        }
        sink(input(failwell_breaker_snapshot as BreakerSnapshot)(
            b,
            input(4),
            input(&mut snapshot),
        ));
    }
    sink(write!(
        FmtSink,
        "{permit:?} {snapshot:?} {:?}",
        snapshot.count_window
    ));
    sink((permit, retry_after, snapshot));
}

/// The entry point: the linker keeps what it reaches.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    loop {
        c_api();
        c_breaker_api();
        core_api();
        breaker_api();
        bulkhead_api();
        #[cfg(feature = "plant-panic")]
        sink(input(None::<u32>).unwrap());
    }
}
