//! Test firmware: failwell's rate limiter and circuit breaker on a real
//! Cortex-M core (under QEMU).
//!
//! Every check compares what the primitive did with the value the algorithm
//! prescribes, and prints one line over semihosting. The firmware exits with
//! `EXIT_SUCCESS` only when every check passed, after printing [`SUCCESS`];
//! any failed check, panic or fault exits with `EXIT_FAILURE`.
//!
//! Run by `cargo xtask embedded` on `thumbv6m-none-eabi` (`-machine microbit`,
//! Cortex-M0, no compare-and-swap) and `thumbv7m-none-eabi` (`-machine
//! mps2-an385`, Cortex-M3). Neither has 64-bit atomics, so the limiter keeps
//! its state in a critical section, which this firmware implements (cortex-m's
//! `critical-section-single-core`: PRIMASK). The breaker's 64-bit words do the
//! same; its 8- and 32-bit atomics are native on the Cortex-M3 and go through
//! portable-atomic's critical-section fallback on the Cortex-M0, which has no
//! compare-and-swap. The breaker's checks are in [`breaker`].
//!
//! Time from a wrapping 32-bit counter read by both the main thread and the
//! PendSV handler goes through one `SharedTickExtender` ([`now`]), so both
//! contexts agree on it across the counter's wraps.
#![no_std]
#![no_main]

mod breaker;
mod bulkhead;

use core::cell::Cell;
use core::fmt::Debug;
use core::hint::black_box;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use cortex_m::peripheral::SCB;
use cortex_m_rt::{entry, exception, ExceptionFrame};
use cortex_m_semihosting::debug::{self, EXIT_FAILURE, EXIT_SUCCESS};
use cortex_m_semihosting::hprintln;
use critical_section::Mutex;
use failwell::time::{SharedTickExtender, TickExtender};
use failwell::{LimiterConfig, LimiterConfigError, RateLimiter, Rejection, Snapshot, Tier};

/// The line `cargo xtask embedded` looks for; printed only when every check passed.
const SUCCESS: &str = "failwell-embedded: all checks passed";

/// A limiter for a `static`: an invalid config is a compile-time error.
const fn limiter(config: LimiterConfig) -> RateLimiter {
    match RateLimiter::new(config) {
        Ok(limiter) => limiter,
        Err(_) => panic!("invalid limiter config"),
    }
}

/// 10 units per 1_000 ticks (one unit per 100 ticks), bursts of 5.
static BURST: RateLimiter = limiter(LimiterConfig::new(10, 1_000, 5));
/// Bursts of 10, of which 2 are kept for Essential work and 3 more for
/// Essential and Important work: capacities 10, 8 and 5.
static TIERED: RateLimiter = limiter(LimiterConfig::new(10, 1_000, 10).with_reserve(2, 3));
/// One unit per 1_000 ticks, bursts of 2: fed by a wrapping 32-bit counter.
static WRAP: RateLimiter = limiter(LimiterConfig::new(1, 1_000, 2));
/// Same shape as `BURST`, for time going backwards.
static BACKWARDS: RateLimiter = limiter(LimiterConfig::new(10, 1_000, 5));
/// Same shape as `BURST`, for `now = u64::MAX`.
static CLOCK_JUMP: RateLimiter = limiter(LimiterConfig::new(10, 1_000, 5));
/// Same shape as `BURST`, for far-future readings and reset.
static CLOCK_FAULT: RateLimiter = limiter(LimiterConfig::new(10, 1_000, 5));
/// Same shape as `BURST`, shared by the main thread and the PendSV handler.
static SHARED: RateLimiter = limiter(LimiterConfig::new(10, 1_000, 5));
/// One unit per 1_000 ticks, no burst: both contexts call it at [`now`].
static CLOCKED: RateLimiter = limiter(LimiterConfig::new(1, 1_000, 1));

/// The 32-bit hardware counter both the main thread and the PendSV handler
/// read, as they would a timer register; the checks set it, so they choose
/// when it wraps.
static COUNTER: Mutex<Cell<u32>> = Mutex::new(Cell::new(0));
/// The one extender of [`COUNTER`] that every context feeds.
static CLOCK: SharedTickExtender = SharedTickExtender::new();
/// The ticks the PendSV handler last read from [`CLOCK`].
static IRQ_CLOCK: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// Moves the hardware counter to `raw` (time passing, as the checks want it).
fn set_counter(raw: u32) {
    critical_section::with(|cs| COUNTER.borrow(cs).set(raw));
}

/// Reads the hardware counter.
fn read_counter() -> u32 {
    critical_section::with(|cs| COUNTER.borrow(cs).get())
}

/// Ticks now, in any context: the counter, extended by the shared [`CLOCK`].
fn now() -> u64 {
    CLOCK.extend(read_counter())
}

/// The `now` both the main thread and the PendSV handler use for `SHARED`.
const IRQ_NOW: u64 = 50_000;
/// What the PendSV handler's `try_acquire` returned, and how often it ran.
static IRQ_RESULT: Mutex<Cell<Option<Result<(), Rejection>>>> = Mutex::new(Cell::new(None));
static IRQ_CALLS: Mutex<Cell<u32>> = Mutex::new(Cell::new(0));

/// What the PendSV handler does when it next runs.
#[derive(Clone, Copy)]
enum IrqJob {
    /// `SHARED.try_acquire(IRQ_NOW, 1, Essential)`.
    Limiter,
    /// A call to the breaker at this `now` ([`breaker::in_interrupt`]).
    Breaker(u64),
    /// `CLOCKED.try_acquire(now(), 1, Essential)`, the ticks kept in `IRQ_CLOCK`.
    ClockedLimiter,
    /// A probe of the wrapping breaker at [`now`] ([`breaker::probe_in_interrupt`]).
    ClockedBreaker,
    /// Take a bulkhead slot of this tier and keep it, or free the one kept
    /// ([`bulkhead::in_interrupt`]).
    Bulkhead(Option<Tier>),
}

static IRQ_JOB: Mutex<Cell<IrqJob>> = Mutex::new(Cell::new(IrqJob::Limiter));

#[exception]
fn PendSV() {
    match critical_section::with(|cs| IRQ_JOB.borrow(cs).get()) {
        IrqJob::Limiter => {
            let result = SHARED.try_acquire(IRQ_NOW, 1, Tier::Essential);
            critical_section::with(|cs| IRQ_RESULT.borrow(cs).set(Some(result)));
        }
        IrqJob::Breaker(now) => breaker::in_interrupt(now),
        IrqJob::ClockedLimiter => {
            let now = now();
            let result = CLOCKED.try_acquire(now, 1, Tier::Essential);
            critical_section::with(|cs| {
                IRQ_CLOCK.borrow(cs).set(now);
                IRQ_RESULT.borrow(cs).set(Some(result));
            });
        }
        IrqJob::ClockedBreaker => breaker::probe_in_interrupt(),
        IrqJob::Bulkhead(acquire) => bulkhead::in_interrupt(acquire),
    }
    critical_section::with(|cs| {
        let calls = IRQ_CALLS.borrow(cs);
        calls.set(calls.get().wrapping_add(1));
    });
}

/// Sets what the PendSV handler does when it next runs.
fn set_irq_job(job: IrqJob) {
    critical_section::with(|cs| IRQ_JOB.borrow(cs).set(job));
}

/// How often the PendSV handler has run.
fn irq_calls() -> u32 {
    critical_section::with(|cs| IRQ_CALLS.borrow(cs).get())
}

/// Pends PendSV; its handler runs as soon as interrupts are not masked.
fn pend_pendsv() {
    SCB::set_pendsv();
    // The write reaches the SCB, then the pipeline sees the pending exception.
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
}

/// Waits (boundedly) until the PendSV handler has run `calls` times in all.
fn wait_for_irq_calls(calls: u32) {
    for _ in 0..10_000 {
        if irq_calls() >= calls {
            break;
        }
    }
}

/// Waits (boundedly) until the PendSV handler has run `calls` times in all,
/// and returns its latest limiter result.
fn wait_for_pendsv(calls: u32) -> Option<Result<(), Rejection>> {
    wait_for_irq_calls(calls);
    irq_result()
}

fn irq_result() -> Option<Result<(), Rejection>> {
    critical_section::with(|cs| IRQ_RESULT.borrow(cs).get())
}

/// Runs `job` in the PendSV handler and waits for it.
fn run_in_interrupt(job: IrqJob) {
    let calls = irq_calls();
    set_irq_job(job);
    pend_pendsv();
    wait_for_irq_calls(calls.wrapping_add(1));
}

/// Counts and prints checks.
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn eq<T: PartialEq + Debug>(&mut self, name: &str, got: T, expected: T) {
        if got == expected {
            self.passed = self.passed.wrapping_add(1);
            hprintln!("ok   {}: {:?}", name, got);
        } else {
            self.failed = self.failed.wrapping_add(1);
            hprintln!("FAIL {}: got {:?}, expected {:?}", name, got, expected);
        }
    }
}

fn limited(retry_after: u64) -> Result<(), Rejection> {
    Err(Rejection::RateLimited { retry_after })
}

fn snapshot(essential: u32, important: u32, optional: u32, full_in: u64) -> Snapshot {
    Snapshot { essential, important, optional, full_in }
}

/// Bursts, exact `retry_after`, refusals that never admit, snapshots.
fn burst(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    let t0 = 10_000;
    c.eq("static: interval is ceil(1000/10)", BURST.interval(), 100);
    c.eq("static: capacity", BURST.capacity(E), 5);
    c.eq("static: full at start", BURST.snapshot(t0), snapshot(5, 5, 5, 0));
    let admitted = (0..5).filter(|_| BURST.try_acquire(t0, 1, E).is_ok()).count();
    c.eq("burst: 5 of 5 admitted at one instant", admitted, 5);
    c.eq("burst: 6th refused", BURST.try_acquire(t0, 1, E), limited(100));
    c.eq("burst: cost 3 refused", BURST.try_acquire(t0, 3, E), limited(300));
    c.eq("burst: empty", BURST.snapshot(t0), snapshot(0, 0, 0, 500));
    c.eq("burst: 1 tick early", BURST.try_acquire(t0 + 99, 1, E), limited(1));
    c.eq("burst: at retry_after", BURST.try_acquire(t0 + 100, 1, E), Ok(()));
    c.eq("burst: then refused", BURST.try_acquire(t0 + 100, 1, E), limited(100));
    c.eq("refill: 2.5 units later", BURST.snapshot(t0 + 350), snapshot(2, 2, 2, 250));
    c.eq("refill: cost 2", BURST.try_acquire(t0 + 350, 2, E), Ok(()));
    c.eq("refill: after", BURST.snapshot(t0 + 350), snapshot(0, 0, 0, 450));
    c.eq("refill: full again", BURST.snapshot(t0 + 800), snapshot(5, 5, 5, 0));
    c.eq("cost 0", BURST.try_acquire(t0 + 800, 0, E), Err(Rejection::ZeroCost));
    c.eq(
        "cost above burst",
        BURST.try_acquire(t0 + 800, 6, E),
        Err(Rejection::CostExceedsCapacity),
    );
    c.eq("refusals took nothing", BURST.snapshot(t0 + 800), snapshot(5, 5, 5, 0));
}

/// Optional is shed first, then Important; Essential keeps its reserve.
fn tiers(c: &mut Checks) {
    use Tier::{Essential as E, Important as I, Optional as O};
    let t = &TIERED;
    c.eq("tiers: capacities", [t.capacity(E), t.capacity(I), t.capacity(O)], [10, 8, 5]);
    c.eq("tiers: full", t.snapshot(0), snapshot(10, 8, 5, 0));
    c.eq("tiers: Optional takes its 5", t.try_acquire(0, 5, O), Ok(()));
    c.eq("tiers: Optional shed", t.try_acquire(0, 1, O), limited(100));
    c.eq("tiers: Important still admitted", t.try_acquire(0, 1, I), Ok(()));
    c.eq("tiers: Essential still admitted", t.try_acquire(0, 1, E), Ok(()));
    c.eq("tiers: snapshot", t.snapshot(0), snapshot(3, 1, 0, 700));
    c.eq("tiers: Important takes its last", t.try_acquire(0, 1, I), Ok(()));
    c.eq("tiers: Important shed", t.try_acquire(0, 1, I), limited(100));
    c.eq("tiers: Essential takes its reserve", t.try_acquire(0, 2, E), Ok(()));
    c.eq("tiers: Essential refused when empty", t.try_acquire(0, 1, E), limited(100));
    c.eq("tiers: Optional waits for its share", t.try_acquire(0, 1, O), limited(600));
    c.eq("tiers: empty", t.snapshot(0), snapshot(0, 0, 0, 1_000));
    c.eq(
        "tiers: Important cost above its capacity",
        t.try_acquire(0, 9, I),
        Err(Rejection::CostExceedsCapacity),
    );
    c.eq("tiers: refilled 6", t.snapshot(600), snapshot(6, 4, 1, 400));
    c.eq("tiers: Optional admitted again", t.try_acquire(600, 1, O), Ok(()));
}

/// A wrapping 32-bit counter, extended, keeps the limiter's time monotonic.
fn tick_extender(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    let mut clock = TickExtender::new();
    let before = clock.extend(black_box(u32::MAX - 499));
    c.eq("wrap: reading before the wrap", before, u64::from(u32::MAX) - 499);
    c.eq("wrap: burst of 2", WRAP.try_acquire(before, 2, E), Ok(()));
    c.eq("wrap: 3rd refused", WRAP.try_acquire(before, 1, E), limited(1_000));
    // The counter wraps: 500 ticks to reach 2^32, then 500 more.
    let after = clock.extend(black_box(500));
    c.eq("wrap: reading after the wrap", after, (1 << 32) + 500);
    c.eq("wrap: admitted 1000 ticks on", WRAP.try_acquire(after, 1, E), Ok(()));
    c.eq("wrap: then refused", WRAP.try_acquire(after, 1, E), limited(1_000));
    // The raw reading looks like time going back by 2^32 ticks, far more than
    // two buckets: a clock fault of the extended readings. The limiter starts
    // over from the empty bucket at 500.
    c.eq("wrap: raw reading is a clock fault", WRAP.try_acquire(500, 1, E), limited(1_000));
    c.eq("wrap: empty bucket at 500", WRAP.snapshot(500), snapshot(0, 0, 0, 2_000));
}

/// An earlier `now`, by up to two buckets, can only refuse more, and when it
/// admits, leaves the state admitting at the latest time would have.
fn backwards(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    let b = &BACKWARDS;
    c.eq("backwards: burst at 5000", b.try_acquire(5_000, 5, E), Ok(()));
    c.eq("backwards: at 4600 refused", b.try_acquire(4_600, 1, E), limited(500));
    c.eq("backwards: snapshot at 4600", b.snapshot(4_600), snapshot(0, 0, 0, 900));
    c.eq("backwards: forward to 5600", b.try_acquire(5_600, 1, E), Ok(()));
    c.eq("backwards: 50 back, admitted", b.try_acquire(5_550, 1, E), Ok(()));
    c.eq("backwards: state as if at 5600", b.snapshot(5_600), snapshot(3, 3, 3, 200));
    c.eq("backwards: two buckets back, refused", b.try_acquire(4_800, 1, E), limited(600));
    c.eq("backwards: refusal left state", b.snapshot(5_600), snapshot(3, 3, 3, 200));
}

/// `now = u64::MAX` (a clock jump) is refused and changes nothing.
fn clock_jump(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    let j = &CLOCK_JUMP;
    c.eq("u64::MAX: refused", j.try_acquire(u64::MAX, 1, E), limited(u64::MAX));
    // The snapshot agrees: nothing fits at the very end, near it only what
    // still fits below u64::MAX.
    c.eq("u64::MAX: snapshot", j.snapshot(u64::MAX), snapshot(0, 0, 0, 0));
    c.eq("u64::MAX: snapshot 250 before", j.snapshot(u64::MAX - 250), snapshot(2, 2, 2, 0));
    c.eq("u64::MAX: sane clock, full burst", j.try_acquire(1_000, 5, E), Ok(()));
    c.eq("u64::MAX: sane clock, 6th refused", j.try_acquire(1_000, 1, E), limited(100));
}

/// A far-future reading, once the clock is sane again, is a clock fault: the
/// limiter starts over from an empty bucket. Reset fills the bucket at once.
fn clock_fault(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    let f = &CLOCK_FAULT;
    c.eq("fault: sane admission", f.try_acquire(1_000, 1, E), Ok(()));
    c.eq("fault: 2^40 admitted", f.try_acquire(1 << 40, 1, E), Ok(()));
    c.eq("fault: snapshot reads it empty", f.snapshot(1_000), snapshot(0, 0, 0, 500));
    c.eq("fault: first sane request refused", f.try_acquire(1_000, 1, E), limited(100));
    c.eq("fault: admitted a unit later", f.try_acquire(1_100, 1, E), Ok(()));
    c.eq("fault: refilled on schedule", f.snapshot(1_600), snapshot(5, 5, 5, 0));
    c.eq("fault: u64::MAX - 100 admitted", f.try_acquire(u64::MAX - 100, 1, E), Ok(()));
    c.eq("fault: sane again, refused", f.try_acquire(2_000, 2, E), limited(200));
    f.reset(2_000);
    c.eq("fault: full after reset", f.snapshot(2_000), snapshot(5, 5, 5, 0));
    c.eq("fault: burst after reset", f.try_acquire(2_000, 5, E), Ok(()));
}

/// Every invalid config is refused with its reason; a valid one is accepted.
fn bad_configs(c: &mut Checks) {
    use LimiterConfigError as Error;
    fn check(c: &mut Checks, name: &str, config: LimiterConfig, expected: Error) {
        let got = RateLimiter::new(black_box(config)).err();
        c.eq(name, got, Some(expected));
    }
    let valid = LimiterConfig::new(10, 1_000, 5);
    check(c, "config: rate 0", LimiterConfig::new(0, 1_000, 5), Error::ZeroRate);
    check(c, "config: period 0", LimiterConfig::new(10, 0, 5), Error::ZeroPeriod);
    check(c, "config: burst 0", LimiterConfig::new(10, 1_000, 0), Error::ZeroBurst);
    check(
        c,
        "config: rate > period",
        LimiterConfig::new(1_001, 1_000, 5),
        Error::RateAboveOnePerTick,
    );
    check(
        c,
        "config: burst x interval > u64",
        LimiterConfig::new(1, u64::MAX, 2),
        Error::BurstTooLong,
    );
    check(c, "config: reserves = burst", valid.with_reserve(3, 2), Error::ReserveTooLarge);
    check(
        c,
        "config: reserves overflow u32",
        valid.with_reserve(u32::MAX, 1),
        Error::ReserveTooLarge,
    );
    let accepted = RateLimiter::new(black_box(valid.with_reserve(2, 2)));
    c.eq(
        "config: reserves leaving 1 accepted",
        accepted.map(|l| l.capacity(Tier::Optional)),
        Ok(1),
    );
}

/// An interrupt handler admits from the state the main thread left, and the
/// main thread sees what it took.
fn interrupt(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    c.eq("irq: main takes 4 of 5", SHARED.try_acquire(IRQ_NOW, 4, E), Ok(()));
    // Pended inside a critical section, the handler must wait for its end.
    let inside = critical_section::with(|_| {
        pend_pendsv();
        irq_result()
    });
    c.eq("irq: masked in critical section", inside, None);
    c.eq("irq: handler took the 5th", wait_for_pendsv(1), Some(Ok(())));
    c.eq("irq: main sees it", SHARED.try_acquire(IRQ_NOW, 1, E), limited(100));
    pend_pendsv();
    c.eq("irq: handler refused", wait_for_pendsv(2), Some(limited(100)));
    let calls = critical_section::with(|cs| IRQ_CALLS.borrow(cs).get());
    c.eq("irq: handler ran twice", calls, 2);
}

/// The main thread and the PendSV handler read one counter through one
/// `SharedTickExtender`, so they agree on the time across its wrap, even when
/// the handler is the first to read the counter after it.
fn shared_clock(c: &mut Checks) {
    const E: Tier = Tier::Essential;
    set_counter(u32::MAX - 499);
    let before = now();
    c.eq("clock: main reads before the wrap", before, u64::from(u32::MAX) - 499);
    c.eq("clock: main takes the unit", CLOCKED.try_acquire(before, 1, E), Ok(()));
    // The counter wraps: 500 ticks to reach 2^32, then 500 more.
    set_counter(500);
    run_in_interrupt(IrqJob::ClockedLimiter);
    c.eq("clock: handler admitted 1000 ticks on", irq_result(), Some(Ok(())));
    let irq_now = critical_section::with(|cs| IRQ_CLOCK.borrow(cs).get());
    c.eq("clock: handler saw the wrap", irq_now, (1 << 32) + 500);
    c.eq("clock: main agrees", now(), (1 << 32) + 500);
    // The handler pre-empts main between its reading and feeding it: main's
    // reading is then the earlier tick it is, not a wrap on.
    set_counter(600);
    let raw = read_counter();
    set_counter(700);
    run_in_interrupt(IrqJob::ClockedLimiter);
    c.eq("clock: handler refused at 700", irq_result(), Some(limited(800)));
    c.eq("clock: main's late reading", CLOCK.extend(raw), (1 << 32) + 600);
    c.eq("clock: latest kept", CLOCK.last(), (1 << 32) + 700);
    // An extender of the handler's own, first fed after the wrap, is 2^32
    // ticks behind: more than the limiter's horizon, so the limiter takes
    // it as a clock fault and re-bases to an empty bucket at that reading
    // (the time model). Before the clock-fault rule it was refused for
    // about 2^32 ticks; with one shared extender it cannot happen.
    let own = TickExtender::new().extend(black_box(500));
    c.eq(
        "clock: an own extender lags: a clock fault",
        CLOCKED.try_acquire(own, 1, E),
        limited(1_000),
    );
}

#[entry]
fn main() -> ! {
    hprintln!(
        "failwell-embedded: {}, limiter state {}",
        env!("FIRMWARE_TARGET"),
        if cfg!(target_has_atomic = "64") { "in an AtomicU64" } else { "in a critical section" }
    );
    hprintln!(
        "failwell-embedded: breaker words {}, its 8/32-bit atomics {}; size_of Breaker<8, 4, &EventRing<16>> = {} B",
        if cfg!(target_has_atomic = "64") { "in AtomicU64s" } else { "in critical sections" },
        if cfg!(target_has_atomic = "32") { "native" } else { "in critical sections (portable-atomic)" },
        core::mem::size_of::<breaker::MainBreaker>()
    );
    let mut checks = Checks { passed: 0, failed: 0 };
    burst(&mut checks);
    tiers(&mut checks);
    tick_extender(&mut checks);
    backwards(&mut checks);
    clock_jump(&mut checks);
    clock_fault(&mut checks);
    bad_configs(&mut checks);
    interrupt(&mut checks);
    shared_clock(&mut checks);
    breaker::run(&mut checks);
    bulkhead::run(&mut checks);
    hprintln!("failwell-embedded: {} passed, {} failed", checks.passed, checks.failed);
    if checks.failed == 0 && checks.passed > 0 {
        hprintln!("{}", SUCCESS);
        debug::exit(EXIT_SUCCESS);
    } else {
        debug::exit(EXIT_FAILURE);
    }
    // Only reached when a debugger resumes after the exit request.
    loop {
        cortex_m::asm::wfi();
    }
}

static PANICKED: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    // Print once: a panic while printing must not recurse.
    if !PANICKED.load(Ordering::Relaxed) {
        PANICKED.store(true, Ordering::Relaxed);
        hprintln!("failwell-embedded: panicked: {}", info);
    }
    debug::exit(EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

// cortex-m-rt requires the HardFault and DefaultHandler handlers to be
// `unsafe fn`; neither has an unsafe operation in it.
#[exception]
unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
    // Exit at once rather than spin until the runner's timeout.
    debug::exit(EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[exception]
unsafe fn DefaultHandler(_irqn: i16) {
    debug::exit(EXIT_FAILURE);
}
