//! The C ABI of the rate limiter, called as Rust functions from the
//! `failwell_ffi` rlib, on storage whose contents the input chooses.
//!
//! The storage is one heap buffer of `SLOTS` limiter-sized, aligned slots
//! (plus a spare word, so a misaligned pointer into the last slot stays in
//! bounds), filled from the input: zeroes, one repeated byte, or arbitrary
//! bytes. Then an arbitrary sequence of calls and memory operations:
//! `failwell_limiter_init` (re-init included) with arbitrary configs,
//! `_acquire`, `_reset`, `_snapshot`, `_capacity` with arbitrary `now`, cost
//! and tier (any `u32`), each with a NULL, aligned or misaligned object
//! pointer and NULL or valid out-pointers; `failwell_status_str` of any `u32`;
//! `failwell_version`; memcpy of one slot onto another (copying or moving an
//! initialised object); overwriting single bytes of the storage.
//!
//! The target keeps a shadow of every slot: a pattern the C tests promise is
//! refused (zeroes, one repeated byte), arbitrary bytes, or a limiter
//! initialised at some slot, with a Rust `RateLimiter` of the same config
//! that has been through the same requests and resets (and the reference
//! model, `failwell_tests::limiter_model::LimiterModel`, in step with it).
//! It checks:
//!
//! - every status is a known `failwell_status_t`, one the function's
//!   documentation lists, and `failwell_status_str` names it (never NULL,
//!   never "unknown status"); any other `u32` is "unknown status";
//! - a call with something wrong (NULL or misaligned object, an object that
//!   is not initialised at this address, e.g. copied there after init, NULL
//!   required out-pointer, tier out of range, cost 0, invalid config) returns
//!   the status of one of the things wrong with it, and changes nothing: not
//!   the storage, not the out-pointers;
//! - a call on a limiter initialised at this address with nothing wrong
//!   returns exactly what the Rust API returns for the same config and
//!   history, writes the documented out-values (`retry_after` 0 when
//!   admitted, `UINT64_MAX` when the cost exceeds the capacity, > 0 when rate
//!   limited), and writes no storage but its own (only admissions, resets
//!   and the re-base of a clock fault write);
//! - an initialised limiter never admits more than its burst at one fixed
//!   `now`, nor more than the burst less the reserves a tier may not take,
//!   between two clock faults or resets (each starts the bucket over), and
//!   its snapshot and capacities stay within those bounds;
//! - arbitrary bytes (including an initialised object with some bytes
//!   overwritten) give only statuses the function may return and keep the
//!   out-pointer rules, without crashing (AddressSanitizer watches the
//!   memory accesses).
//!
//! The storage, the object pointers into it, the arguments every C ABI takes
//! and the status checks are shared with the other C ABI targets, in
//! `common/`.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::ffi::{c_char, CStr};
use std::mem::size_of;
use std::ptr::null;
use std::sync::LazyLock;

use arbitrary::Arbitrary;
use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};
use failwell_ffi::failwell_status_t::{self, *};
use failwell_ffi::{
    failwell_limiter_acquire, failwell_limiter_capacity, failwell_limiter_config_t,
    failwell_limiter_init, failwell_limiter_reset, failwell_limiter_snapshot,
    failwell_limiter_snapshot_t, failwell_limiter_t, failwell_tier_t, failwell_version,
    FAILWELL_LIMITER_WORDS, FAILWELL_VERSION_MAJOR, FAILWELL_VERSION_MINOR, FAILWELL_VERSION_PATCH,
};
use failwell_tests::limiter_model::LimiterModel;
use libfuzzer_sys::fuzz_target;

use common::{
    check_known, check_status_str, out_ptr, Fill, Input, Now, ObjPtr, Problems, Reached, TierArg,
    SENTINEL32, SENTINEL64,
};

/// Limiter-sized slots in the storage buffer.
const SLOTS: usize = 4;

/// The storage: `SLOTS` limiters and a spare word.
type Storage = common::Storage<failwell_limiter_t, Shadow, SLOTS>;

const _: () = assert!(size_of::<failwell_limiter_t>() == FAILWELL_LIMITER_WORDS * 8);
// SAFETY: a limiter is FAILWELL_LIMITER_WORDS `u64` words (asserted above):
// no padding, so every byte the library writes is initialised.
unsafe impl common::CObject for failwell_limiter_t {}
// SAFETY: plain integers: any bits are a config.
unsafe impl common::Plain for failwell_limiter_config_t {}

/// What `failwell_limiter_init` may return: its config statuses are the
/// block from FAILWELL_CONFIG_ZERO_RATE.
static INIT_STATUSES: LazyLock<Vec<failwell_status_t>> =
    LazyLock::new(|| common::init_statuses(FAILWELL_CONFIG_ZERO_RATE));

/// Values no call writes, to see that out-pointers are left alone.
const SENTINEL_SNAPSHOT: failwell_limiter_snapshot_t = failwell_limiter_snapshot_t {
    essential: SENTINEL32,
    important: SENTINEL32,
    optional: SENTINEL32,
    full_in: SENTINEL64,
};

/// Longest run of one `Drain` operation.
const DRAIN_MAX: u32 = 64;

#[derive(Arbitrary, Debug)]
enum Op {
    Init {
        limiter: ObjPtr,
        config: ConfigPtr,
    },
    Acquire {
        limiter: ObjPtr,
        now: Now,
        cost: CostArg,
        tier: TierArg,
        retry_after: bool,
    },
    /// Acquires at one `now` until refused (at most `DRAIN_MAX` times).
    Drain {
        slot: u8,
        now: Now,
        cost: u8,
        tier: TierArg,
    },
    Reset {
        limiter: ObjPtr,
        now: Now,
    },
    Snapshot {
        limiter: ObjPtr,
        now: Now,
        out: bool,
    },
    Capacity {
        limiter: ObjPtr,
        tier: TierArg,
        out: bool,
    },
    StatusStr(u32),
    Version,
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
}

type ConfigPtr = common::ConfigPtr<ConfigArg>;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ConfigArg {
    /// Every field arbitrary.
    Raw {
        rate: u32,
        burst: u32,
        period: u64,
        reserve_essential: u32,
        reserve_important: u32,
    },
    /// Small values: mostly valid configs.
    Small {
        rate: u8,
        burst: u8,
        per_unit: u8,
        reserve_essential: u8,
        reserve_important: u8,
    },
}

impl ConfigArg {
    fn c(self) -> failwell_limiter_config_t {
        match self {
            ConfigArg::Raw {
                rate,
                burst,
                period,
                reserve_essential,
                reserve_important,
            } => failwell_limiter_config_t {
                rate,
                burst,
                period,
                reserve_essential,
                reserve_important,
            },
            ConfigArg::Small {
                rate,
                burst,
                per_unit,
                reserve_essential,
                reserve_important,
            } => failwell_limiter_config_t {
                rate: u32::from(rate),
                burst: u32::from(burst),
                period: u64::from(rate) * u64::from(per_unit) + u64::from(rate / 3),
                reserve_essential: u32::from(reserve_essential),
                reserve_important: u32::from(reserve_important),
            },
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum CostArg {
    Small(u8),
    Any(u32),
}

impl CostArg {
    fn get(self) -> u32 {
        match self {
            CostArg::Small(cost) => u32::from(cost),
            CostArg::Any(cost) => cost,
        }
    }
}

/// A call that changed a limiter's state.
#[derive(Clone, Copy, Debug)]
enum Change {
    /// An acquire that was admitted, or re-based a clock fault.
    Acquire {
        now: u64,
        cost: u32,
        tier: Tier,
        result: Result<(), Rejection>,
    },
    Reset(u64),
}

/// A limiter as the Rust API sees it: same config, same calls.
struct Shadow {
    home: usize,
    config: LimiterConfig,
    limiter: RateLimiter,
    /// The reference model in step with `limiter`: it tells a clock fault.
    model: LimiterModel,
    /// The calls that changed the state, in order, to rebuild a copy.
    changes: Vec<Change>,
    /// Per `now`, since the latest clock fault or reset: units admitted at
    /// it of any tier, of Important or Optional, and of Optional.
    at: BTreeMap<u64, [u64; 3]>,
}

impl Shadow {
    /// The shadow of a limiter initialised at slot `home` with `config`,
    /// which the Rust API accepted.
    fn new(home: usize, config: LimiterConfig) -> Shadow {
        Shadow {
            home,
            config,
            limiter: RateLimiter::new(config).expect("an accepted config"),
            model: LimiterModel::new(&config).expect("an accepted config"),
            changes: Vec::new(),
            at: BTreeMap::new(),
        }
    }

    /// Runs a valid request (cost > 0, a known tier) through the limiter
    /// and the model: the Rust API's answer, and whether it re-based a
    /// clock fault. Records the change, if any.
    fn acquire(&mut self, now: u64, cost: u32, tier: Tier) -> (Result<(), Rejection>, bool) {
        let fault = self.model.clock_fault(now);
        let result = self
            .model
            .step(&self.limiter, now, cost, tier)
            .unwrap_or_else(|disagreement| panic!("{:?}: {disagreement}", self.config));
        // A request that reaches the bucket at a fault is refused, rate
        // limited; one whose cost is above the capacity never reaches it.
        let rebased = fault && matches!(result, Err(Rejection::RateLimited { .. }));
        if rebased {
            self.at.clear();
        }
        if result.is_ok() || rebased {
            self.changes.push(Change::Acquire {
                now,
                cost,
                tier,
                result,
            });
        }
        if result.is_ok() {
            self.record(now, cost, tier);
        }
        (result, rebased)
    }

    fn reset(&mut self, now: u64) {
        self.model
            .reset(&self.limiter, now)
            .unwrap_or_else(|disagreement| panic!("{:?}: {disagreement}", self.config));
        self.changes.push(Change::Reset(now));
        self.at.clear();
    }

    /// The largest cost of `tier` from the config alone.
    fn capacity(&self, tier: Tier) -> u64 {
        let burst = u64::from(self.config.burst);
        let essential = u64::from(self.config.reserve_essential);
        let important = u64::from(self.config.reserve_important);
        match tier {
            Tier::Essential => burst,
            Tier::Important => burst - essential,
            Tier::Optional => burst - essential - important,
        }
    }

    /// Counts an admission at `now` and checks the per-`now` bounds.
    fn record(&mut self, now: u64, cost: u32, tier: Tier) {
        let caps = Tier::ALL.map(|lower| self.capacity(lower));
        let sums = self.at.entry(now).or_default();
        for (i, sum) in sums.iter_mut().enumerate() {
            if tier as usize >= i {
                *sum += u64::from(cost);
            }
        }
        for (i, lower) in Tier::ALL.into_iter().enumerate() {
            let cap = caps[i];
            assert!(
                sums[i] <= cap,
                "admitted {} units of {lower:?} or lower tiers at now={now}, above their {cap} \
                 (config {:?})",
                sums[i],
                self.config
            );
        }
    }
}

impl common::Shadow for Shadow {
    fn home(&self) -> usize {
        self.home
    }

    /// A copy of the state: the same config through the same changes.
    fn duplicate(&self) -> Shadow {
        let limiter = RateLimiter::new(self.config).expect("the config was accepted before");
        for &change in &self.changes {
            match change {
                Change::Acquire {
                    now,
                    cost,
                    tier,
                    result,
                } => assert_eq!(
                    limiter.try_acquire(now, cost, tier),
                    result,
                    "replaying {change:?}"
                ),
                Change::Reset(now) => limiter.reset(now),
            }
        }
        Shadow {
            home: self.home,
            config: self.config,
            limiter,
            model: self.model.clone(),
            changes: self.changes.clone(),
            at: self.at.clone(),
        }
    }
}

struct Harness {
    storage: Storage,
    now: u64,
    version: *const c_char,
}

impl Harness {
    fn new(fill: &Fill) -> Harness {
        Harness {
            storage: Storage::new(fill),
            now: 0,
            version: null(),
        }
    }

    fn run(&mut self, op: &Op) {
        match *op {
            Op::Init {
                limiter,
                ref config,
            } => self.init(limiter, config),
            Op::Acquire {
                limiter,
                now,
                cost,
                tier,
                retry_after,
            } => {
                self.now = now.apply(self.now);
                self.acquire(limiter, cost.get(), tier.c(), retry_after);
            }
            Op::Drain {
                slot,
                now,
                cost,
                tier,
            } => {
                self.now = now.apply(self.now);
                for _ in 0..DRAIN_MAX {
                    let status = self.acquire(ObjPtr::Slot(slot), u32::from(cost), tier.c(), true);
                    if status != FAILWELL_OK {
                        break;
                    }
                }
            }
            Op::Reset { limiter, now } => {
                self.now = now.apply(self.now);
                self.reset(limiter);
            }
            Op::Snapshot { limiter, now, out } => {
                self.now = now.apply(self.now);
                self.snapshot(limiter, out);
            }
            Op::Capacity { limiter, tier, out } => self.capacity(limiter, tier.c(), out),
            Op::StatusStr(value) => check_status_str(value),
            Op::Version => self.version(),
            Op::Copy { from, to } => self.storage.copy(from, to),
            Op::Poke { at, value } => self.storage.poke(at, value),
        }
    }

    fn init(&mut self, obj: ObjPtr, config: &ConfigPtr) {
        let before = self.storage.bytes();
        let mut placed = config.place(|arg| arg.c());
        // SAFETY: each pointer is NULL or valid: the object within our
        // buffer, the config within `placed`, alive across the call.
        let status = unsafe { failwell_limiter_init(self.storage.pointer(obj), placed.pointer()) };
        check_known(status, &INIT_STATUSES);
        let accepted = placed.judge(|c| {
            let config = LimiterConfig::new(c.rate, c.period, c.burst)
                .with_reserve(c.reserve_essential, c.reserve_important);
            RateLimiter::new(config)?;
            Ok(config)
        });
        let what = format_args!("init {obj:?} with {config:?}");
        self.storage
            .check_init(&before, obj, status, accepted, what, Shadow::new);
    }

    fn acquire(
        &mut self,
        obj: ObjPtr,
        cost: u32,
        tier: failwell_tier_t,
        retry_after: bool,
    ) -> failwell_status_t {
        let before = self.storage.bytes();
        let now = self.now;
        let mut retry = SENTINEL64;
        let retry_ptr = out_ptr(&mut retry, retry_after);
        let pointer = self.storage.pointer(obj);
        // SAFETY: the object NULL or within our buffer; `retry_ptr` NULL or
        // a live local.
        let status = unsafe { failwell_limiter_acquire(pointer, now, cost, tier, retry_ptr) };
        check_known(
            status,
            &[
                FAILWELL_OK,
                FAILWELL_RATE_LIMITED,
                FAILWELL_COST_EXCEEDS_CAPACITY,
                FAILWELL_ZERO_COST,
                FAILWELL_NULL_POINTER,
                FAILWELL_MISALIGNED,
                FAILWELL_UNINITIALIZED,
                FAILWELL_INVALID_TIER,
            ],
        );
        // The out-value rules hold whatever the storage holds.
        if retry_after {
            match status {
                FAILWELL_OK => assert_eq!(retry, 0, "admitted: retry_after must be 0"),
                FAILWELL_RATE_LIMITED => assert!(retry > 0, "rate limited with retry_after 0"),
                FAILWELL_COST_EXCEEDS_CAPACITY => {
                    assert_eq!(retry, u64::MAX, "never: retry_after must be UINT64_MAX")
                }
                _ => assert_eq!(retry, SENTINEL64, "{status:?} wrote retry_after"),
            }
        }
        // Admissions write; so does the re-base of a clock fault, refused.
        let mut may_write = status == FAILWELL_OK;

        let mut problems = Problems::new();
        let rust_tier = problems.tier(tier);
        problems.argument(cost == 0, FAILWELL_ZERO_COST);
        let what = format_args!("acquire cost={cost} tier={tier}");
        match self.storage.check_call(obj, status, &problems, what) {
            Reached::Checked => {}
            Reached::Unknown => {
                // Bytes that pass for a limiter may hold a clock fault.
                may_write |= status == FAILWELL_RATE_LIMITED;
            }
            Reached::Live(slot) => {
                let shadow = self.storage.shadow(slot);
                let rust_tier = rust_tier.expect("no problems: tier valid");
                let (result, rebased) = shadow.acquire(now, cost, rust_tier);
                may_write |= rebased;
                let (expected, wait) = match result {
                    Ok(()) => (FAILWELL_OK, 0),
                    Err(Rejection::RateLimited { retry_after }) => {
                        (FAILWELL_RATE_LIMITED, retry_after)
                    }
                    Err(Rejection::CostExceedsCapacity) => {
                        (FAILWELL_COST_EXCEEDS_CAPACITY, u64::MAX)
                    }
                    Err(other) => panic!("the Rust API refused cost {cost} with {other:?}"),
                };
                assert_eq!(
                    status, expected,
                    "acquire now={now} cost={cost} tier={tier} on {:?}",
                    shadow.config
                );
                if retry_after {
                    assert_eq!(
                        retry, wait,
                        "retry_after at now={now} cost={cost} tier={tier}"
                    );
                }
            }
        }
        self.storage
            .check_writes(&before, obj, may_write, format_args!("acquire: {status:?}"));
        status
    }

    fn reset(&mut self, obj: ObjPtr) {
        let before = self.storage.bytes();
        let now = self.now;
        // SAFETY: the object NULL or within our buffer.
        let status = unsafe { failwell_limiter_reset(self.storage.pointer(obj), now) };
        check_known(status, common::OBJECT_STATUSES);
        self.storage
            .check_writes(&before, obj, status == FAILWELL_OK, "reset");
        if let Reached::Live(slot) = self
            .storage
            .check_call(obj, status, &Problems::new(), "reset")
        {
            assert_eq!(status, FAILWELL_OK, "reset of a live limiter");
            self.storage.shadow(slot).reset(now);
        }
    }

    fn snapshot(&mut self, obj: ObjPtr, out: bool) {
        let before = self.storage.bytes();
        let now = self.now;
        let mut snapshot = SENTINEL_SNAPSHOT;
        let out_ptr = out_ptr(&mut snapshot, out);
        // SAFETY: the object NULL or within our buffer; `out_ptr` NULL or a
        // live local.
        let status = unsafe { failwell_limiter_snapshot(self.storage.pointer(obj), now, out_ptr) };
        let live = self.storage.check_snapshot_call(
            &before,
            obj,
            out,
            false,
            status,
            &snapshot,
            &SENTINEL_SNAPSHOT,
        );
        if let Some(slot) = live {
            let shadow = self.storage.shadow(slot);
            let want = shadow.limiter.snapshot(now);
            assert_eq!(
                (
                    snapshot.essential,
                    snapshot.important,
                    snapshot.optional,
                    snapshot.full_in
                ),
                (want.essential, want.important, want.optional, want.full_in),
                "snapshot at now={now} on {:?}",
                shadow.config
            );
            assert!(
                u64::from(snapshot.essential) <= shadow.capacity(Tier::Essential)
                    && u64::from(snapshot.important) <= shadow.capacity(Tier::Important)
                    && u64::from(snapshot.optional) <= shadow.capacity(Tier::Optional)
                    && snapshot.essential >= snapshot.important
                    && snapshot.important >= snapshot.optional,
                "snapshot {snapshot:?} out of bounds for {:?}",
                shadow.config
            );
        }
    }

    fn capacity(&mut self, obj: ObjPtr, tier: failwell_tier_t, out: bool) {
        let before = self.storage.bytes();
        let mut capacity = SENTINEL32;
        let out_ptr = out_ptr(&mut capacity, out);
        // SAFETY: the object NULL or within our buffer; `out_ptr` NULL or a
        // live local.
        let status = unsafe { failwell_limiter_capacity(self.storage.pointer(obj), tier, out_ptr) };
        check_known(
            status,
            &[
                FAILWELL_OK,
                FAILWELL_NULL_POINTER,
                FAILWELL_MISALIGNED,
                FAILWELL_UNINITIALIZED,
                FAILWELL_INVALID_TIER,
            ],
        );
        self.storage.check_writes(&before, obj, false, "capacity");
        if status != FAILWELL_OK {
            assert_eq!(capacity, SENTINEL32, "{status:?} wrote the capacity");
        }
        let mut problems = Problems::new();
        problems.pointer(out);
        let rust_tier = problems.tier(tier);
        let what = format_args!("capacity tier={tier}");
        if let Reached::Live(slot) = self.storage.check_call(obj, status, &problems, what) {
            let rust_tier = rust_tier.expect("no problems: tier valid");
            let shadow = self.storage.shadow(slot);
            assert_eq!(status, FAILWELL_OK, "capacity of a live limiter");
            assert_eq!(
                capacity,
                shadow.limiter.capacity(rust_tier),
                "capacity of {rust_tier:?}"
            );
            assert_eq!(
                u64::from(capacity),
                shadow.capacity(rust_tier),
                "capacity of {rust_tier:?} against the config {:?}",
                shadow.config
            );
        }
    }

    fn version(&mut self) {
        let version = failwell_version();
        assert!(!version.is_null(), "failwell_version returned NULL");
        // SAFETY: non-null; the library promises a static, NUL-terminated string.
        let text = unsafe { CStr::from_ptr(version) };
        assert_eq!(
            text.to_str().ok(),
            Some(
                format!(
                    "{FAILWELL_VERSION_MAJOR}.{FAILWELL_VERSION_MINOR}.{FAILWELL_VERSION_PATCH}"
                )
                .as_str()
            ),
            "failwell_version against the FAILWELL_VERSION_* constants"
        );
        if !self.version.is_null() {
            assert_eq!(self.version, version, "failwell_version is not static");
        }
        self.version = version;
    }
}

fuzz_target!(|input: Input<Op>| {
    let mut harness = Harness::new(&input.fill);
    for op in &input.ops {
        harness.run(op);
    }
});
