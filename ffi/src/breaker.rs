//! `failwell_breaker_*`: the circuit breaker through the C ABI.
//!
//! The C breaker is `failwell::breaker::Breaker<100, 10>`: it judges rates
//! over the last [`FAILWELL_BREAKER_WINDOW_CALLS`] calls and over
//! [`FAILWELL_BREAKER_TIME_BUCKETS`] time buckets, and reports transitions to
//! no observer (read them with `failwell_breaker_snapshot`).
//!
//! # Permits
//!
//! An admitted call gets a [`failwell_permit_t`], the permit every door
//! issues (`permit.rs`: the check keyed to the breaker's address that
//! refuses a never-issued or foreign permit with `FAILWELL_PERMIT_INVALID`,
//! and the spent mark that makes a second report `FAILWELL_PERMIT_SPENT`).
//! Its fields are the breaker's [`Ticket`]: generation, probe slot and grant
//! number; a report of a ticket from an earlier generation, or of a probe
//! already reported, is `FAILWELL_PERMIT_STALE`.

use failwell::breaker::{
    self, Breaker, Config, Outcome, Recorded, Rejection, State, Ticket, TierPolicy, WindowStats,
};
use failwell::Tier;

use crate::failwell_status_t::{self, *};
use crate::failwell_tier_t;
use crate::object::{self, assert_storage_fits, write_opt, write_out, Object};
use crate::permit::{self, failwell_permit_t};

/// Calls in the breaker's count window: rates are judged over the last this
/// many calls (as well as over the time buckets).
pub const FAILWELL_BREAKER_WINDOW_CALLS: usize = 100;

/// Time buckets of the breaker's time window, each `bucket_width` ticks wide.
pub const FAILWELL_BREAKER_TIME_BUCKETS: usize = 10;

/// 64-bit words of storage in a `failwell_breaker_t`.
pub const FAILWELL_BREAKER_WORDS: usize = 55;

/// Ramp steps a config can hold (`ramp[]`).
pub const FAILWELL_BREAKER_MAX_RAMP_STEPS: usize = 4;

/// The most probes a half-open breaker lets through at once.
pub const FAILWELL_BREAKER_MAX_PROBES: u8 = 16;

const _: () = assert!(FAILWELL_BREAKER_MAX_RAMP_STEPS == breaker::MAX_RAMP_STEPS);
const _: () = assert!(FAILWELL_BREAKER_MAX_PROBES == breaker::MAX_PROBES);

/// The core breaker behind a `failwell_breaker_t`.
type CBreaker = Breaker<FAILWELL_BREAKER_WINDOW_CALLS, FAILWELL_BREAKER_TIME_BUCKETS>;

/// Bytes of a [`PaddedBreaker`]: the core breaker's size on 64-bit targets
/// and on 32-bit ARM and RISC-V, which align `u64` to 8.
const PADDED_BYTES: usize = 432;

/// The object a `failwell_breaker_t` holds: the core breaker, padded to
/// [`PADDED_BYTES`] so that `failwell_breaker_t` has one size on every
/// target. (32-bit x86 aligns `u64` to 4 inside structs, which makes the
/// core breaker 8 bytes smaller there.) A core breaker larger than
/// `PADDED_BYTES` fails to compile here.
#[repr(C)]
struct PaddedBreaker {
    breaker: CBreaker,
    padding: [u8; PADDED_BYTES - core::mem::size_of::<CBreaker>()],
}

impl PaddedBreaker {
    fn new(breaker: CBreaker) -> Self {
        Self {
            breaker,
            padding: [0; PADDED_BYTES - core::mem::size_of::<CBreaker>()],
        }
    }
}

/// Caller-allocated storage for a circuit breaker: exactly the size of the
/// Rust object and at least its alignment. Treat it as opaque; set it up with
/// `failwell_breaker_init` before any other call, and do not copy it after.
///
/// Aligned to 8 bytes everywhere, including where C aligns `uint64_t` to 4
/// (32-bit x86), because the Rust object holds 64-bit atomics.
#[repr(C, align(8))]
pub struct failwell_breaker_t {
    opaque: [u64; FAILWELL_BREAKER_WORDS],
}

impl Object for PaddedBreaker {
    type Storage = failwell_breaker_t;
    const MAGIC: usize = 0x4252_4b52; // "BRKR"
}

assert_storage_fits!(PaddedBreaker, failwell_breaker_t);

/// A breaker's state as C sees it: one of the `FAILWELL_BREAKER_STATE_*` values.
pub type failwell_breaker_state_t = u32;

/// Calls flow (during a recovery ramp, a share of them).
pub const FAILWELL_BREAKER_STATE_CLOSED: failwell_breaker_state_t = 0;
/// Calls are refused until the open duration is over.
pub const FAILWELL_BREAKER_STATE_OPEN: failwell_breaker_state_t = 1;
/// A few probe calls decide whether to close or reopen.
pub const FAILWELL_BREAKER_STATE_HALF_OPEN: failwell_breaker_state_t = 2;
/// Held open by `failwell_breaker_force_open` until `failwell_breaker_reset`.
pub const FAILWELL_BREAKER_STATE_FORCED_OPEN: failwell_breaker_state_t = 3;
/// Admits every call and records outcomes, never tripping, until
/// `failwell_breaker_reset` (`failwell_breaker_disable`).
pub const FAILWELL_BREAKER_STATE_DISABLED: failwell_breaker_state_t = 4;

// The C values are the Rust discriminants (literals above so cbindgen can
// emit them as macros).
const _: () = assert!(FAILWELL_BREAKER_STATE_CLOSED == State::Closed as u32);
const _: () = assert!(FAILWELL_BREAKER_STATE_OPEN == State::Open as u32);
const _: () = assert!(FAILWELL_BREAKER_STATE_HALF_OPEN == State::HalfOpen as u32);
const _: () = assert!(FAILWELL_BREAKER_STATE_FORCED_OPEN == State::ForcedOpen as u32);
const _: () = assert!(FAILWELL_BREAKER_STATE_DISABLED == State::Disabled as u32);

/// How a circuit breaker trips, waits, probes and recovers; checked by
/// `failwell_breaker_init`. Durations are in ticks of your clock, rates and
/// shares in permille. Start from `failwell_breaker_config_default`, then set
/// at least one trip policy, and `bucket_width` to use the time buckets.
///
/// Fields are ordered by size so the struct has no padding inside it.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct failwell_breaker_config_t {
    /// How long the first trip holds the breaker open (>= 1).
    pub open_duration: u64,
    /// The open duration never grows beyond this (>= open_duration).
    pub max_open_duration: u64,
    /// After this long closed and fully ramped, the next trip starts again
    /// from open_duration. The default is open_duration: a breaker that
    /// trips again sooner after recovering (it flaps) backs off further.
    pub reset_backoff_after: u64,
    /// A call whose latency exceeds this many ticks is slow.
    pub slow_call_threshold: u64,
    /// Width of one of the FAILWELL_BREAKER_TIME_BUCKETS time buckets; 0
    /// leaves them unused (rates are then judged on the count window only).
    pub bucket_width: u64,
    /// A probe that has not reported this many ticks after the latest probe
    /// was let through counts as failed (>= 1).
    pub probe_timeout: u64,
    /// How long each ramp stage lasts (>= 1 when ramp_steps > 0).
    pub ramp_stage_duration: u64,
    /// Rates are judged only on a window holding at least this many calls (>= 1).
    pub minimum_calls: u32,
    /// Each further trip multiplies the open duration by this, in permille
    /// (>= 1000; 1000 keeps it constant). Each step rounds down, so a factor
    /// above 1000 must lengthen open_duration by at least a tick:
    /// open_duration x (backoff_factor - 1000) >= 1000.
    pub backoff_factor: u32,
    /// Seed of the jitter's integer generator.
    pub jitter_seed: u32,
    /// Trip after this many failures in a row; 0 turns the policy off.
    pub consecutive_failures: u16,
    /// Trip when at least this share of a window's calls failed (1..=1000);
    /// 0 turns the policy off.
    pub failure_rate: u16,
    /// Trip when at least this share of a window's calls were slow
    /// (1..=1000); 0 turns the policy off.
    pub slow_call_rate: u16,
    /// Each open duration is lengthened by a random share of itself, up to
    /// this (0..=1000 permille). The share rounds down, so a jitter above 0
    /// must be able to add a tick to open_duration:
    /// open_duration x jitter >= 1000.
    pub jitter: u16,
    /// Admitted share of each ramp stage, permille, strictly rising within
    /// 1..=999; the first ramp_steps entries are used.
    pub ramp: [u16; FAILWELL_BREAKER_MAX_RAMP_STEPS],
    /// Probes let through at once while half-open (1..=FAILWELL_BREAKER_MAX_PROBES).
    pub probes: u8,
    /// Successful probes that close the breaker (>= 1).
    pub probe_successes: u8,
    /// Failed probes that reopen it (>= 1); during the ramp, this many
    /// failures reopen it too.
    pub probe_failures: u8,
    /// Ramp steps in use (0..=FAILWELL_BREAKER_MAX_RAMP_STEPS); 0 closes
    /// straight to full traffic.
    pub ramp_steps: u8,
    /// Per tier, indexed by FAILWELL_TIER_*: 1 if its calls may be half-open
    /// probes, 0 if not (refused with FAILWELL_NOT_PROBING). Any other value
    /// is refused with FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN.
    pub may_probe: [u8; 3],
    /// Per tier, indexed by FAILWELL_TIER_*: how many ramp stages it lags
    /// behind the first.
    pub ramp_delay: [u8; 3],
    /// 0 (the default): each jitter draw mixes in the breaker's address, so
    /// breakers with one config and seed do not open in lockstep. 1: the
    /// draws depend on jitter_seed alone (tests, simulations). Any other
    /// value is refused with FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN.
    pub jitter_reproducible: u8,
}

/// Calls, failures and slow calls in one of a breaker's windows.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct failwell_breaker_window_t {
    /// Calls recorded (ignored outcomes are not calls).
    pub calls: u32,
    /// Of which failed.
    pub failures: u32,
    /// Of which were slow.
    pub slow: u32,
}

impl From<WindowStats> for failwell_breaker_window_t {
    fn from(stats: WindowStats) -> Self {
        Self {
            calls: stats.calls,
            failures: stats.failures,
            slow: stats.slow,
        }
    }
}

/// A breaker's state, counts and next timed transition. Read without
/// locking: under concurrent calls its fields can straddle a transition.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct failwell_breaker_snapshot_t {
    /// One of the FAILWELL_BREAKER_STATE_* values.
    pub state: failwell_breaker_state_t,
    /// Bumped by every transition; wraps at 2^20.
    pub generation: u32,
    /// The tick at which a timed transition is due (the end of the open
    /// duration, the probes' timeout, or the next ramp stage), when
    /// has_next_transition is 1; 0 otherwise. UINT64_MAX: not on this clock.
    pub next_transition: u64,
    /// 1 when next_transition holds a tick, 0 when nothing is timed.
    pub has_next_transition: u32,
    /// Trips counted for the backoff.
    pub trips: u32,
    /// Ramp stage (1-based) while closed and ramping; 0 at full traffic.
    pub ramp_stage: u32,
    /// Failures in a row (closed).
    pub consecutive_failures: u32,
    /// Probes in flight (half-open); never above the config's probes.
    pub probes_in_flight: u32,
    /// Successful probes so far (half-open).
    pub probe_successes: u32,
    /// Failed probes so far (half-open), or failures during the ramp (closed).
    pub probe_failures: u32,
    /// The last FAILWELL_BREAKER_WINDOW_CALLS calls.
    pub count_window: failwell_breaker_window_t,
    /// The FAILWELL_BREAKER_TIME_BUCKETS time buckets.
    pub time_window: failwell_breaker_window_t,
}

// `Debug` by hand for the structs of more than five fields: the derived
// impl calls `Formatter::debug_struct_fields_finish`, whose length assertion
// is a panic path the optimiser cannot remove; the builder has none.

impl core::fmt::Debug for failwell_breaker_config_t {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("failwell_breaker_config_t")
            .field("open_duration", &self.open_duration)
            .field("max_open_duration", &self.max_open_duration)
            .field("reset_backoff_after", &self.reset_backoff_after)
            .field("slow_call_threshold", &self.slow_call_threshold)
            .field("bucket_width", &self.bucket_width)
            .field("probe_timeout", &self.probe_timeout)
            .field("ramp_stage_duration", &self.ramp_stage_duration)
            .field("minimum_calls", &self.minimum_calls)
            .field("backoff_factor", &self.backoff_factor)
            .field("jitter_seed", &self.jitter_seed)
            .field("consecutive_failures", &self.consecutive_failures)
            .field("failure_rate", &self.failure_rate)
            .field("slow_call_rate", &self.slow_call_rate)
            .field("jitter", &self.jitter)
            .field("ramp", &self.ramp)
            .field("probes", &self.probes)
            .field("probe_successes", &self.probe_successes)
            .field("probe_failures", &self.probe_failures)
            .field("ramp_steps", &self.ramp_steps)
            .field("may_probe", &self.may_probe)
            .field("ramp_delay", &self.ramp_delay)
            .finish()
    }
}

impl core::fmt::Debug for failwell_breaker_snapshot_t {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("failwell_breaker_snapshot_t")
            .field("state", &self.state)
            .field("generation", &self.generation)
            .field("next_transition", &self.next_transition)
            .field("has_next_transition", &self.has_next_transition)
            .field("trips", &self.trips)
            .field("ramp_stage", &self.ramp_stage)
            .field("consecutive_failures", &self.consecutive_failures)
            .field("probes_in_flight", &self.probes_in_flight)
            .field("probe_successes", &self.probe_successes)
            .field("probe_failures", &self.probe_failures)
            .field("count_window", &self.count_window)
            .field("time_window", &self.time_window)
            .finish()
    }
}

/// Ticket bits of a breaker permit: the generation.
const TICKET_GENERATION: u32 = (1 << 20) - 1;
/// Ticket bits: where the probe slot plus one starts, and how many bits it has.
const TICKET_PROBE_SHIFT: u32 = 20;
const TICKET_PROBE_MASK: u32 = 0b1_1111;
/// Ticket bits: where the probe's grant number starts, and its bits.
const TICKET_GRANT_SHIFT: u32 = 25;
const TICKET_GRANT_MASK: u32 = 0b11_1111;
// Every ticket bit but the spent flag is the breaker's.
const _: () = assert!(
    TICKET_GENERATION
        | TICKET_PROBE_MASK << TICKET_PROBE_SHIFT
        | TICKET_GRANT_MASK << TICKET_GRANT_SHIFT
        == permit::FIELDS
);

// The probe field holds 0..=MAX_PROBES.
const _: () = assert!(FAILWELL_BREAKER_MAX_PROBES as u32 <= TICKET_PROBE_MASK);

/// A breaker's ticket as permit fields.
fn ticket_fields(ticket: Ticket) -> u32 {
    ticket.generation & TICKET_GENERATION
        | (u32::from(ticket.probe) & TICKET_PROBE_MASK) << TICKET_PROBE_SHIFT
        | (u32::from(ticket.grant) & TICKET_GRANT_MASK) << TICKET_GRANT_SHIFT
}

/// The ticket that permit fields (and `acquired_at`) describe.
fn ticket_of(fields: u32, acquired_at: u64) -> Ticket {
    let probe = fields >> TICKET_PROBE_SHIFT & TICKET_PROBE_MASK;
    let grant = fields >> TICKET_GRANT_SHIFT & TICKET_GRANT_MASK;
    Ticket {
        generation: fields & TICKET_GENERATION,
        probe: u8::try_from(probe).unwrap_or(u8::MAX),
        grant: u8::try_from(grant).unwrap_or(u8::MAX),
        acquired_at,
    }
}

fn status(result: Result<(), failwell_status_t>) -> failwell_status_t {
    result.err().unwrap_or(FAILWELL_OK)
}

fn tier(value: failwell_tier_t) -> Result<Tier, failwell_status_t> {
    Tier::from_u32(value).ok_or(FAILWELL_INVALID_TIER)
}

/// The core config a C config describes, or the status refusing it.
fn config(c: &failwell_breaker_config_t) -> Result<Config, failwell_status_t> {
    let mut tiers = [TierPolicy::new(false, 0); 3];
    for ((policy, &may_probe), &ramp_delay) in tiers.iter_mut().zip(&c.may_probe).zip(&c.ramp_delay)
    {
        let may_probe = match may_probe {
            0 => false,
            1 => true,
            _ => return Err(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN),
        };
        *policy = TierPolicy::new(may_probe, ramp_delay);
    }
    let mut config = Config::new(c.open_duration);
    config.consecutive_failures = c.consecutive_failures;
    config.failure_rate = c.failure_rate;
    config.slow_call_rate = c.slow_call_rate;
    config.slow_call_threshold = c.slow_call_threshold;
    config.minimum_calls = c.minimum_calls;
    config.bucket_width = c.bucket_width;
    config.backoff_factor = c.backoff_factor;
    config.max_open_duration = c.max_open_duration;
    config.reset_backoff_after = c.reset_backoff_after;
    config.jitter = c.jitter;
    config.jitter_seed = c.jitter_seed;
    config.jitter_reproducible = match c.jitter_reproducible {
        0 => false,
        1 => true,
        _ => return Err(FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN),
    };
    config.probes = c.probes;
    config.probe_successes = c.probe_successes;
    config.probe_failures = c.probe_failures;
    config.probe_timeout = c.probe_timeout;
    config.ramp = c.ramp;
    config.ramp_steps = c.ramp_steps;
    config.ramp_stage_duration = c.ramp_stage_duration;
    config.tiers = tiers;
    Ok(config)
}

/// Writes to `*config` what a breaker is told by default: open for
/// `open_duration` ticks after a trip, no trip policy yet (set at least
/// one), no bucket width (time buckets unused), one probe at a time that closes or
/// reopens the breaker, probes timing out after `open_duration`, no backoff
/// (with a factor set, it starts over after `open_duration` of full traffic),
/// no jitter, no ramp; Essential and Important calls may probe, Optional
/// calls may not; on a ramp, Important lags one stage, Optional two.
///
/// Returns FAILWELL_OK or FAILWELL_NULL_POINTER.
///
/// # Safety
///
/// `config` must be NULL or valid for a write of a
/// `failwell_breaker_config_t` (any alignment).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_config_default(
    config: *mut failwell_breaker_config_t,
    open_duration: u64,
) -> failwell_status_t {
    if config.is_null() {
        return FAILWELL_NULL_POINTER;
    }
    let c = Config::new(open_duration);
    let [essential, important, optional] = c.tiers;
    let value = failwell_breaker_config_t {
        open_duration: c.open_duration,
        max_open_duration: c.max_open_duration,
        reset_backoff_after: c.reset_backoff_after,
        slow_call_threshold: c.slow_call_threshold,
        bucket_width: c.bucket_width,
        probe_timeout: c.probe_timeout,
        ramp_stage_duration: c.ramp_stage_duration,
        minimum_calls: c.minimum_calls,
        backoff_factor: c.backoff_factor,
        jitter_seed: c.jitter_seed,
        consecutive_failures: c.consecutive_failures,
        failure_rate: c.failure_rate,
        slow_call_rate: c.slow_call_rate,
        jitter: c.jitter,
        ramp: c.ramp,
        probes: c.probes,
        probe_successes: c.probe_successes,
        probe_failures: c.probe_failures,
        ramp_steps: c.ramp_steps,
        may_probe: [
            u8::from(essential.may_probe),
            u8::from(important.may_probe),
            u8::from(optional.may_probe),
        ],
        ramp_delay: [
            essential.ramp_delay,
            important.ramp_delay,
            optional.ramp_delay,
        ],
        jitter_reproducible: u8::from(c.jitter_reproducible),
    };
    // SAFETY: non-null, and valid for a write per the contract; an
    // unaligned write asks nothing of the address's alignment.
    unsafe { config.write_unaligned(value) };
    FAILWELL_OK
}

/// Initialises `breaker` from `config`: closed, empty windows, generation 0.
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED or a
/// FAILWELL_CONFIG_* status; on error `breaker` is left as it was. Must not
/// run concurrently with any other call on the same `breaker`. Permits
/// issued before a re-init at the same address are not told apart from new
/// ones: report them before re-initialising.
///
/// # Safety
///
/// Each pointer must be NULL or valid for its type: `breaker` for writes of
/// `sizeof(failwell_breaker_t)` bytes, `config` for reads (any alignment).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_init(
    breaker: *mut failwell_breaker_t,
    config: *const failwell_breaker_config_t,
) -> failwell_status_t {
    status((|| {
        if config.is_null() {
            return Err(FAILWELL_NULL_POINTER);
        }
        // SAFETY: non-null, and valid for reads per the contract; every bit
        // pattern is a valid `failwell_breaker_config_t` (plain integers).
        let c = unsafe { config.read_unaligned() };
        let value = PaddedBreaker::new(CBreaker::new(self::config(&c)?)?);
        // SAFETY: writable and unshared for this call per the contract.
        unsafe { object::init(breaker, value) }
    })())
}

/// Asks to make one call of `tier` at `now`.
///
/// - FAILWELL_OK: admitted; `*permit` is the permit to report the outcome
///   with, `*retry_after` = 0.
/// - FAILWELL_BREAKER_OPEN: open; `*retry_after` = ticks until it turns
///   half-open (UINT64_MAX: not on this clock).
/// - FAILWELL_PROBES_BUSY: half-open with every probe slot taken;
///   `*retry_after` = ticks until the probes in flight time out (a slot may
///   free sooner, when a probe reports).
/// - FAILWELL_NOT_PROBING: half-open, and `tier` may not probe;
///   `*retry_after` = 0.
/// - FAILWELL_RAMP_SHED: recovering, and this call is outside the share
///   the current ramp stage admits for `tier`; `*retry_after` = 0.
/// - FAILWELL_FORCED_OPEN: held open until `failwell_breaker_reset`;
///   `*retry_after` = UINT64_MAX.
/// - FAILWELL_BREAKER_REFUSED: refused for a reason this version has no
///   status for; `*retry_after` = 0.
///
/// On a refusal `*permit` is written as an empty permit (reporting it is
/// FAILWELL_PERMIT_INVALID). On FAILWELL_INVALID_TIER, FAILWELL_NULL_POINTER
/// (`breaker` or `permit`), FAILWELL_MISALIGNED or FAILWELL_UNINITIALIZED
/// nothing happened and neither out-pointer is written.
///
/// `retry_after` may be NULL. Thread-safe and ISR-safe.
///
/// # Safety
///
/// `breaker` must be NULL or valid for reads of `sizeof(failwell_breaker_t)`
/// bytes; `permit` NULL or valid for a write (any alignment); `retry_after`
/// NULL or valid for a write.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_acquire(
    breaker: *mut failwell_breaker_t,
    now: u64,
    tier: failwell_tier_t,
    permit: *mut failwell_permit_t,
    retry_after: *mut u64,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let b = &unsafe { object::get::<PaddedBreaker>(breaker) }?.breaker;
        let tier = self::tier(tier)?;
        if permit.is_null() {
            return Err(FAILWELL_NULL_POINTER);
        }
        let (result, issued, wait) = match b.acquire(now, tier) {
            Ok(ticket) => (
                Ok(()),
                permit::issue(breaker as usize, ticket_fields(ticket), ticket.acquired_at),
                0,
            ),
            Err(rejection) => {
                let (status, wait) = match rejection {
                    Rejection::Open { retry_after } => (FAILWELL_BREAKER_OPEN, retry_after),
                    Rejection::ProbesBusy { retry_after } => (FAILWELL_PROBES_BUSY, retry_after),
                    Rejection::NotProbing => (FAILWELL_NOT_PROBING, 0),
                    Rejection::Ramp => (FAILWELL_RAMP_SHED, 0),
                    Rejection::ForcedOpen => (FAILWELL_FORCED_OPEN, u64::MAX),
                    _ => (FAILWELL_BREAKER_REFUSED, 0),
                };
                (Err(status), failwell_permit_t::default(), wait)
            }
        };
        // SAFETY: non-null (checked above) and valid for a write per the
        // contract; an unaligned write asks nothing of its alignment.
        unsafe { permit.write_unaligned(issued) };
        // SAFETY: NULL or writable per the contract.
        unsafe { write_opt(retry_after, wait) };
        result
    })())
}

/// Reports `outcome` for `*permit` at `now` and marks the permit spent.
///
/// # Safety
///
/// As the `failwell_breaker_success` family.
unsafe fn report(
    breaker: *mut failwell_breaker_t,
    permit: *mut failwell_permit_t,
    now: u64,
    outcome: Outcome,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let b = &unsafe { object::get::<PaddedBreaker>(breaker) }?.breaker;
        // SAFETY: NULL or valid for reads and writes per the contract.
        unsafe {
            permit::spend(permit, breaker as usize, |fields, acquired_at| {
                match b.record(ticket_of(fields, acquired_at), now, outcome) {
                    Recorded::Counted => Ok(()),
                    Recorded::Stale => Err(FAILWELL_PERMIT_STALE),
                }
            })
        }
    })())
}

/// The call admitted with `*permit` succeeded at `now`. It is slow when
/// `now - permit->acquired_at` exceeds the config's slow_call_threshold.
///
/// - FAILWELL_OK: counted.
/// - FAILWELL_PERMIT_STALE: ignored, harmlessly: the breaker changed state
///   since the permit was issued (another call tripped or closed it), or the
///   probe was already reported or timed out. Normal under concurrency.
/// - FAILWELL_PERMIT_SPENT: this permit was reported already; nothing happened.
/// - FAILWELL_PERMIT_INVALID: not a permit this breaker issued (or it was
///   written to); nothing happened.
/// - FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED, FAILWELL_UNINITIALIZED:
///   nothing happened.
///
/// After FAILWELL_OK or FAILWELL_PERMIT_STALE the permit is marked spent.
/// Thread-safe and ISR-safe (a given permit, one thread at a time). Not
/// must-use: the status may be ignored (`(void)`), as either of those leaves
/// the permit done with and on an error nothing happened.
///
/// # Safety
///
/// `breaker` must be NULL or valid for reads of `sizeof(failwell_breaker_t)`
/// bytes; `permit` NULL or valid for reads and writes (any alignment).
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_success(
    breaker: *mut failwell_breaker_t,
    permit: *mut failwell_permit_t,
    now: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `report` asks for.
    unsafe { report(breaker, permit, now, Outcome::Success) }
}

/// The call admitted with `*permit` failed at `now`. It is slow too (it
/// counts in the slow-call rate as well as the failure rate) when
/// `now - permit->acquired_at` exceeds the config's slow_call_threshold, as
/// for `failwell_breaker_success`: a dependency whose timeouts surface as
/// errors is slow. Statuses as `failwell_breaker_success`.
///
/// # Safety
///
/// As `failwell_breaker_success`.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_failure(
    breaker: *mut failwell_breaker_t,
    permit: *mut failwell_permit_t,
    now: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `report` asks for.
    unsafe { report(breaker, permit, now, Outcome::Failure) }
}

/// The call admitted with `*permit` succeeded at `now` after `latency`
/// ticks, measured by the caller; slow when `latency` exceeds the config's
/// slow_call_threshold. Statuses as `failwell_breaker_success`.
///
/// # Safety
///
/// As `failwell_breaker_success`.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_latency(
    breaker: *mut failwell_breaker_t,
    permit: *mut failwell_permit_t,
    now: u64,
    latency: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `report` asks for.
    unsafe { report(breaker, permit, now, Outcome::Latency(latency)) }
}

/// The call admitted with `*permit` failed at `now` after `latency` ticks,
/// measured by the caller; slow too when `latency` exceeds the config's
/// slow_call_threshold. Statuses as `failwell_breaker_success`.
///
/// # Safety
///
/// As `failwell_breaker_success`.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_failure_latency(
    breaker: *mut failwell_breaker_t,
    permit: *mut failwell_permit_t,
    now: u64,
    latency: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `report` asks for.
    unsafe { report(breaker, permit, now, Outcome::FailureLatency(latency)) }
}

/// The call admitted with `*permit` says nothing about the dependency
/// (cancelled, or refused by your own validation): it counts nowhere, and
/// a probe frees its slot. Statuses as `failwell_breaker_success`.
///
/// # Safety
///
/// As `failwell_breaker_success`.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_ignore(
    breaker: *mut failwell_breaker_t,
    permit: *mut failwell_permit_t,
    now: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `report` asks for.
    unsafe { report(breaker, permit, now, Outcome::Ignored) }
}

/// Runs an operator's action on `breaker`.
///
/// # Safety
///
/// `breaker` must be NULL or valid for reads of `sizeof(failwell_breaker_t)` bytes.
unsafe fn operate(
    breaker: *mut failwell_breaker_t,
    action: impl FnOnce(&CBreaker),
) -> failwell_status_t {
    // SAFETY: readable per the contract; `get` checks the rest.
    match unsafe { object::get::<PaddedBreaker>(breaker) } {
        Ok(b) => {
            action(&b.breaker);
            FAILWELL_OK
        }
        Err(status) => status,
    }
}

/// Holds `breaker` open, refusing every call with FAILWELL_FORCED_OPEN,
/// until `failwell_breaker_reset`. Permits issued before are stale. On a
/// breaker already forced open nothing changes (no transition).
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED or
/// FAILWELL_UNINITIALIZED. Thread-safe and ISR-safe. Not must-use: the status
/// may be ignored (`(void)`), as it is FAILWELL_OK for an initialised breaker
/// and on an error nothing happened.
///
/// # Safety
///
/// `breaker` must be NULL or valid for reads of `sizeof(failwell_breaker_t)` bytes.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_force_open(
    breaker: *mut failwell_breaker_t,
    now: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `operate` asks for.
    unsafe { operate(breaker, |b| b.force_open(now)) }
}

/// Admits every call and still records outcomes (so the windows show what
/// the breaker would have done), never tripping, until
/// `failwell_breaker_reset`. Permits issued before are stale, unless the
/// breaker was disabled already: then nothing changes (no transition), and
/// the permits in flight still count, so applying "disabled" again (a
/// config reload) loses no outcome.
///
/// Statuses as `failwell_breaker_force_open`.
///
/// # Safety
///
/// As `failwell_breaker_force_open`.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_disable(
    breaker: *mut failwell_breaker_t,
    now: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `operate` asks for.
    unsafe { operate(breaker, |b| b.disable(now)) }
}

/// Closes `breaker` at full traffic with empty windows and the backoff
/// started over, from any state. Permits issued before are stale.
///
/// Statuses as `failwell_breaker_force_open`.
///
/// # Safety
///
/// As `failwell_breaker_force_open`.
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_reset(
    breaker: *mut failwell_breaker_t,
    now: u64,
) -> failwell_status_t {
    // SAFETY: the caller's contract is the one `operate` asks for.
    unsafe { operate(breaker, |b| b.reset(now)) }
}

/// Writes `breaker`'s state, counts and next timed transition to
/// `*snapshot`, with the time window as of `now`.
///
/// The time buckets `now` has left behind are expired first, exactly as a
/// call at `now` would expire them, so an idle breaker does not keep
/// reporting old calls. A snapshot is an observation, not a reading of the
/// clock: a `now` behind the newest bucket changes nothing, and the window
/// is reported as it stands. (This function used to take no `now`, and
/// reported the time window as of the latest call recorded: an idle
/// breaker showed its last failure rate for good.)
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER (either pointer),
/// FAILWELL_MISALIGNED or FAILWELL_UNINITIALIZED. Thread-safe and ISR-safe.
///
/// # Safety
///
/// `breaker` must be NULL or valid for reads of `sizeof(failwell_breaker_t)`
/// bytes; `snapshot` NULL or valid for a write.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_breaker_snapshot(
    breaker: *const failwell_breaker_t,
    now: u64,
    snapshot: *mut failwell_breaker_snapshot_t,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let b = &unsafe { object::get::<PaddedBreaker>(breaker) }?.breaker;
        // Refused before the snapshot, which can expire time buckets: a
        // caller error changes nothing.
        if snapshot.is_null() {
            return Err(FAILWELL_NULL_POINTER);
        }
        let s = b.snapshot(now);
        let value = failwell_breaker_snapshot_t {
            state: s.state as failwell_breaker_state_t,
            generation: s.generation,
            next_transition: s.next_transition.unwrap_or(0),
            has_next_transition: u32::from(s.next_transition.is_some()),
            trips: u32::from(s.trips),
            ramp_stage: u32::from(s.ramp_stage),
            consecutive_failures: u32::from(s.consecutive_failures),
            probes_in_flight: u32::from(s.probes_in_flight),
            probe_successes: u32::from(s.probe_successes),
            probe_failures: u32::from(s.probe_failures),
            count_window: s.count_window.into(),
            time_window: s.time_window.into(),
        };
        // SAFETY: NULL (refused) or writable per the contract.
        unsafe { write_out(snapshot, value) }
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use failwell::breaker::ConfigError;

    fn ticket(generation: u32, probe: u8, acquired_at: u64) -> Ticket {
        Ticket {
            generation,
            probe,
            grant: probe.wrapping_mul(7) & 0b11_1111,
            acquired_at,
        }
    }

    #[test]
    fn tickets_round_trip_through_permit_fields() {
        for t in [
            ticket(0, 0, 0),
            ticket(TICKET_GENERATION, 16, u64::MAX),
            ticket(12_345, 3, 1 << 40),
        ] {
            let fields = ticket_fields(t);
            assert_eq!(fields & !permit::FIELDS, 0);
            assert_eq!(ticket_of(fields, t.acquired_at), t);
        }
    }

    #[test]
    fn every_config_error_has_its_own_status() {
        let errors = [
            ConfigError::NoTripPolicy,
            ConfigError::RateAbove1000,
            ConfigError::RateWithoutWindow,
            ConfigError::ZeroMinimumCalls,
            ConfigError::MinimumCallsAboveWindow,
            ConfigError::ZeroBucketWidth,
            ConfigError::WindowTooLarge,
            ConfigError::ZeroOpenDuration,
            ConfigError::BackoffBelowOne,
            ConfigError::MaxBelowOpenDuration,
            ConfigError::JitterAbove1000,
            ConfigError::ProbesOutOfRange,
            ConfigError::ZeroProbeThreshold,
            ConfigError::ZeroProbeTimeout,
            ConfigError::RampNotRising,
            ConfigError::RampTooLong,
            ConfigError::ZeroRampStage,
            ConfigError::NoTierMayProbe,
            ConfigError::DurationOverflow,
            ConfigError::BackoffTooSmall,
            ConfigError::JitterTooSmall,
        ];
        let statuses: std::vec::Vec<failwell_status_t> =
            errors.iter().map(|e| failwell_status_t::from(*e)).collect();
        for (i, status) in statuses.iter().enumerate() {
            assert!((210..232).contains(&(*status as u32)), "{status:?}");
            assert!(!statuses[..i].contains(status), "{status:?} twice");
        }
    }

    #[test]
    fn the_default_config_is_config_new() {
        let mut c = core::mem::MaybeUninit::<failwell_breaker_config_t>::uninit();
        // SAFETY: a local, valid for a write.
        let status = unsafe { failwell_breaker_config_default(c.as_mut_ptr(), 77) };
        assert_eq!(status, FAILWELL_OK);
        // SAFETY: written just above.
        let c = unsafe { c.assume_init() };
        assert_eq!(config(&c), Ok(Config::new(77)));
        let mut bad = c;
        bad.may_probe[2] = 2;
        assert_eq!(config(&bad), Err(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN));
        // SAFETY: NULL is refused before any write.
        let status = unsafe { failwell_breaker_config_default(core::ptr::null_mut(), 1) };
        assert_eq!(status, FAILWELL_NULL_POINTER);
    }
}
