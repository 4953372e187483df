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

use failwell::time::TickExtender;
use failwell::{LimiterConfig, LimiterConfigError, RateLimiter, Rejection, Snapshot, Tier};
use failwell_ffi::{
    failwell_limiter_acquire, failwell_limiter_capacity, failwell_limiter_config_t,
    failwell_limiter_init, failwell_limiter_snapshot, failwell_limiter_snapshot_t,
    failwell_limiter_t, failwell_status_str, failwell_status_t, failwell_tier_t, failwell_version,
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

/// The entry point: the linker keeps what it reaches.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    loop {
        c_api();
        core_api();
        #[cfg(feature = "plant-panic")]
        sink(input(None::<u32>).unwrap());
    }
}
