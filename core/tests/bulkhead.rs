//! The bulkhead: tier caps, reset generations, configs, a fixed config, and
//! a reference model over random operations.

use failwell::bulkhead::{Bulkhead, Config, ConfigError, Policy, Rejection, MAX_LIMIT};
use failwell::{Fixed, Tier};
use proptest::prelude::*;

const E: Tier = Tier::Essential;
const I: Tier = Tier::Important;
const O: Tier = Tier::Optional;

fn bulkhead(config: Config) -> Bulkhead {
    Bulkhead::new(config).unwrap()
}

#[test]
fn each_tier_fills_only_its_share_and_essential_fills_the_rest() {
    // 20 slots: Optional may fill 12, Important 17, Essential 20.
    let b = bulkhead(Config::new(20).tier_shares(850, 600));
    assert_eq!(b.snapshot().caps, [20, 17, 12]);
    let optional: Vec<_> = (0..12).map(|_| b.try_acquire(0, O).unwrap()).collect();
    assert_eq!(
        b.try_acquire(0, O).map(|_| ()),
        Err(Rejection::Full {
            in_flight: 12,
            cap: 12,
            limit: 20,
            shrinking: false
        })
    );
    let important: Vec<_> = (0..5).map(|_| b.try_acquire(0, I).unwrap()).collect();
    assert!(b.try_acquire(0, I).is_err());
    assert!(b.try_acquire(0, O).is_err());
    // Essential finds room while any capacity remains, and then none.
    let essential: Vec<_> = (0..3).map(|_| b.try_acquire(0, E).unwrap()).collect();
    assert_eq!(
        b.try_acquire(0, E).map(|_| ()),
        Err(Rejection::Full {
            in_flight: 20,
            cap: 20,
            limit: 20,
            shrinking: false
        })
    );
    let s = b.snapshot();
    assert_eq!(s.in_flight, [3, 5, 12]);
    assert_eq!(s.rejected, [1, 1, 2]);
    // Dropping a permit frees its slot, for any tier.
    drop(essential);
    assert_eq!(b.snapshot().in_flight, [0, 5, 12]);
    // 17 in flight: Important's cap, so only Essential gets a slot.
    assert!(b.try_acquire(0, I).is_err());
    drop(important);
    assert!(b.try_acquire(0, I).is_ok(), "12 in flight: Important fits");
    drop(optional);
    assert_eq!(b.snapshot().in_flight, [0, 0, 0]);
}

#[test]
fn a_share_that_rounds_to_no_slot_admits_nothing_of_that_tier() {
    let b = bulkhead(Config::new(1).tier_shares(999, 500));
    assert_eq!(b.snapshot().caps, [1, 0, 0]);
    assert!(b.try_acquire(0, O).is_err());
    assert!(b.try_acquire(0, I).is_err());
    assert!(b.try_acquire(0, E).is_ok());
}

#[test]
fn a_reset_empties_the_bulkhead_and_old_permits_free_nothing() {
    let b = bulkhead(Config::new(2));
    let old = b.try_acquire(0, O).unwrap();
    let older = b.try_acquire(0, E).unwrap();
    assert!(b.try_acquire(0, E).is_err());
    b.reset();
    assert_eq!(b.snapshot().in_flight, [0, 0, 0]);
    assert_eq!(b.snapshot().generation, 1);
    let new = b.try_acquire(0, O).unwrap();
    // The old permits free no slot of the new generation.
    assert!(!old.release());
    drop(older);
    assert_eq!(b.snapshot().in_flight, [0, 0, 1]);
    let _second = b.try_acquire(0, E).unwrap();
    assert!(b.try_acquire(0, E).is_err(), "still full: 2 of 2");
    assert!(new.release());
    assert_eq!(b.snapshot().in_flight, [1, 0, 0]);
}

#[test]
fn generations_wrap_after_32_resets() {
    let b = bulkhead(Config::new(1));
    let permit = b.try_acquire(0, E).unwrap();
    for _ in 0..31 {
        b.reset();
    }
    assert_eq!(b.snapshot().generation, 31);
    b.reset();
    assert_eq!(b.snapshot().generation, 0);
    // Held across exactly 32 resets: taken for current (documented), and
    // with no call of its tier counted it frees nothing.
    assert!(!permit.release());
    assert_eq!(b.snapshot().in_flight, [0, 0, 0]);
}

#[test]
fn configs_are_checked_with_typed_errors() {
    let refused = |config: Config| Bulkhead::new(config).err();
    assert_eq!(refused(Config::new(0)), Some(ConfigError::ZeroLimit));
    assert_eq!(
        refused(Config::new(MAX_LIMIT + 1)),
        Some(ConfigError::LimitAboveMax)
    );
    assert_eq!(refused(Config::new(MAX_LIMIT)), None);
    let mut essential = Config::new(4);
    essential.shares[0] = 999;
    assert_eq!(
        refused(essential),
        Some(ConfigError::EssentialShareNotWhole)
    );
    assert_eq!(
        refused(Config::new(4).tier_shares(1_001, 0)),
        Some(ConfigError::ShareAbove1000)
    );
    assert_eq!(
        refused(Config::new(4).tier_shares(500, 501)),
        Some(ConfigError::SharesNotDescending)
    );
    assert_eq!(refused(Config::new(4).tier_shares(0, 0)), None);
    // Adaptive limits.
    let aimd = |min, max, backoff, timeout| Config::new(4).aimd(min, max, backoff, timeout);
    assert_eq!(refused(aimd(1, 8, 900, 10)), None);
    assert_eq!(
        refused(aimd(0, 8, 900, 10)),
        Some(ConfigError::ZeroMinLimit)
    );
    assert_eq!(
        refused(aimd(5, 8, 900, 10)),
        Some(ConfigError::LimitOutsideBounds)
    );
    assert_eq!(
        refused(aimd(1, 3, 900, 10)),
        Some(ConfigError::LimitOutsideBounds)
    );
    assert_eq!(
        refused(aimd(1, MAX_LIMIT + 1, 900, 10)),
        Some(ConfigError::LimitAboveMax)
    );
    assert_eq!(
        refused(aimd(1, 8, 499, 10)),
        Some(ConfigError::BackoffOutOfRange)
    );
    assert_eq!(
        refused(aimd(1, 8, 1_000, 10)),
        Some(ConfigError::BackoffOutOfRange)
    );
    assert_eq!(refused(aimd(1, 8, 900, 0)), Some(ConfigError::ZeroTimeout));
    let gradient = |smoothing, queue, long| Config::new(4).gradient(1, 8, smoothing, queue, long);
    assert_eq!(refused(gradient(200, 4, 600)), None);
    assert_eq!(
        refused(gradient(0, 4, 600)),
        Some(ConfigError::SmoothingOutOfRange)
    );
    assert_eq!(
        refused(gradient(1_001, 4, 600)),
        Some(ConfigError::SmoothingOutOfRange)
    );
    assert_eq!(
        refused(gradient(200, 512, 600)),
        Some(ConfigError::QueueAboveMax)
    );
    assert_eq!(
        refused(gradient(200, 4, 0)),
        Some(ConfigError::ZeroLongWindow)
    );
    let window = |samples, duration| gradient(200, 4, 600).window(samples, duration);
    assert_eq!(
        refused(window(0, 10)),
        Some(ConfigError::WindowSamplesOutOfRange)
    );
    assert_eq!(
        refused(window(1_001, 10)),
        Some(ConfigError::WindowSamplesOutOfRange)
    );
    assert_eq!(
        refused(window(10, 0)),
        Some(ConfigError::ZeroWindowDuration)
    );
    // A fixed limit ignores the adaptive fields.
    assert_eq!(refused(Config::new(4).window(0, 0)), None);
    for error in [
        ConfigError::ZeroLimit,
        ConfigError::LimitAboveMax,
        ConfigError::EssentialShareNotWhole,
        ConfigError::ShareAbove1000,
        ConfigError::SharesNotDescending,
        ConfigError::ZeroMinLimit,
        ConfigError::LimitOutsideBounds,
        ConfigError::BackoffOutOfRange,
        ConfigError::ZeroTimeout,
        ConfigError::SmoothingOutOfRange,
        ConfigError::QueueAboveMax,
        ConfigError::ZeroLongWindow,
        ConfigError::WindowSamplesOutOfRange,
        ConfigError::ZeroWindowDuration,
    ] {
        assert_eq!(error.to_string(), error.message());
        assert!(!error.message().is_empty());
    }
}

#[test]
fn an_aimd_limit_backs_off_on_drops_and_a_lower_limit_revokes_nothing() {
    // Windows of 2 reports; a drop multiplies the limit by 0.5.
    let b = bulkhead(Config::new(4).aimd(1, 8, 500, 100).window(2, u64::MAX));
    let held: Vec<_> = (0..4).map(|_| b.try_acquire(0, E).unwrap()).collect();
    let mut held = held.into_iter();
    // A drop and a latency above the timeout (also a drop) close a window.
    assert!(held.next().unwrap().dropped(10));
    assert!(held.next().unwrap().latency(20, 101));
    let s = b.snapshot();
    assert_eq!((s.limit, s.shrinking), (2, true));
    // Two calls still in flight at a limit of 2: none revoked, and the next
    // call is refused, saying the limit was lowered.
    assert_eq!(s.in_flight, [2, 0, 0]);
    assert_eq!(
        b.try_acquire(30, E).map(|_| ()),
        Err(Rejection::Full {
            in_flight: 2,
            cap: 2,
            limit: 2,
            shrinking: true
        })
    );
    // Busy windows without drops add a slot each.
    assert!(held.next().unwrap().success(40));
    assert!(held.next().unwrap().success(41));
    let s = b.snapshot();
    assert_eq!((s.limit, s.shrinking, s.in_flight), (3, false, [0, 0, 0]));
}

#[test]
fn a_far_future_now_stops_no_window_from_closing() {
    // Windows close after 2 reports or 100 ticks.
    let b = bulkhead(Config::new(8).aimd(1, 8, 500, 1_000).window(2, 100));
    // A report at a bogus far-future `now` closes a window by time (8 → 4)
    // and moves the window's start there.
    let permit = b.try_acquire(0, E).unwrap();
    permit.dropped(u64::MAX - 5);
    assert_eq!(b.snapshot().limit, 4);
    // Back on the sane clock: windows still close by count, and the first
    // one moves the start back.
    for now in [10, 11] {
        b.try_acquire(now, E).unwrap().dropped(now);
    }
    assert_eq!(b.snapshot().limit, 2, "a window closed by count");
    // And by time again: one report 100 ticks after it closes the next.
    b.try_acquire(300, E).unwrap().dropped(300);
    assert_eq!(b.snapshot().limit, 1, "time-based closing is back");
}

#[test]
fn a_fixed_limit_ignores_reports() {
    let b = bulkhead(Config::new(2));
    b.try_acquire(0, E).unwrap().dropped(1);
    b.try_acquire(0, E).unwrap().latency(2, u64::MAX);
    let s = b.snapshot();
    assert_eq!((s.limit, s.shrinking, s.in_flight), (2, false, [0, 0, 0]));
}

#[test]
fn rejections_read_as_words() {
    let b = bulkhead(Config::new(1).tier_shares(0, 0));
    let refused = b.try_acquire(0, O).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "bulkhead full for this tier: 0 in flight, the tier may fill 0 of 1"
    );
}

struct Pump;
impl Policy for Pump {
    const CONFIG: Config = Config::new(3).tier_shares(667, 334);
}

static PUMP: Bulkhead<Fixed<Pump>> = Bulkhead::fixed();

#[test]
fn a_fixed_config_is_the_same_bulkhead() {
    let runtime = bulkhead(Pump::CONFIG);
    assert_eq!(*PUMP.config(), Pump::CONFIG);
    assert_eq!(PUMP.snapshot(), runtime.snapshot());
    let held: Vec<_> = [O, O, I, I, E, E]
        .iter()
        .map(|&tier| {
            let fixed = PUMP.try_acquire(0, tier).map(core::mem::forget);
            let run = runtime.try_acquire(0, tier).map(core::mem::forget);
            assert_eq!(fixed, run, "{tier:?}");
            fixed
        })
        .collect();
    assert_eq!(held.iter().filter(|r| r.is_ok()).count(), 3);
    assert_eq!(PUMP.snapshot(), runtime.snapshot());
    PUMP.reset();
}

#[test]
fn threads_never_hold_more_than_the_limit() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let b = Arc::new(bulkhead(Config::new(5).tier_shares(800, 400)));
    let holding = Arc::new([AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)]);
    let most = Arc::new([AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)]);
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let (b, holding, most) = (Arc::clone(&b), Arc::clone(&holding), Arc::clone(&most));
            std::thread::spawn(move || {
                let tier = Tier::ALL[t % 3];
                for _ in 0..20_000 {
                    if let Ok(permit) = b.try_acquire(0, tier) {
                        // Held by this tier and by all, as this call sees them.
                        let mine = holding[tier as usize].fetch_add(1, Ordering::SeqCst) + 1;
                        let all: u32 = holding.iter().map(|h| h.load(Ordering::SeqCst)).sum();
                        most[tier as usize].fetch_max(mine, Ordering::SeqCst);
                        assert!(all <= 5, "{all} held at once");
                        holding[tier as usize].fetch_sub(1, Ordering::SeqCst);
                        drop(permit);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    // No tier ever held more than its cap: 5, 4, 2.
    let most: Vec<u32> = most.iter().map(|m| m.load(Ordering::SeqCst)).collect();
    assert!(most[0] <= 5 && most[1] <= 4 && most[2] <= 2, "{most:?}");
    assert_eq!(b.snapshot().in_flight, [0, 0, 0]);
}

// ---------------------------------------------------------------------------
// Against a reference model: plain counts per tier and a generation.

#[derive(Clone, Copy, Debug)]
enum Op {
    Acquire(Tier),
    /// Release the held permit at this index (modulo how many are held).
    Release(usize),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u32..3).prop_map(|t| Op::Acquire(Tier::from_u32(t).unwrap())),
        5 => any::<usize>().prop_map(Op::Release),
        1 => Just(Op::Reset),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (1u32..=12, 0u16..=1000, 0u16..=1000)
        .prop_map(|(limit, a, b)| Config::new(limit).tier_shares(a.max(b), a.min(b)))
}

/// The model: calls held per tier (with their generation), the generation,
/// refusals per tier.
#[derive(Default)]
struct Model {
    held: Vec<(Tier, u32)>,
    generation: u32,
    rejected: [u32; 3],
}

impl Model {
    fn in_flight(&self) -> [u32; 3] {
        let mut counts = [0; 3];
        for &(tier, generation) in &self.held {
            if generation == self.generation {
                counts[tier as usize] += 1;
            }
        }
        counts
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn the_bulkhead_matches_its_model(config in config(), ops in prop::collection::vec(op(), 1..120)) {
        let b = Bulkhead::new(config).unwrap();
        let caps = Tier::ALL.map(|t| config.limit * u32::from(config.shares[t as usize]) / 1000);
        let mut model = Model::default();
        let mut permits = Vec::new();
        for op in ops {
            match op {
                Op::Acquire(tier) => {
                    let in_flight: u32 = model.in_flight().iter().sum();
                    let cap = caps[tier as usize];
                    let got = b.try_acquire(0, tier);
                    if in_flight < cap {
                        prop_assert!(got.is_ok(), "{tier:?} refused at {in_flight} of {cap}");
                        permits.push(got.unwrap());
                        model.held.push((tier, model.generation));
                    } else {
                        prop_assert_eq!(
                            got.map(|_| ()),
                            Err(Rejection::Full { in_flight, cap, limit: config.limit, shrinking: false })
                        );
                        model.rejected[tier as usize] += 1;
                    }
                }
                Op::Release(i) if !permits.is_empty() => {
                    let i = i % permits.len();
                    let (_, generation) = model.held.remove(i);
                    let freed = permits.remove(i).release();
                    prop_assert_eq!(freed, generation == model.generation);
                }
                Op::Release(_) => {}
                Op::Reset => {
                    b.reset();
                    model.generation = (model.generation + 1) % 32;
                }
            }
            let s = b.snapshot();
            prop_assert_eq!(s.in_flight, model.in_flight());
            prop_assert_eq!(s.rejected, model.rejected);
            prop_assert_eq!(s.generation, model.generation);
            prop_assert_eq!(s.caps, caps);
        }
    }
}
