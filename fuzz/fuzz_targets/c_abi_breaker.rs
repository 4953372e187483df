//! The C ABI of the circuit breaker, called as Rust functions from the
//! `failwell_ffi` rlib, on storage whose contents the input chooses.
//!
//! The storage is one heap buffer of `SLOTS` breaker-sized, aligned slots
//! (plus a spare word, so a misaligned pointer into the last slot stays in
//! bounds), filled from the input: zeroes, one repeated byte, or arbitrary
//! bytes. Beside it, `HOLDERS` permit structs the calls read and write, each
//! passed at any alignment (the permit may be unaligned) or as NULL. Then an
//! arbitrary sequence of calls and memory operations:
//! `failwell_breaker_config_default` (aligned, unaligned or NULL out-pointer,
//! any `open_duration`); `failwell_breaker_init` (re-init included) with
//! arbitrary configs (every field arbitrary, small values, or the default
//! with a trip policy set); `_acquire`, `_success`, `_failure`, `_latency`,
//! `_failure_latency`, `_ignore`, `_force_open`, `_disable`, `_reset`, `_snapshot` with
//! arbitrary `now` (small steps, big jumps, backwards, 0, `UINT64_MAX`) and
//! tier (any `u32`), each with a NULL, aligned or misaligned object pointer
//! and NULL or valid out-pointers; bursts of acquire-and-report (through
//! permit holder 0, optionally leaving the last permit unreported);
//! `failwell_status_str` of any `u32`; memcpy of one slot onto another
//! (copying or moving an initialised object); overwriting single bytes of
//! the storage; copying permits between holders and forging them (every
//! field arbitrary, one bit flipped, zeroed, the spent bit set or cleared).
//!
//! The target keeps a shadow of every slot: a pattern the C tests promise is
//! refused (zeroes, one repeated byte), arbitrary bytes, or a breaker
//! initialised at some slot, with a Rust `Breaker<100, 10>` of the same
//! config (mapped field by field as `ffi/src/breaker.rs` maps it) that has
//! been driven with the same acquires, outcomes (the ticket each permit
//! stands for) and operator actions. It also remembers every permit value
//! the library issued or marked spent, and at which address. It checks:
//!
//! - every status is a known `failwell_status_t`, one the function's
//!   documentation lists, and `failwell_status_str` names it (never NULL,
//!   never "unknown status"); any other `u32` is "unknown status";
//! - a call with something wrong (NULL or misaligned object, an object that
//!   is not initialised at this address, e.g. copied there after init, NULL
//!   permit or snapshot pointer, tier out of range, invalid config, including
//!   a `may_probe` entry other than 0 or 1) returns the status of one of the
//!   things wrong with it, and changes nothing: not the storage, not the
//!   permit, not `retry_after`;
//! - out-values follow the documented rules whatever the storage holds:
//!   `retry_after` 0 when admitted and on NOT_PROBING, RAMP_SHED and
//!   BREAKER_REFUSED, `UINT64_MAX` on FORCED_OPEN; the permit written empty
//!   (all zeroes) on every refusal and carrying `acquired_at = now` and no
//!   no spent bit when admitted; a reported permit is marked
//!   spent (same `acquired_at`, ticket plus bit 31) after OK and
//!   PERMIT_STALE and left alone otherwise; only OK and the breaker's
//!   refusals (10..19) write the storage, and only the object's own slot;
//!   PERMIT_STALE, SPENT and INVALID write no storage;
//! - on a breaker initialised at this address with nothing wrong, init,
//!   acquire (status, `retry_after`, the ticket bits of the permit: the
//!   generation and probe slot of the Rust `Ticket`), every report (OK for
//!   `Recorded::Counted`, PERMIT_STALE for `Recorded::Stale`), the operator
//!   actions and the snapshot (every field) are exactly those of the Rust
//!   breaker, and after every call the C snapshot equals the Rust one;
//! - permits: a permit reported twice is PERMIT_SPENT; one issued or spent
//!   by a breaker at another address (another slot, or the same breaker
//!   memcpy'd elsewhere) is PERMIT_INVALID; the empty permit of a refusal
//!   is PERMIT_INVALID; a copy of a probe's permit reported after the probe
//!   is PERMIT_STALE, also once its slot is granted again; a permit
//!   of an earlier generation (issued before a transition, an operator's
//!   action) is PERMIT_STALE; a permit issued at this address before a
//!   re-init is a permit of the new breaker (as `failwell_breaker_init`
//!   documents), judged by the shadow with the same ticket; a copy of an
//!   unspent permit is judged by the shadow like the original;
//! - documented invariants of the snapshot, independent of the shadow: a
//!   known state, a 20-bit generation, `has_next_transition` 0 or 1 (and
//!   `next_transition` 0 without one); for a live breaker also counts only
//!   in the states that have them, at most `probes` probes in flight, at
//!   most 100 calls in the count window, failures and slow calls at most the
//!   calls; FORCED_OPEN and DISABLED after force-open and disable, and CLOSED
//!   at full traffic with empty windows and no trips after reset; a disabled
//!   breaker admits every call, a forced-open one refuses every call with
//!   FORCED_OPEN;
//! - arbitrary bytes (including an initialised object with some bytes
//!   overwritten) give only statuses the function may return and keep the
//!   out-pointer rules, without crashing (AddressSanitizer watches the
//!   memory accesses).
//!
//! Weaker where an exact expectation is impractical: a forged permit (one
//! the library never issued at this address) must be PERMIT_INVALID *or*
//! decode, by the documented ticket layout, to a ticket the shadow judges
//! the same way. The check is a keyed hash that "detects mistakes, not
//! malice", and libFuzzer's comparison tracing can learn the expected check
//! value from the library's own comparison, so a forged permit with the
//! right check is legitimately accepted.
//!
//! The storage, the object pointers into it, the arguments every C ABI
//! takes, the status checks and the permit machinery (holders, forgeries,
//! what every door promises of a permit) are shared with the other C ABI
//! targets, in `common/`.

#![no_main]

#[path = "common/breaker_args.rs"]
mod breaker_args;
#[path = "common/mod.rs"]
mod common;

use std::mem::size_of;
use std::ptr::null_mut;
use std::sync::LazyLock;

use arbitrary::Arbitrary;
use failwell::breaker::{
    Breaker, Config, Outcome, Recorded, Rejection, Snapshot, State, Ticket, TierPolicy,
};
use failwell::Tier;
use failwell_ffi::failwell_status_t::{self, *};
use failwell_ffi::{
    failwell_breaker_acquire, failwell_breaker_config_default, failwell_breaker_config_t,
    failwell_breaker_disable, failwell_breaker_failure, failwell_breaker_failure_latency,
    failwell_breaker_force_open, failwell_breaker_ignore, failwell_breaker_init,
    failwell_breaker_latency, failwell_breaker_reset, failwell_breaker_snapshot,
    failwell_breaker_snapshot_t, failwell_breaker_success, failwell_breaker_t, failwell_permit_t,
    failwell_tier_t, FAILWELL_BREAKER_STATE_CLOSED, FAILWELL_BREAKER_STATE_DISABLED,
    FAILWELL_BREAKER_STATE_FORCED_OPEN, FAILWELL_BREAKER_STATE_HALF_OPEN,
    FAILWELL_BREAKER_TIME_BUCKETS, FAILWELL_BREAKER_WINDOW_CALLS, FAILWELL_BREAKER_WORDS,
};
use failwell_tests::breaker_model::least_permille_for_a_tick;
use libfuzzer_sys::fuzz_target;

use breaker_args::{Duration, OutcomeArg, Rate};
use common::permit::{self, Forgery, Holder, Known, Passed, PermitPtr, Permits};
use common::{
    check_known, check_status_str, out_ptr, Buffer, Fill, Input, Now, ObjPtr, Place, Problems,
    Reached, TierArg, OBJECT_STATUSES, SENTINEL32, SENTINEL64,
};

/// The Rust breaker behind a `failwell_breaker_t`.
type RustBreaker = Breaker<100, 10>;

const _: () = assert!(FAILWELL_BREAKER_WINDOW_CALLS == 100);
const _: () = assert!(FAILWELL_BREAKER_TIME_BUCKETS == 10);

/// Breaker-sized slots in the storage buffer.
const SLOTS: usize = 3;

/// The storage: `SLOTS` breakers and a spare word.
type Storage = common::Storage<failwell_breaker_t, Shadow, SLOTS>;

const _: () = assert!(size_of::<failwell_breaker_t>() == FAILWELL_BREAKER_WORDS * 8);
// SAFETY: the library writes a breaker only whole, and zeroes its padding
// (`ffi/src/breaker.rs`), so every byte it writes is initialised.
unsafe impl common::CObject for failwell_breaker_t {}

// SAFETY: plain integers (and arrays of them): any bits are a config.
unsafe impl common::Plain for failwell_breaker_config_t {}

/// The permit holder bursts use.
const BURST_HOLDER: Holder = Holder {
    index: 0,
    offset: 0,
};

/// Ticket bits, as `failwell_permit_t` documents them: the generation
/// (bits 0..20), the probe slot plus one (bits 20..25), the probe's grant
/// number (bits 25..31), spent (bit 31, `permit::SPENT`). Every bit has a
/// meaning.
const TICKET_GENERATION: u32 = (1 << 20) - 1;
const TICKET_PROBE_SHIFT: u32 = 20;
const TICKET_PROBE_MASK: u32 = 0b1_1111;
const TICKET_GRANT_SHIFT: u32 = 25;
const TICKET_GRANT_MASK: u32 = 0b11_1111;

/// Values no call writes, to see that out-pointers are left alone.
const SENTINEL_WINDOW: failwell_ffi::failwell_breaker_window_t =
    failwell_ffi::failwell_breaker_window_t {
        calls: SENTINEL32,
        failures: SENTINEL32,
        slow: SENTINEL32,
    };
const SENTINEL_SNAPSHOT: failwell_breaker_snapshot_t = failwell_breaker_snapshot_t {
    state: SENTINEL32,
    generation: SENTINEL32,
    next_transition: SENTINEL64,
    has_next_transition: SENTINEL32,
    trips: SENTINEL32,
    ramp_stage: SENTINEL32,
    consecutive_failures: SENTINEL32,
    probes_in_flight: SENTINEL32,
    probe_successes: SENTINEL32,
    probe_failures: SENTINEL32,
    count_window: SENTINEL_WINDOW,
    time_window: SENTINEL_WINDOW,
};

/// The largest rate small configs have: one above the most a config may
/// have, so some are refused.
const RATE_MOST: u16 = 1001;

/// Longest run of one `Burst` operation.
const BURST_MAX: u8 = 32;

/// What each function may return, from its documentation.
const ACQUIRE_STATUSES: &[failwell_status_t] = &[
    FAILWELL_OK,
    FAILWELL_BREAKER_OPEN,
    FAILWELL_PROBES_BUSY,
    FAILWELL_NOT_PROBING,
    FAILWELL_RAMP_SHED,
    FAILWELL_FORCED_OPEN,
    FAILWELL_BREAKER_REFUSED,
    FAILWELL_NULL_POINTER,
    FAILWELL_MISALIGNED,
    FAILWELL_UNINITIALIZED,
    FAILWELL_INVALID_TIER,
];
const REPORT_STATUSES: &[failwell_status_t] = &[
    FAILWELL_OK,
    FAILWELL_PERMIT_STALE,
    FAILWELL_PERMIT_SPENT,
    FAILWELL_PERMIT_INVALID,
    FAILWELL_NULL_POINTER,
    FAILWELL_MISALIGNED,
    FAILWELL_UNINITIALIZED,
];
/// What `failwell_breaker_init` may return: its config statuses are the
/// block from FAILWELL_CONFIG_NO_TRIP_POLICY.
static INIT_STATUSES: LazyLock<Vec<failwell_status_t>> =
    LazyLock::new(|| common::init_statuses(FAILWELL_CONFIG_NO_TRIP_POLICY));
/// The statuses with which a report takes (and spends) a genuine permit:
/// counted, or stale.
const TAKEN: &[failwell_status_t] = &[FAILWELL_OK, FAILWELL_PERMIT_STALE];

#[derive(Arbitrary, Debug)]
enum Op {
    Init {
        breaker: ObjPtr,
        config: ConfigPtr,
    },
    ConfigDefault {
        open_duration: u64,
        out: Place,
    },
    Acquire {
        breaker: ObjPtr,
        now: Now,
        tier: TierArg,
        permit: PermitPtr,
        retry_after: bool,
    },
    Report {
        breaker: ObjPtr,
        now: Now,
        outcome: OutcomeArg,
        permit: PermitPtr,
    },
    /// Acquires and reports the outcome (when admitted) `count` times,
    /// `step` ticks apart, through the permit in holder 0; with `hold_last`,
    /// the last admission's permit is left there unreported.
    Burst {
        slot: u8,
        step: u8,
        tier: TierArg,
        outcome: OutcomeArg,
        count: u8,
        hold_last: bool,
    },
    Operate {
        breaker: ObjPtr,
        now: Now,
        action: Action,
    },
    Snapshot {
        breaker: ObjPtr,
        now: Now,
        out: bool,
    },
    StatusStr(u32),
    /// memcpy of slot `from` onto slot `to`.
    Copy {
        from: u8,
        to: u8,
    },
    /// Overwrites one byte of the storage.
    Poke {
        at: u16,
        value: u8,
    },
    /// Copies permit holder `from` onto holder `to`.
    CopyPermit {
        from: u8,
        to: u8,
    },
    /// Overwrites a permit holder.
    Forge {
        holder: u8,
        forgery: Forgery,
    },
}

type ConfigPtr = common::ConfigPtr<ConfigArg>;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ConfigArg {
    /// Every field arbitrary: mostly refused, and the edges of the checks.
    Raw(RawConfig),
    /// Small values: mostly valid configs.
    Small(SmallConfig),
    /// `failwell_breaker_config_default`, then a trip policy.
    Default {
        open_duration: Duration,
        consecutive_failures: u8,
        failure_rate: Rate,
        minimum_calls: u8,
        bucket_width: u8,
    },
}

/// Every field of a `failwell_breaker_config_t`.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct RawConfig {
    open_duration: u64,
    max_open_duration: u64,
    reset_backoff_after: u64,
    slow_call_threshold: u64,
    bucket_width: u64,
    probe_timeout: u64,
    ramp_stage_duration: u64,
    minimum_calls: u32,
    backoff_factor: u32,
    jitter_seed: u32,
    consecutive_failures: u16,
    failure_rate: u16,
    slow_call_rate: u16,
    jitter: u16,
    ramp: [u16; 4],
    probes: u8,
    probe_successes: u8,
    probe_failures: u8,
    ramp_steps: u8,
    may_probe: [u8; 3],
    ramp_delay: [u8; 3],
    jitter_reproducible: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct SmallConfig {
    consecutive_failures: u8,
    failure_rate: Rate,
    slow_call_rate: Rate,
    slow_call_threshold: u8,
    minimum_calls: u8,
    bucket_width: u8,
    open_duration: Duration,
    backoff: u8,
    max_multiple: u8,
    reset_backoff_after: u8,
    jitter: u8,
    jitter_seed: u8,
    probes: u8,
    probe_successes: u8,
    probe_failures: u8,
    probe_timeout: Duration,
    ramp: [u8; 4],
    ramp_steps: u8,
    ramp_stage_duration: Duration,
    /// Bits 0..3: `may_probe` per tier; from 0xf0 up, `may_probe[0]` is the
    /// low nibble (often not a boolean).
    may_probe: u8,
    ramp_delay: [u8; 3],
}

impl ConfigArg {
    fn c(self) -> failwell_breaker_config_t {
        match self {
            ConfigArg::Raw(r) => failwell_breaker_config_t {
                open_duration: r.open_duration,
                max_open_duration: r.max_open_duration,
                reset_backoff_after: r.reset_backoff_after,
                slow_call_threshold: r.slow_call_threshold,
                bucket_width: r.bucket_width,
                probe_timeout: r.probe_timeout,
                ramp_stage_duration: r.ramp_stage_duration,
                minimum_calls: r.minimum_calls,
                backoff_factor: r.backoff_factor,
                jitter_seed: r.jitter_seed,
                consecutive_failures: r.consecutive_failures,
                failure_rate: r.failure_rate,
                slow_call_rate: r.slow_call_rate,
                jitter: r.jitter,
                ramp: r.ramp,
                probes: r.probes,
                probe_successes: r.probe_successes,
                probe_failures: r.probe_failures,
                ramp_steps: r.ramp_steps,
                may_probe: r.may_probe,
                ramp_delay: r.ramp_delay,
                // Never 0: draws that mix in the address differ from the
                // shadow's (the C tests check that they do); 2 and up are
                // refused.
                jitter_reproducible: r.jitter_reproducible.max(1),
            },
            ConfigArg::Small(s) => {
                let open_duration = s.open_duration.ticks();
                let mut ramp = [0u16; 4];
                let mut previous = 0;
                for (share, step) in ramp.iter_mut().zip(s.ramp) {
                    previous += 1 + u16::from(step) % 250;
                    *share = previous;
                }
                // A backoff step or a jitter share that rounds away is
                // refused: raise them to the least that gains a tick.
                let least = least_permille_for_a_tick(open_duration);
                let backoff_factor = match 1000 + u32::from(s.backoff) * 50 {
                    1000 => 1000,
                    factor => factor.max(1000 + u32::from(least)),
                };
                let jitter = match u16::from(s.jitter) * 4 {
                    0 => 0,
                    jitter => jitter.max(least),
                };
                let mut may_probe = [s.may_probe & 1, s.may_probe >> 1 & 1, s.may_probe >> 2 & 1];
                if s.may_probe >= 0xf0 {
                    may_probe[0] = s.may_probe & 0x0f;
                }
                failwell_breaker_config_t {
                    open_duration,
                    max_open_duration: open_duration
                        .saturating_mul(1 + u64::from(s.max_multiple % 8)),
                    reset_backoff_after: u64::from(s.reset_backoff_after),
                    slow_call_threshold: u64::from(s.slow_call_threshold % 16),
                    bucket_width: u64::from(s.bucket_width % 8),
                    probe_timeout: s.probe_timeout.ticks(),
                    ramp_stage_duration: s.ramp_stage_duration.ticks(),
                    minimum_calls: if s.minimum_calls < 200 {
                        u32::from(s.minimum_calls % 10)
                    } else {
                        u32::from(s.minimum_calls) - 100
                    },
                    backoff_factor,
                    jitter_seed: u32::from(s.jitter_seed),
                    consecutive_failures: u16::from(s.consecutive_failures % 8),
                    failure_rate: s.failure_rate.permille(RATE_MOST),
                    slow_call_rate: s.slow_call_rate.permille(RATE_MOST),
                    jitter,
                    ramp,
                    probes: s.probes % 18,
                    probe_successes: s.probe_successes % 4,
                    probe_failures: s.probe_failures % 4,
                    ramp_steps: s.ramp_steps % 6,
                    may_probe,
                    ramp_delay: s.ramp_delay.map(|delay| delay % 4),
                    jitter_reproducible: 1,
                }
            }
            ConfigArg::Default {
                open_duration,
                consecutive_failures,
                failure_rate,
                minimum_calls,
                bucket_width,
            } => {
                let open_duration = open_duration.ticks();
                let mut config = std::mem::MaybeUninit::<failwell_breaker_config_t>::uninit();
                // SAFETY: a local, valid for a write of a config.
                let status =
                    unsafe { failwell_breaker_config_default(config.as_mut_ptr(), open_duration) };
                assert_eq!(status, FAILWELL_OK, "config_default into a local");
                // SAFETY: FAILWELL_OK: the config was written.
                let mut config = unsafe { config.assume_init() };
                config.consecutive_failures = u16::from(consecutive_failures % 8);
                config.failure_rate = failure_rate.permille(RATE_MOST);
                config.minimum_calls = u32::from(minimum_calls % 12);
                config.bucket_width = u64::from(bucket_width % 4);
                config
            }
        }
    }
}

/// The core config a C config describes, or the status refusing it: the
/// mapping `failwell_breaker_init` documents (every field by name,
/// `may_probe` 0 or 1 or FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN).
fn rust_config(c: &failwell_breaker_config_t) -> Result<Config, failwell_status_t> {
    let mut tiers = [TierPolicy::new(false, 0); 3];
    for (i, policy) in tiers.iter_mut().enumerate() {
        let may_probe = match c.may_probe[i] {
            0 => false,
            1 => true,
            _ => return Err(FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN),
        };
        *policy = TierPolicy::new(may_probe, c.ramp_delay[i]);
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

/// An operator's action.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    ForceOpen,
    Disable,
    Reset,
}

/// Something the shadow breaker was told, kept to rebuild its state (a
/// snapshot too: it can expire time buckets).
#[derive(Clone, Copy)]
enum Step {
    Acquire(u64, Tier),
    Record(Ticket, u64, Outcome),
    Operate(Action, u64),
    Snapshot(u64),
}

/// A breaker as the Rust API sees it: same config, same history.
struct Shadow {
    home: usize,
    config: Config,
    breaker: RustBreaker,
    /// Everything the breaker was told, in order, to rebuild a copy.
    steps: Vec<Step>,
}

impl Shadow {
    /// The shadow of a breaker initialised at slot `home` with `config`,
    /// which the Rust API accepted.
    fn new(home: usize, config: Config) -> Shadow {
        Shadow {
            home,
            config,
            breaker: RustBreaker::new(config).expect("an accepted config"),
            steps: Vec::new(),
        }
    }

    fn apply(&mut self, step: Step) {
        match step {
            Step::Acquire(now, tier) => drop(self.acquire(now, tier)),
            Step::Record(ticket, now, outcome) => drop(self.record(ticket, now, outcome)),
            Step::Operate(action, now) => self.operate(action, now),
            Step::Snapshot(now) => drop(self.snapshot(now)),
        }
    }

    fn snapshot(&mut self, now: u64) -> Snapshot {
        self.steps.push(Step::Snapshot(now));
        self.breaker.snapshot(now)
    }

    fn acquire(&mut self, now: u64, tier: Tier) -> Result<Ticket, Rejection> {
        self.steps.push(Step::Acquire(now, tier));
        self.breaker.acquire(now, tier)
    }

    fn record(&mut self, ticket: Ticket, now: u64, outcome: Outcome) -> Recorded {
        self.steps.push(Step::Record(ticket, now, outcome));
        self.breaker.record(ticket, now, outcome)
    }

    fn operate(&mut self, action: Action, now: u64) {
        self.steps.push(Step::Operate(action, now));
        match action {
            Action::ForceOpen => self.breaker.force_open(now),
            Action::Disable => self.breaker.disable(now),
            Action::Reset => self.breaker.reset(now),
        }
    }
}

impl common::Shadow for Shadow {
    fn home(&self) -> usize {
        self.home
    }

    /// A copy of the state: the same config told the same things.
    fn duplicate(&self) -> Shadow {
        let mut copy = Shadow::new(self.home, self.config);
        for &step in &self.steps {
            copy.apply(step);
        }
        copy
    }
}

/// The ticket a permit stands for, by the documented layout.
fn decode(permit: &failwell_permit_t) -> Ticket {
    Ticket {
        generation: permit.ticket & TICKET_GENERATION,
        probe: u8::try_from(permit.ticket >> TICKET_PROBE_SHIFT & TICKET_PROBE_MASK)
            .expect("five bits"),
        grant: u8::try_from(permit.ticket >> TICKET_GRANT_SHIFT & TICKET_GRANT_MASK)
            .expect("six bits"),
        acquired_at: permit.acquired_at,
    }
}

/// The ticket bits of a permit issued for `ticket`.
fn ticket_bits(ticket: Ticket) -> u32 {
    ticket.generation & TICKET_GENERATION
        | (u32::from(ticket.probe) & TICKET_PROBE_MASK) << TICKET_PROBE_SHIFT
        | (u32::from(ticket.grant) & TICKET_GRANT_MASK) << TICKET_GRANT_SHIFT
}

/// The status the C ABI gives a Rust rejection, and the `retry_after`.
fn rejection_status(rejection: Rejection) -> (failwell_status_t, u64) {
    match rejection {
        Rejection::Open { retry_after } => (FAILWELL_BREAKER_OPEN, retry_after),
        Rejection::ProbesBusy { retry_after } => (FAILWELL_PROBES_BUSY, retry_after),
        Rejection::NotProbing => (FAILWELL_NOT_PROBING, 0),
        Rejection::Ramp => (FAILWELL_RAMP_SHED, 0),
        Rejection::ForcedOpen => (FAILWELL_FORCED_OPEN, u64::MAX),
        _ => (FAILWELL_BREAKER_REFUSED, 0),
    }
}

fn recorded_status(recorded: Recorded) -> failwell_status_t {
    match recorded {
        Recorded::Counted => FAILWELL_OK,
        Recorded::Stale => FAILWELL_PERMIT_STALE,
    }
}

/// The C snapshot of a Rust snapshot, field by field as documented.
fn c_snapshot(s: &Snapshot) -> failwell_breaker_snapshot_t {
    failwell_breaker_snapshot_t {
        state: s.state as u32,
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
    }
}

/// A breaker refusal: the statuses 10..19 of acquire.
fn is_refusal(status: failwell_status_t) -> bool {
    matches!(
        status,
        FAILWELL_BREAKER_OPEN
            | FAILWELL_PROBES_BUSY
            | FAILWELL_NOT_PROBING
            | FAILWELL_RAMP_SHED
            | FAILWELL_FORCED_OPEN
            | FAILWELL_BREAKER_REFUSED
    )
}

struct Harness {
    storage: Storage,
    now: u64,
    /// The permit holders, and what each permit value is at each slot.
    permits: Permits<Ticket, SLOTS>,
}

impl Harness {
    fn new(fill: &Fill) -> Harness {
        Harness {
            storage: Storage::new(fill),
            now: 0,
            permits: Permits::new(),
        }
    }

    fn run(&mut self, op: &Op) {
        match *op {
            Op::Init {
                breaker,
                ref config,
            } => self.init(breaker, config),
            Op::ConfigDefault { open_duration, out } => config_default(open_duration, out),
            Op::Acquire {
                breaker,
                now,
                tier,
                permit,
                retry_after,
            } => {
                self.now = now.apply(self.now);
                self.acquire(breaker, tier.c(), permit.resolve(), retry_after);
            }
            Op::Report {
                breaker,
                now,
                outcome,
                permit,
            } => {
                self.now = now.apply(self.now);
                self.report(breaker, Outcome::from(outcome), permit.resolve());
            }
            Op::Burst {
                slot,
                step,
                tier,
                outcome,
                count,
                hold_last,
            } => {
                let count = count % BURST_MAX;
                for i in 0..=count {
                    self.now = self.now.saturating_add(u64::from(step));
                    let obj = ObjPtr::Slot(slot);
                    let status = self.acquire(obj, tier.c(), Some(BURST_HOLDER), true);
                    if status == FAILWELL_OK {
                        if !(hold_last && i == count) {
                            self.report(obj, Outcome::from(outcome), Some(BURST_HOLDER));
                        }
                    } else if !is_refusal(status) {
                        break;
                    }
                }
            }
            Op::Operate {
                breaker,
                now,
                action,
            } => {
                self.now = now.apply(self.now);
                self.operate(breaker, action);
            }
            Op::Snapshot { breaker, now, out } => {
                self.now = now.apply(self.now);
                self.snapshot(breaker, out);
            }
            Op::StatusStr(value) => check_status_str(value),
            Op::Copy { from, to } => self.storage.copy(from, to),
            Op::Poke { at, value } => self.storage.poke(at, value),
            Op::CopyPermit { from, to } => self.permits.copy(from, to),
            Op::Forge { holder, forgery } => self.permits.forge(holder, forgery),
        }
    }

    fn init(&mut self, obj: ObjPtr, config: &ConfigPtr) {
        let before = self.storage.bytes();
        let mut placed = config.place(|arg| arg.c());
        // SAFETY: each pointer is NULL or valid: the object within our
        // buffer, the config within `placed`, alive across the call.
        let status = unsafe { failwell_breaker_init(self.storage.pointer(obj), placed.pointer()) };
        check_known(status, &INIT_STATUSES);
        let accepted = placed.judge(|c| {
            let rust = rust_config(c)?;
            RustBreaker::new(rust)?;
            Ok(rust)
        });
        let what = format_args!("init {obj:?} with {config:?}");
        let initialised =
            self.storage
                .check_init(&before, obj, status, accepted, what, Shadow::new);
        if let Some(slot) = initialised {
            let snapshot = self.compare(slot);
            assert_eq!(
                (
                    snapshot.state,
                    snapshot.generation,
                    snapshot.count_window,
                    snapshot.time_window
                ),
                (
                    FAILWELL_BREAKER_STATE_CLOSED,
                    0,
                    Default::default(),
                    Default::default()
                ),
                "init: closed, empty windows, generation 0"
            );
        }
    }

    fn acquire(
        &mut self,
        obj: ObjPtr,
        tier: failwell_tier_t,
        permit: Option<Holder>,
        retry_after: bool,
    ) -> failwell_status_t {
        let before = self.storage.bytes();
        let now = self.now;
        let mut retry = SENTINEL64;
        let retry_ptr = out_ptr(&mut retry, retry_after);
        let pointer = self.storage.pointer(obj);
        let (status, passed) = self.permits.pass(permit, |permit_ptr| {
            // SAFETY: the object NULL or within our buffer; `permit_ptr` NULL
            // or 16 bytes within a live buffer (any alignment); `retry_ptr`
            // NULL or a live local.
            unsafe { failwell_breaker_acquire(pointer, now, tier, permit_ptr, retry_ptr) }
        });
        check_known(status, ACQUIRE_STATUSES);

        // The out-value rules hold whatever the storage holds.
        if retry_after {
            match status {
                FAILWELL_OK
                | FAILWELL_NOT_PROBING
                | FAILWELL_RAMP_SHED
                | FAILWELL_BREAKER_REFUSED => {
                    assert_eq!(retry, 0, "{status:?}: retry_after must be 0")
                }
                FAILWELL_FORCED_OPEN => {
                    assert_eq!(
                        retry,
                        u64::MAX,
                        "forced open: retry_after must be UINT64_MAX"
                    )
                }
                FAILWELL_BREAKER_OPEN | FAILWELL_PROBES_BUSY => {}
                _ => assert_eq!(retry, SENTINEL64, "{status:?} wrote retry_after"),
            }
        }
        permit::check_issued(passed, status, is_refusal(status), now);
        let wrote = status == FAILWELL_OK || is_refusal(status);
        self.storage
            .check_writes(&before, obj, wrote, format_args!("acquire: {status:?}"));

        let mut problems = Problems::new();
        let rust_tier = problems.tier(tier);
        problems.pointer(permit.is_some());
        let what = format_args!("acquire tier={tier}");
        if let Reached::Live(slot) = self.storage.check_call(obj, status, &problems, what) {
            let rust_tier = rust_tier.expect("no problems: tier valid");
            let shadow = self.storage.shadow(slot);
            let state = shadow.breaker.state();
            let (expected, wait, ticket) = match shadow.acquire(now, rust_tier) {
                Ok(ticket) => (FAILWELL_OK, 0, Some(ticket)),
                Err(rejection) => {
                    let (status, wait) = rejection_status(rejection);
                    (status, wait, None)
                }
            };
            assert_eq!(
                status, expected,
                "acquire now={now} tier={rust_tier:?} in {state:?} on {:?}",
                shadow.config
            );
            match state {
                State::Disabled => assert_eq!(status, FAILWELL_OK, "disabled refused"),
                State::ForcedOpen => {
                    assert_eq!(status, FAILWELL_FORCED_OPEN, "forced open admitted")
                }
                _ => {}
            }
            if retry_after {
                assert_eq!(retry, wait, "retry_after at now={now} tier={rust_tier:?}");
            }
            if let Some(ticket) = ticket {
                let written = passed.expect("admitted: the permit is not NULL").written;
                assert_eq!(
                    written.ticket,
                    ticket_bits(ticket),
                    "the permit's ticket bits for {ticket:?}"
                );
                assert_eq!(decode(&written), ticket);
                self.permits.learn(slot, &written, Known::Issued(ticket));
            }
            self.compare(slot);
        }
        status
    }

    fn report(&mut self, obj: ObjPtr, outcome: Outcome, permit: Option<Holder>) {
        let before = self.storage.bytes();
        let now = self.now;
        let pointer = self.storage.pointer(obj);
        let (status, passed) = self.permits.pass(permit, |permit_ptr| {
            // SAFETY: the object NULL or within our buffer; `permit_ptr` NULL
            // or 16 bytes within a live buffer (any alignment), readable and
            // writable.
            unsafe {
                match outcome {
                    Outcome::Success => failwell_breaker_success(pointer, permit_ptr, now),
                    Outcome::Failure => failwell_breaker_failure(pointer, permit_ptr, now),
                    Outcome::Latency(latency) => {
                        failwell_breaker_latency(pointer, permit_ptr, now, latency)
                    }
                    Outcome::FailureLatency(latency) => {
                        failwell_breaker_failure_latency(pointer, permit_ptr, now, latency)
                    }
                    Outcome::Ignored => failwell_breaker_ignore(pointer, permit_ptr, now),
                }
            }
        });
        check_known(status, REPORT_STATUSES);
        // Rules that hold whatever the storage holds.
        permit::check_spent(passed, status, TAKEN);
        self.storage.check_writes(
            &before,
            obj,
            status == FAILWELL_OK,
            format_args!("report: {status:?}"),
        );

        let mut problems = Problems::new();
        problems.pointer(passed.is_some());
        if let Reached::Live(slot) = self.storage.check_call(obj, status, &problems, "report") {
            let passed = passed.expect("no problems: a permit");
            self.report_live(slot, outcome, passed, status);
        }
    }

    /// A report on the breaker live at `slot` with the permit `passed`.
    fn report_live(
        &mut self,
        slot: usize,
        outcome: Outcome,
        passed: Passed,
        status: failwell_status_t,
    ) {
        let now = self.now;
        let held = passed.held;
        let here = self.permits.judge(slot, &held, status, TAKEN);
        if !TAKEN.contains(&status) {
            self.compare(slot);
            return;
        }
        let ticket = decode(&held);
        if let Some(Known::Issued(issued)) = here {
            assert_eq!(ticket, issued, "the permit {held:?} decodes to its ticket");
        }
        let shadow = self.storage.shadow(slot);
        // At the report's `now`, as the comparison after it takes one: a
        // snapshot moves the time window to `now`, and so does the report.
        let generation = shadow.snapshot(now).generation;
        let expected = recorded_status(shadow.record(ticket, now, outcome));
        assert_eq!(
            status, expected,
            "report {outcome:?} of {ticket:?} at now={now} on {:?}",
            shadow.config
        );
        if ticket.generation != generation {
            assert_eq!(
                status, FAILWELL_PERMIT_STALE,
                "a permit of generation {} reported in generation {generation}",
                ticket.generation
            );
        }
        self.permits.spent(slot, passed, ticket);
        self.compare(slot);
    }

    fn operate(&mut self, obj: ObjPtr, action: Action) {
        let before = self.storage.bytes();
        let now = self.now;
        let pointer = self.storage.pointer(obj);
        // SAFETY: the object NULL or within our buffer.
        let status = unsafe {
            match action {
                Action::ForceOpen => failwell_breaker_force_open(pointer, now),
                Action::Disable => failwell_breaker_disable(pointer, now),
                Action::Reset => failwell_breaker_reset(pointer, now),
            }
        };
        check_known(status, OBJECT_STATUSES);
        let wrote = status == FAILWELL_OK;
        self.storage
            .check_writes(&before, obj, wrote, format_args!("{action:?}: {status:?}"));
        let what = format_args!("{action:?}");
        if let Reached::Live(slot) = self.storage.check_call(obj, status, &Problems::new(), what) {
            assert_eq!(status, FAILWELL_OK, "{action:?} on a live breaker");
            self.storage.shadow(slot).operate(action, now);
            let snapshot = self.compare(slot);
            match action {
                Action::ForceOpen => assert_eq!(
                    snapshot.state, FAILWELL_BREAKER_STATE_FORCED_OPEN,
                    "after force_open"
                ),
                Action::Disable => assert_eq!(
                    snapshot.state, FAILWELL_BREAKER_STATE_DISABLED,
                    "after disable"
                ),
                Action::Reset => assert_eq!(
                    (
                        snapshot.state,
                        snapshot.ramp_stage,
                        snapshot.trips,
                        snapshot.count_window,
                        snapshot.time_window
                    ),
                    (
                        FAILWELL_BREAKER_STATE_CLOSED,
                        0,
                        0,
                        Default::default(),
                        Default::default()
                    ),
                    "after reset: closed at full traffic, empty windows, backoff over"
                ),
            }
        }
    }

    fn snapshot(&mut self, obj: ObjPtr, out: bool) {
        let before = self.storage.bytes();
        let mut snapshot = SENTINEL_SNAPSHOT;
        let out_ptr = out_ptr(&mut snapshot, out);
        let pointer = self.storage.pointer(obj).cast_const();
        // SAFETY: the object NULL or within our buffer; `out_ptr` NULL or a
        // live local.
        let status = unsafe { failwell_breaker_snapshot(pointer, self.now, out_ptr) };
        if status == FAILWELL_OK {
            check_snapshot(&snapshot);
        }
        // A snapshot may expire its breaker's time buckets.
        let live = self.storage.check_snapshot_call(
            &before,
            obj,
            out,
            true,
            status,
            &snapshot,
            &SENTINEL_SNAPSHOT,
        );
        if let Some(slot) = live {
            let shadow = self.storage.shadow(slot);
            let want = c_snapshot(&shadow.snapshot(self.now));
            assert_eq!(snapshot, want, "snapshot on {:?}", shadow.config);
            check_live_snapshot(&snapshot, &shadow.config);
        }
    }

    /// The C snapshot of the breaker live at `slot`, checked against the
    /// shadow's, both at the current `now`.
    fn compare(&mut self, slot: usize) -> failwell_breaker_snapshot_t {
        let mut snapshot = SENTINEL_SNAPSHOT;
        let pointer = self
            .storage
            .pointer(ObjPtr::Slot(u8::try_from(slot).expect("few slots")));
        // SAFETY: the object within our buffer; the out-pointer a live local.
        let status =
            unsafe { failwell_breaker_snapshot(pointer.cast_const(), self.now, &mut snapshot) };
        assert_eq!(
            status, FAILWELL_OK,
            "snapshot of the live breaker at slot {slot}"
        );
        check_snapshot(&snapshot);
        let shadow = self.storage.shadow(slot);
        let want = c_snapshot(&shadow.snapshot(self.now));
        assert_eq!(
            snapshot, want,
            "C and Rust snapshots on {:?}",
            shadow.config
        );
        check_live_snapshot(&snapshot, &shadow.config);
        snapshot
    }
}

/// `failwell_breaker_config_default` into a NULL, aligned or unaligned
/// out-pointer.
fn config_default(open_duration: u64, out: Place) {
    let mut buffer = out.offset().map(Buffer::<failwell_breaker_config_t>::new);
    let at = buffer.as_mut().map_or(null_mut(), Buffer::pointer);
    // SAFETY: `at` NULL or a config's bytes within a live buffer (any
    // alignment).
    let status = unsafe { failwell_breaker_config_default(at, open_duration) };
    check_known(status, &[FAILWELL_OK, FAILWELL_NULL_POINTER]);
    let Some(buffer) = buffer else {
        assert_eq!(status, FAILWELL_NULL_POINTER, "config_default into NULL");
        return;
    };
    assert_eq!(status, FAILWELL_OK, "config_default into {out:?}");
    buffer.check_outside("config_default");
    let config = buffer.read();
    assert_eq!(
        rust_config(&config),
        Ok(Config::new(open_duration)),
        "config_default({open_duration}) is Config::new: {config:?}"
    );
}

/// Invariants of any snapshot the library writes, whatever the storage.
fn check_snapshot(s: &failwell_breaker_snapshot_t) {
    assert!(
        s.state <= FAILWELL_BREAKER_STATE_DISABLED,
        "state {}",
        s.state
    );
    assert!(
        s.generation <= TICKET_GENERATION,
        "generation {}",
        s.generation
    );
    assert!(
        s.has_next_transition == 1 || (s.has_next_transition == 0 && s.next_transition == 0),
        "next transition {} / {}",
        s.has_next_transition,
        s.next_transition
    );
}

/// Invariants of the snapshot of a breaker with `config`.
fn check_live_snapshot(s: &failwell_breaker_snapshot_t, config: &Config) {
    if s.state != FAILWELL_BREAKER_STATE_HALF_OPEN {
        assert_eq!(
            (s.probes_in_flight, s.probe_successes),
            (0, 0),
            "probe counts outside half-open: {s:?}"
        );
    }
    if s.state != FAILWELL_BREAKER_STATE_CLOSED {
        assert_eq!(
            (s.ramp_stage, s.consecutive_failures),
            (0, 0),
            "closed counts outside closed: {s:?}"
        );
    }
    assert!(
        s.probes_in_flight <= u32::from(config.probes),
        "{} probes in flight, above {}",
        s.probes_in_flight,
        config.probes
    );
    assert!(s.ramp_stage <= 7, "ramp stage {}", s.ramp_stage);
    let count = s.count_window;
    assert!(
        count.calls <= 100 && count.failures <= count.calls && count.slow <= count.calls,
        "count window {count:?}"
    );
    let time = s.time_window;
    assert!(
        time.failures <= time.calls && time.slow <= time.calls,
        "time window {time:?}"
    );
}

fuzz_target!(|input: Input<Op>| {
    let mut harness = Harness::new(&input.fill);
    for op in &input.ops {
        harness.run(op);
    }
});
