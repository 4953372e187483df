//! The C ABI of the rate limiter, called as Rust functions from the
//! `failwell_ffi` rlib, on storage whose contents the input chooses.
//!
//! The storage is one heap buffer of `SLOTS` limiter-sized, aligned slots
//! (plus a spare word, so a misaligned pointer into the last slot stays in
//! bounds), filled from the input: zeroes, one repeated byte, or arbitrary
//! bytes. Then an arbitrary sequence of calls and memory operations:
//! `failwell_limiter_init` (re-init included) with arbitrary configs,
//! `_acquire`, `_snapshot`, `_capacity` with arbitrary `now`, cost and tier
//! (any `u32`), each with a NULL, aligned or misaligned object pointer and
//! NULL or valid out-pointers; `failwell_status_str` of any `u32`;
//! `failwell_version`; memcpy of one slot onto another (copying or moving an
//! initialised object); overwriting single bytes of the storage.
//!
//! The target keeps a shadow of every slot: a pattern the C tests promise is
//! refused (zeroes, one repeated byte), arbitrary bytes, or a limiter
//! initialised at some slot, with a Rust `RateLimiter` of the same config
//! that has admitted the same requests. It checks:
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
//!   limited), and writes no storage but its own (only admissions write);
//! - an initialised limiter never admits more than its burst at one fixed
//!   `now`, nor more than the burst less the reserves a tier may not take,
//!   and its snapshot and capacities stay within those bounds;
//! - arbitrary bytes (including an initialised object with some bytes
//!   overwritten) give only statuses the function may return and keep the
//!   out-pointer rules, without crashing (AddressSanitizer watches the
//!   memory accesses).

#![no_main]

use std::collections::BTreeMap;
use std::ffi::{c_char, CStr};
use std::mem::{align_of, size_of};
use std::ptr::{self, null, null_mut};

use arbitrary::Arbitrary;
use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};
use failwell_ffi::failwell_status_t::{self, *};
use failwell_ffi::{
    failwell_limiter_acquire, failwell_limiter_capacity, failwell_limiter_config_t,
    failwell_limiter_init, failwell_limiter_snapshot, failwell_limiter_snapshot_t,
    failwell_limiter_t, failwell_status_str, failwell_tier_t, failwell_version,
    FAILWELL_LIMITER_WORDS, FAILWELL_VERSION_MAJOR, FAILWELL_VERSION_MINOR, FAILWELL_VERSION_PATCH,
};
use libfuzzer_sys::fuzz_target;

/// Limiter-sized slots in the storage buffer.
const SLOTS: usize = 4;
/// Bytes of one slot: one `failwell_limiter_t`.
const SLOT_BYTES: usize = size_of::<failwell_limiter_t>();
/// Words of storage: the slots and one spare word.
const WORDS: usize = SLOTS * FAILWELL_LIMITER_WORDS + 1;
/// Bytes of storage.
const BYTES: usize = WORDS * 8;

const _: () = assert!(SLOT_BYTES == FAILWELL_LIMITER_WORDS * 8);
// Slots at multiples of SLOT_BYTES from an 8-aligned base are aligned.
const _: () = assert!(align_of::<failwell_limiter_t>() <= align_of::<u64>());
const _: () = assert!(SLOT_BYTES.is_multiple_of(align_of::<failwell_limiter_t>()));

/// Values no call writes, to see that out-pointers are left alone.
const SENTINEL64: u64 = 0x0123_4567_89ab_cdef;
const SENTINEL32: u32 = 0x89ab_cdef;
const SENTINEL_SNAPSHOT: failwell_limiter_snapshot_t = failwell_limiter_snapshot_t {
    essential: SENTINEL32,
    important: SENTINEL32,
    optional: SENTINEL32,
    full_in: SENTINEL64,
};

/// Longest run of one `Drain` operation.
const DRAIN_MAX: u32 = 64;

#[derive(Arbitrary, Debug)]
struct Input {
    fill: Fill,
    ops: Vec<Op>,
}

/// The storage's initial contents.
#[derive(Arbitrary, Debug)]
enum Fill {
    Zero,
    Byte(u8),
    /// These bytes from the start of the buffer, zeroes after them.
    Bytes(Vec<u8>),
}

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

/// An object pointer.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum ObjPtr {
    Null,
    Slot(u8),
    /// `offset` (1..=7) bytes past the start of a slot.
    Misaligned {
        slot: u8,
        offset: u8,
    },
}

#[derive(Arbitrary, Debug)]
enum ConfigPtr {
    Null,
    Aligned(ConfigArg),
    /// The config at an odd address: it is only read, unaligned.
    Unaligned(ConfigArg, u8),
}

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

/// The next `now`, from the previous one.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Now {
    Same,
    Forward(u16),
    Back(u16),
    Zero,
    Max,
    NearMax(u16),
    To(u64),
}

impl Now {
    fn apply(self, now: u64) -> u64 {
        match self {
            Now::Same => now,
            Now::Forward(d) => now.saturating_add(u64::from(d)),
            Now::Back(d) => now.saturating_sub(u64::from(d)),
            Now::Zero => 0,
            Now::Max => u64::MAX,
            Now::NearMax(d) => u64::MAX - u64::from(d),
            Now::To(t) => t,
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

#[derive(Arbitrary, Debug, Clone, Copy)]
enum TierArg {
    Essential,
    Important,
    Optional,
    Any(u32),
}

impl TierArg {
    fn c(self) -> failwell_tier_t {
        match self {
            TierArg::Essential => 0,
            TierArg::Important => 1,
            TierArg::Optional => 2,
            TierArg::Any(value) => value,
        }
    }
}

/// What the target knows a slot holds.
enum Contents {
    /// Zeroes or one repeated byte: refused, as the C tests check.
    Pattern,
    /// Anything else the input wrote: no promise but the status lists.
    Garbage,
    /// The bytes of a limiter initialised at slot `home`.
    Object(Shadow),
}

/// A limiter as the Rust API sees it: same config, same admissions.
struct Shadow {
    home: usize,
    config: LimiterConfig,
    limiter: RateLimiter,
    /// Admissions in order, to rebuild the state of a copy.
    admitted: Vec<(u64, u32, Tier)>,
    /// Per `now`: units admitted at it of any tier, of Important or
    /// Optional, and of Optional.
    at: BTreeMap<u64, [u64; 3]>,
}

impl Shadow {
    fn new(home: usize, config: LimiterConfig) -> Option<Shadow> {
        Some(Shadow {
            home,
            config,
            limiter: RateLimiter::new(config).ok()?,
            admitted: Vec::new(),
            at: BTreeMap::new(),
        })
    }

    /// A copy of the state: the same config with the same admissions.
    fn duplicate(&self) -> Shadow {
        let limiter = RateLimiter::new(self.config).expect("the config was accepted before");
        for &(now, cost, tier) in &self.admitted {
            limiter
                .try_acquire(now, cost, tier)
                .expect("replaying an admission admits it again");
        }
        Shadow {
            home: self.home,
            config: self.config,
            limiter,
            admitted: self.admitted.clone(),
            at: self.at.clone(),
        }
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

    fn record(&mut self, now: u64, cost: u32, tier: Tier) {
        self.admitted.push((now, cost, tier));
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

impl Contents {
    fn duplicate(&self) -> Contents {
        match self {
            Contents::Pattern => Contents::Pattern,
            Contents::Garbage => Contents::Garbage,
            Contents::Object(shadow) => Contents::Object(shadow.duplicate()),
        }
    }
}

/// What the target knows about the object an `ObjPtr` points at.
enum Target {
    /// Refused with this status whatever else the call says.
    Refused(failwell_status_t),
    /// Arbitrary bytes: no promise.
    Unknown,
    /// A limiter initialised at this address.
    Live(usize),
}

struct Harness {
    /// The storage: `BYTES` bytes, 8-aligned, owned (from `Box::into_raw`).
    base: *mut u8,
    contents: Vec<Contents>,
    now: u64,
    version: *const c_char,
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SAFETY: `base` came from `Box::into_raw` of a `Box<[u64; WORDS]>`
        // in `Harness::new` and is freed only here.
        drop(unsafe { Box::from_raw(self.base.cast::<[u64; WORDS]>()) });
    }
}

impl Harness {
    fn new(fill: &Fill) -> Harness {
        let storage: Box<[u64; WORDS]> = Box::new([0; WORDS]);
        let base = Box::into_raw(storage).cast::<u8>();
        let mut harness = Harness {
            base,
            contents: (0..SLOTS).map(|_| Contents::Pattern).collect(),
            now: 0,
            version: null(),
        };
        match fill {
            Fill::Zero => {}
            Fill::Byte(byte) => {
                // SAFETY: `base` is valid for writes of BYTES bytes.
                unsafe { ptr::write_bytes(base, *byte, BYTES) };
            }
            Fill::Bytes(bytes) => {
                let len = bytes.len().min(BYTES);
                // SAFETY: `len` <= BYTES bytes into our own buffer, from a
                // distinct allocation.
                unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), base, len) };
                for slot in 0..SLOTS {
                    if slot * SLOT_BYTES < len {
                        harness.contents[slot] = Contents::Garbage;
                    }
                }
            }
        }
        harness
    }

    /// A copy of the storage's bytes.
    fn bytes(&self) -> [u8; BYTES] {
        let mut copy = [0; BYTES];
        // SAFETY: `base` is valid for reads of BYTES initialised bytes (the
        // library writes only whole objects, which have no padding).
        unsafe { ptr::copy_nonoverlapping(self.base, copy.as_mut_ptr(), BYTES) };
        copy
    }

    fn pointer(&self, obj: ObjPtr) -> *mut failwell_limiter_t {
        let offset = match obj {
            ObjPtr::Null => return null_mut(),
            ObjPtr::Slot(slot) => usize::from(slot) % SLOTS * SLOT_BYTES,
            ObjPtr::Misaligned { slot, offset } => {
                usize::from(slot) % SLOTS * SLOT_BYTES + 1 + usize::from(offset) % 7
            }
        };
        // SAFETY: at most (SLOTS - 1) * SLOT_BYTES + 7 bytes in, so the
        // object's SLOT_BYTES stay within the BYTES of the buffer.
        unsafe { self.base.add(offset) }.cast()
    }

    fn target(&self, obj: ObjPtr) -> Target {
        match obj {
            ObjPtr::Null => Target::Refused(FAILWELL_NULL_POINTER),
            ObjPtr::Misaligned { .. } => Target::Refused(FAILWELL_MISALIGNED),
            ObjPtr::Slot(slot) => {
                let slot = usize::from(slot) % SLOTS;
                match &self.contents[slot] {
                    Contents::Pattern => Target::Refused(FAILWELL_UNINITIALIZED),
                    Contents::Garbage => Target::Unknown,
                    Contents::Object(shadow) if shadow.home == slot => Target::Live(slot),
                    // Copied here from where it was initialised.
                    Contents::Object(_) => Target::Refused(FAILWELL_UNINITIALIZED),
                }
            }
        }
    }

    fn shadow(&mut self, slot: usize) -> &mut Shadow {
        match &mut self.contents[slot] {
            Contents::Object(shadow) => shadow,
            _ => unreachable!("only live slots have a shadow"),
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
            Op::Snapshot { limiter, now, out } => {
                self.now = now.apply(self.now);
                self.snapshot(limiter, out);
            }
            Op::Capacity { limiter, tier, out } => self.capacity(limiter, tier.c(), out),
            Op::StatusStr(value) => check_status_str(value),
            Op::Version => self.version(),
            Op::Copy { from, to } => {
                let (from, to) = (usize::from(from) % SLOTS, usize::from(to) % SLOTS);
                if from != to {
                    // SAFETY: two distinct, whole slots of our buffer.
                    unsafe {
                        ptr::copy_nonoverlapping(
                            self.base.add(from * SLOT_BYTES),
                            self.base.add(to * SLOT_BYTES),
                            SLOT_BYTES,
                        );
                    }
                    self.contents[to] = self.contents[from].duplicate();
                }
            }
            Op::Poke { at, value } => {
                let at = usize::from(at) % BYTES;
                // SAFETY: `at` < BYTES.
                let byte = unsafe { self.base.add(at) };
                // SAFETY: in bounds (above); bytes have no invalid values.
                if unsafe { byte.read() } != value {
                    // SAFETY: as above.
                    unsafe { byte.write(value) };
                    if let Some(contents) = self.contents.get_mut(at / SLOT_BYTES) {
                        *contents = Contents::Garbage;
                    }
                }
            }
        }
    }

    fn init(&mut self, obj: ObjPtr, config_arg: &ConfigPtr) {
        let before = self.bytes();
        let aligned: failwell_limiter_config_t;
        let mut unaligned = [0u8; size_of::<failwell_limiter_config_t>() + 8];
        let (config_ptr, config) = match *config_arg {
            ConfigPtr::Null => (null(), None),
            ConfigPtr::Aligned(arg) => {
                aligned = arg.c();
                (ptr::from_ref(&aligned), Some(aligned))
            }
            ConfigPtr::Unaligned(arg, offset) => {
                // SAFETY: 1..=7 bytes into a buffer 8 bytes longer than the config.
                let at = unsafe { unaligned.as_mut_ptr().add(1 + usize::from(offset) % 7) };
                let at = at.cast::<failwell_limiter_config_t>();
                // SAFETY: in bounds (above); an unaligned write.
                unsafe { at.write_unaligned(arg.c()) };
                (at.cast_const(), Some(arg.c()))
            }
        };
        let pointer = self.pointer(obj);
        // SAFETY: each pointer is NULL or valid: the object within our
        // buffer, the config a live local.
        let status = unsafe { failwell_limiter_init(pointer, config_ptr) };
        check_known(
            status,
            &[
                FAILWELL_OK,
                FAILWELL_NULL_POINTER,
                FAILWELL_MISALIGNED,
                FAILWELL_CONFIG_ZERO_RATE,
                FAILWELL_CONFIG_ZERO_PERIOD,
                FAILWELL_CONFIG_ZERO_BURST,
                FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK,
                FAILWELL_CONFIG_BURST_TOO_LONG,
                FAILWELL_CONFIG_RESERVE_TOO_LARGE,
                FAILWELL_CONFIG_INVALID,
            ],
        );

        let mut problems = Vec::new();
        let accepted = config.map(|c| {
            LimiterConfig::new(c.rate, c.period, c.burst)
                .with_reserve(c.reserve_essential, c.reserve_important)
        });
        match accepted.map(|c| (c, RateLimiter::new(c))) {
            None => problems.push(FAILWELL_NULL_POINTER),
            Some((_, Err(error))) => problems.push(failwell_status_t::from(error)),
            Some((_, Ok(_))) => {}
        }
        match obj {
            ObjPtr::Null => problems.push(FAILWELL_NULL_POINTER),
            ObjPtr::Misaligned { .. } => problems.push(FAILWELL_MISALIGNED),
            ObjPtr::Slot(_) => {}
        }
        if problems.is_empty() {
            assert_eq!(status, FAILWELL_OK, "init {obj:?} with {config_arg:?}");
            let slot = slot_of(obj);
            assert_only_slot_changed(&before, &self.bytes(), slot);
            let config = accepted.expect("no problems: config present");
            self.contents[slot] =
                Contents::Object(Shadow::new(slot, config).expect("no problems: config valid"));
        } else {
            assert!(
                problems.contains(&status),
                "init {obj:?} with {config_arg:?}: {status:?}, expected one of {problems:?}"
            );
            assert_eq!(before, self.bytes(), "a failed init changed the storage");
        }
    }

    fn acquire(
        &mut self,
        obj: ObjPtr,
        cost: u32,
        tier: failwell_tier_t,
        retry_after: bool,
    ) -> failwell_status_t {
        let before = self.bytes();
        let now = self.now;
        let mut retry = SENTINEL64;
        let retry_ptr = if retry_after {
            ptr::from_mut(&mut retry)
        } else {
            null_mut()
        };
        // SAFETY: the object NULL or within our buffer; `retry_ptr` NULL or
        // a live local.
        let status =
            unsafe { failwell_limiter_acquire(self.pointer(obj), now, cost, tier, retry_ptr) };
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
        let after = self.bytes();
        if status == FAILWELL_OK {
            assert!(matches!(obj, ObjPtr::Slot(_)), "admitted through {obj:?}");
            assert_only_slot_changed(&before, &after, slot_of(obj));
        } else {
            assert_eq!(before, after, "a refused acquire changed the storage");
        }

        let rust_tier = Tier::from_u32(tier);
        let mut problems = Vec::new();
        if rust_tier.is_none() {
            problems.push(FAILWELL_INVALID_TIER);
        }
        if cost == 0 {
            problems.push(FAILWELL_ZERO_COST);
        }
        match self.target(obj) {
            Target::Refused(error) => {
                problems.push(error);
                assert!(
                    problems.contains(&status),
                    "acquire {obj:?} cost={cost} tier={tier}: {status:?}, expected one of {problems:?}"
                );
            }
            Target::Unknown => assert!(
                !matches!(status, FAILWELL_NULL_POINTER | FAILWELL_MISALIGNED),
                "acquire on aligned, non-null storage: {status:?}"
            ),
            Target::Live(slot) => {
                let shadow = self.shadow(slot);
                match rust_tier {
                    Some(rust_tier) if cost > 0 => {
                        let (expected, wait) = match shadow
                            .limiter
                            .try_acquire(now, cost, rust_tier)
                        {
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
                        if status == FAILWELL_OK {
                            shadow.record(now, cost, rust_tier);
                        }
                    }
                    _ => assert!(
                        problems.contains(&status),
                        "acquire cost={cost} tier={tier}: {status:?}, expected one of {problems:?}"
                    ),
                }
            }
        }
        status
    }

    fn snapshot(&mut self, obj: ObjPtr, out: bool) {
        let before = self.bytes();
        let now = self.now;
        let mut snapshot = SENTINEL_SNAPSHOT;
        let out_ptr = if out {
            ptr::from_mut(&mut snapshot)
        } else {
            null_mut()
        };
        // SAFETY: the object NULL or within our buffer; `out_ptr` NULL or a
        // live local.
        let status = unsafe { failwell_limiter_snapshot(self.pointer(obj), now, out_ptr) };
        check_known(
            status,
            &[
                FAILWELL_OK,
                FAILWELL_NULL_POINTER,
                FAILWELL_MISALIGNED,
                FAILWELL_UNINITIALIZED,
            ],
        );
        assert_eq!(before, self.bytes(), "a snapshot changed the storage");
        if status != FAILWELL_OK {
            assert_eq!(snapshot, SENTINEL_SNAPSHOT, "{status:?} wrote the snapshot");
        }
        let mut problems = Vec::new();
        if !out {
            problems.push(FAILWELL_NULL_POINTER);
        }
        match self.target(obj) {
            Target::Refused(error) => {
                problems.push(error);
                assert!(
                    problems.contains(&status),
                    "snapshot {obj:?}: {status:?}, expected one of {problems:?}"
                );
            }
            Target::Unknown => assert!(
                out || status == FAILWELL_NULL_POINTER || status == FAILWELL_UNINITIALIZED,
                "snapshot into NULL: {status:?}"
            ),
            Target::Live(slot) if out => {
                let shadow = self.shadow(slot);
                assert_eq!(status, FAILWELL_OK, "snapshot of a live limiter");
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
            Target::Live(_) => assert_eq!(status, FAILWELL_NULL_POINTER),
        }
    }

    fn capacity(&mut self, obj: ObjPtr, tier: failwell_tier_t, out: bool) {
        let before = self.bytes();
        let mut capacity = SENTINEL32;
        let out_ptr = if out {
            ptr::from_mut(&mut capacity)
        } else {
            null_mut()
        };
        // SAFETY: the object NULL or within our buffer; `out_ptr` NULL or a
        // live local.
        let status = unsafe { failwell_limiter_capacity(self.pointer(obj), tier, out_ptr) };
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
        assert_eq!(before, self.bytes(), "capacity changed the storage");
        if status != FAILWELL_OK {
            assert_eq!(capacity, SENTINEL32, "{status:?} wrote the capacity");
        }
        let rust_tier = Tier::from_u32(tier);
        let mut problems = Vec::new();
        if !out {
            problems.push(FAILWELL_NULL_POINTER);
        }
        if rust_tier.is_none() {
            problems.push(FAILWELL_INVALID_TIER);
        }
        match self.target(obj) {
            Target::Refused(error) => {
                problems.push(error);
                assert!(
                    problems.contains(&status),
                    "capacity {obj:?} tier={tier}: {status:?}, expected one of {problems:?}"
                );
            }
            Target::Unknown => assert!(
                !matches!(status, FAILWELL_MISALIGNED),
                "capacity on aligned storage: {status:?}"
            ),
            Target::Live(slot) => match rust_tier {
                Some(rust_tier) if out => {
                    let shadow = self.shadow(slot);
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
                _ => assert!(
                    problems.contains(&status),
                    "capacity tier={tier}: {status:?}, expected one of {problems:?}"
                ),
            },
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

/// The slot an aligned, non-null `ObjPtr` points at.
fn slot_of(obj: ObjPtr) -> usize {
    match obj {
        ObjPtr::Slot(slot) => usize::from(slot) % SLOTS,
        _ => unreachable!("only slot pointers name a slot"),
    }
}

fn assert_only_slot_changed(before: &[u8; BYTES], after: &[u8; BYTES], slot: usize) {
    // Slice comparisons (one memcmp each), not a loop over bytes: far
    // cheaper under the fuzzer's comparison tracing.
    let (start, end) = (slot * SLOT_BYTES, (slot + 1) * SLOT_BYTES);
    assert!(
        before[..start] == after[..start] && before[end..] == after[end..],
        "a call on slot {slot} wrote storage outside it"
    );
}

/// `status` is a known value, one of `allowed`, and has a name.
fn check_known(status: failwell_status_t, allowed: &[failwell_status_t]) {
    let value = status as u32;
    assert_eq!(
        failwell_status_t::from_u32(value),
        Some(status),
        "status {value} is not a failwell_status_t"
    );
    assert!(
        allowed.contains(&status),
        "{status:?} is not documented for this call"
    );
    check_status_str(value);
}

/// `failwell_status_str(value)`: never NULL, a non-empty C string, "unknown
/// status" exactly for values that are not a status.
fn check_status_str(value: u32) {
    let name = failwell_status_str(value);
    assert!(
        !name.is_null(),
        "failwell_status_str({value}) returned NULL"
    );
    // SAFETY: non-null; the library promises a static, NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) }.to_bytes();
    assert!(!name.is_empty(), "failwell_status_str({value}) is empty");
    let known = failwell_status_t::from_u32(value).is_some();
    assert_eq!(
        name == b"unknown status",
        !known,
        "failwell_status_str({value}) = {:?}",
        String::from_utf8_lossy(name)
    );
}

fuzz_target!(|input: Input| {
    let mut harness = Harness::new(&input.fill);
    for op in &input.ops {
        harness.run(op);
    }
});
