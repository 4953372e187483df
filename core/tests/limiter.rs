//! Behaviour of the rate limiter, including every kind of bad input.

use failwell::{LimiterConfig, LimiterConfigError, RateLimiter, Rejection, Tier};

fn limiter(config: LimiterConfig) -> RateLimiter {
    match RateLimiter::new(config) {
        Ok(limiter) => limiter,
        Err(error) => panic!("config refused: {error}"),
    }
}

/// The refusal that says "retry `retry_after` ticks later".
fn limited(retry_after: u64) -> Result<(), Rejection> {
    Err(Rejection::RateLimited { retry_after })
}

/// Admits `cost`-1 requests of `tier` at `now` until the first rejection.
fn drain(limiter: &RateLimiter, now: u64, tier: Tier) -> u32 {
    let mut admitted = 0;
    while limiter.try_acquire(now, 1, tier).is_ok() {
        admitted += 1;
        assert!(admitted <= 1_000_000, "limiter never refused");
    }
    admitted
}

#[test]
fn admits_the_burst_then_refuses_with_exact_retry_after() {
    // 10 per 1000 ticks: one unit per 100 ticks, bursts of 5.
    let l = limiter(LimiterConfig::new(10, 1_000, 5));
    assert_eq!(l.interval(), 100);
    assert_eq!(drain(&l, 0, Tier::Essential), 5);
    assert_eq!(
        l.try_acquire(0, 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 100 })
    );
    assert_eq!(
        l.try_acquire(40, 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 60 })
    );
    // The retry_after is honoured exactly: one tick early is still refused.
    assert!(l.try_acquire(99, 1, Tier::Essential).is_err());
    assert_eq!(l.try_acquire(100, 1, Tier::Essential), Ok(()));
    // A cost of 3 needs 300 ticks of refill.
    assert_eq!(
        l.try_acquire(100, 3, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 300 })
    );
    assert_eq!(l.try_acquire(400, 3, Tier::Essential), Ok(()));
}

#[test]
fn sustained_rate_matches_the_config() {
    // 3 per 1000 ticks rounds the interval up to 334 ticks: never above the rate.
    let l = limiter(LimiterConfig::new(3, 1_000, 1));
    assert_eq!(l.interval(), 334);
    let admitted = (0..=100_000u64)
        .filter(|&now| l.try_acquire(now, 1, Tier::Essential).is_ok())
        .count();
    // Admissions at 0, 334, 668, ... up to 100_000: floor(100_000 / 334) + 1.
    assert_eq!(admitted, 300);
}

#[test]
fn optional_is_shed_first_and_essential_keeps_flowing() {
    let l = limiter(LimiterConfig::new(10, 1_000, 10).with_reserve(3, 2));
    assert_eq!(l.capacity(Tier::Essential), 10);
    assert_eq!(l.capacity(Tier::Important), 7);
    assert_eq!(l.capacity(Tier::Optional), 5);
    assert_eq!(drain(&l, 0, Tier::Optional), 5);
    assert_eq!(drain(&l, 0, Tier::Important), 2);
    assert_eq!(drain(&l, 0, Tier::Essential), 3);
    let snap = l.snapshot(0);
    assert_eq!((snap.essential, snap.important, snap.optional), (0, 0, 0));
    assert_eq!(snap.full_in, 1_000);
    // Optional must wait until the bucket holds more than both reserves.
    assert_eq!(
        l.try_acquire(0, 1, Tier::Optional),
        Err(Rejection::RateLimited { retry_after: 600 })
    );
    // With every tier hammering, each refilled token goes to Essential when
    // Essential asks first, and Optional gets nothing.
    let mut per_tier = [0u32; 3];
    for now in (100..=10_000).step_by(100) {
        for tier in Tier::ALL {
            if l.try_acquire(now, 1, tier).is_ok() {
                per_tier[tier as usize] += 1;
            }
        }
    }
    assert_eq!(per_tier, [100, 0, 0]);
}

#[test]
fn snapshot_reports_remaining_capacity_per_tier() {
    let l = limiter(LimiterConfig::new(1, 10, 8).with_reserve(2, 2));
    let full = l.snapshot(0);
    assert_eq!((full.essential, full.important, full.optional), (8, 6, 4));
    assert_eq!(full.full_in, 0);
    assert_eq!(l.try_acquire(0, 3, Tier::Optional), Ok(()));
    let snap = l.snapshot(0);
    assert_eq!((snap.essential, snap.important, snap.optional), (5, 3, 1));
    assert_eq!(snap.available(Tier::Important), 3);
    assert_eq!(snap.full_in, 30);
    // 15 ticks later one and a half units came back; only whole units count.
    let snap = l.snapshot(15);
    assert_eq!((snap.essential, snap.full_in), (6, 15));
}

#[test]
fn bad_configs_are_refused_with_typed_errors() {
    let cases = [
        (
            LimiterConfig::new(0, 1_000, 5),
            LimiterConfigError::ZeroRate,
        ),
        (LimiterConfig::new(10, 0, 5), LimiterConfigError::ZeroPeriod),
        (
            LimiterConfig::new(10, 1_000, 0),
            LimiterConfigError::ZeroBurst,
        ),
        (
            LimiterConfig::new(11, 10, 5),
            LimiterConfigError::RateAboveOnePerTick,
        ),
        (
            LimiterConfig::new(1, u64::MAX, 2),
            LimiterConfigError::BurstTooLong,
        ),
        (
            LimiterConfig::new(1, 1 << 33, u32::MAX),
            LimiterConfigError::BurstTooLong,
        ),
        (
            LimiterConfig::new(10, 1_000, 5).with_reserve(5, 0),
            LimiterConfigError::ReserveTooLarge,
        ),
        (
            LimiterConfig::new(10, 1_000, 5).with_reserve(2, 3),
            LimiterConfigError::ReserveTooLarge,
        ),
        (
            LimiterConfig::new(10, 1_000, 5).with_reserve(u32::MAX, 2),
            LimiterConfigError::ReserveTooLarge,
        ),
    ];
    for (config, expected) in cases {
        assert_eq!(RateLimiter::new(config).err(), Some(expected), "{config:?}");
    }
    // The largest configs that do fit are accepted.
    assert!(RateLimiter::new(LimiterConfig::new(1, u64::MAX, 1)).is_ok());
    assert!(RateLimiter::new(LimiterConfig::new(u32::MAX, u64::from(u32::MAX), u32::MAX)).is_ok());
    assert!(RateLimiter::new(LimiterConfig::new(1, 1, 1)).is_ok());
}

#[test]
fn zero_cost_and_impossible_costs_are_their_own_errors() {
    let l = limiter(LimiterConfig::new(10, 1_000, 5).with_reserve(1, 1));
    assert_eq!(
        l.try_acquire(0, 0, Tier::Essential),
        Err(Rejection::ZeroCost)
    );
    assert_eq!(
        l.try_acquire(0, 6, Tier::Essential),
        Err(Rejection::CostExceedsCapacity)
    );
    assert_eq!(
        l.try_acquire(0, 4, Tier::Optional),
        Err(Rejection::CostExceedsCapacity)
    );
    assert_eq!(
        (l.capacity(Tier::Essential), l.capacity(Tier::Optional)),
        (5, 3)
    );
    // The largest cost that fits is admitted.
    assert_eq!(l.try_acquire(0, 3, Tier::Optional), Ok(()));
    // A cost whose tick count overflows u64 is also simply too large.
    let coarse = limiter(LimiterConfig::new(1, u64::MAX / 4, 2));
    assert_eq!(
        coarse.try_acquire(0, u32::MAX, Tier::Essential),
        Err(Rejection::CostExceedsCapacity)
    );
    // The refusals consumed nothing: only the admitted 3 units are gone.
    assert_eq!(l.snapshot(0).essential, 2);
}

#[test]
fn backwards_time_never_admits_more() {
    let l = limiter(LimiterConfig::new(1, 100, 4));
    assert_eq!(drain(&l, 10_000, Tier::Essential), 4);
    // The clock steps back (within the horizon: `tat` 10_400 is at most two
    // buckets, 800 ticks, ahead): the limiter sees even less refill, so it
    // refuses, and the retry_after still counts from the `now` it was given.
    assert_eq!(
        l.try_acquire(9_700, 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 400 })
    );
    // Two buckets behind `tat`: still within the horizon.
    assert_eq!(
        l.try_acquire(9_600, 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 500 })
    );
    assert_eq!(l.snapshot(10_000).full_in, 400);
    // Nothing was recorded: back on the real clock, behaviour is unchanged.
    assert!(l.try_acquire(10_099, 1, Tier::Essential).is_err());
    assert_eq!(l.try_acquire(10_100, 1, Tier::Essential), Ok(()));
}

#[test]
fn backwards_time_within_the_burst_leaves_the_same_state() {
    let ahead = limiter(LimiterConfig::new(1, 100, 10));
    let back = limiter(LimiterConfig::new(1, 100, 10));
    for l in [&ahead, &back] {
        assert_eq!(l.try_acquire(5_000, 2, Tier::Essential), Ok(()));
    }
    assert_eq!(ahead.try_acquire(5_000, 3, Tier::Essential), Ok(()));
    assert_eq!(back.try_acquire(4_900, 3, Tier::Essential), Ok(()));
    assert_eq!(ahead.snapshot(6_000), back.snapshot(6_000));
}

#[test]
fn now_zero_starts_with_a_full_bucket() {
    let l = limiter(LimiterConfig::new(1, 1_000, 3));
    assert_eq!(l.snapshot(0).essential, 3);
    assert_eq!(drain(&l, 0, Tier::Essential), 3);
}

#[test]
fn time_jump_to_u64_max_refuses_without_corrupting_state() {
    let l = limiter(LimiterConfig::new(1, 100, 4));
    assert_eq!(l.try_acquire(1_000, 1, Tier::Essential), Ok(()));
    // At the end of the tick range no admission can be represented: refused
    // with "never", and nothing written.
    assert_eq!(
        l.try_acquire(u64::MAX, 1, Tier::Essential),
        Err(Rejection::RateLimited {
            retry_after: u64::MAX
        })
    );
    // The snapshot agrees: nothing can be taken at the very end, and close
    // to it only what still fits below u64::MAX.
    let snap = l.snapshot(u64::MAX);
    assert_eq!((snap.essential, snap.full_in), (0, 0));
    assert_eq!(l.snapshot(u64::MAX - 250).essential, 2);
    // One unit short of the end, the full burst is available.
    let end = u64::MAX - 500;
    assert_eq!(drain(&l, end, Tier::Essential), 4);
    assert_eq!(
        l.try_acquire(end, 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 100 })
    );
    // retry_after is exact up to the admission that ends at u64::MAX...
    assert_eq!(l.try_acquire(end + 100, 1, Tier::Essential), Ok(()));
    // ...and past that, no admission is representable any more.
    assert_eq!(
        l.try_acquire(end + 200, 1, Tier::Essential),
        Err(Rejection::RateLimited {
            retry_after: u64::MAX
        })
    );
}

#[test]
fn time_jump_to_u64_max_then_back_keeps_working() {
    let l = limiter(LimiterConfig::new(1, 100, 2));
    assert_eq!(l.try_acquire(500, 2, Tier::Essential), Ok(()));
    assert!(l.try_acquire(u64::MAX, 1, Tier::Essential).is_err());
    assert!(l.try_acquire(u64::MAX - 1, 1, Tier::Essential).is_err());
    // The spurious reading changed nothing: the clock comes back and the
    // limiter refills on schedule.
    assert!(l.try_acquire(599, 1, Tier::Essential).is_err());
    assert_eq!(l.try_acquire(600, 1, Tier::Essential), Ok(()));
}

#[test]
fn u32_tick_wrap_feeds_the_limiter_seamlessly() {
    use failwell::time::TickExtender;
    let l = limiter(LimiterConfig::new(1, 1_000, 1));
    let mut ticks = TickExtender::new();
    let before_wrap = u32::MAX - 499;
    assert_eq!(
        l.try_acquire(ticks.extend(before_wrap), 1, Tier::Essential),
        Ok(())
    );
    // 500 ticks later the counter wrapped to 0: refused, 500 ticks to go.
    assert_eq!(
        l.try_acquire(ticks.extend(0), 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 500 })
    );
    assert_eq!(
        l.try_acquire(ticks.extend(499), 1, Tier::Essential),
        Err(Rejection::RateLimited { retry_after: 1 })
    );
    assert_eq!(l.try_acquire(ticks.extend(500), 1, Tier::Essential), Ok(()));
    assert_eq!(ticks.last(), (1 << 32) + 500);
}

#[test]
fn a_limiter_can_be_a_static() {
    static LIMITER: RateLimiter = match RateLimiter::new(LimiterConfig::new(5, 50, 2)) {
        Ok(limiter) => limiter,
        Err(_) => panic!("invalid config"),
    };
    assert_eq!(drain(&LIMITER, 7, Tier::Important), 2);
}

#[test]
fn concurrent_acquires_admit_exactly_the_burst() {
    let l = limiter(LimiterConfig::new(1, 1_000_000, 1_000));
    let admitted: u32 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..10_000)
                        .filter(|_| l.try_acquire(42, 1, Tier::Essential).is_ok())
                        .count()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
            .sum()
    });
    assert_eq!(admitted, 1_000);
}

#[test]
fn display_messages_name_the_problem() {
    assert_eq!(
        Rejection::RateLimited { retry_after: 7 }.to_string(),
        "rate limited; retry after 7 ticks"
    );
    // u64::MAX is no number of ticks to wait: it means not on this clock.
    assert_eq!(
        Rejection::RateLimited {
            retry_after: u64::MAX
        }
        .to_string(),
        "rate limited; not admitted again on this clock"
    );
    assert_eq!(
        LimiterConfigError::ReserveTooLarge.to_string(),
        "reserves must leave Optional at least one unit of burst"
    );
    // The interval is no field of the config: say what it is made of.
    assert!(LimiterConfigError::BurstTooLong
        .to_string()
        .contains("period / rate"));
}

#[test]
fn debug_shows_state_and_capacities() {
    let l = limiter(LimiterConfig::new(10, 1_000, 5).with_reserve(1, 1));
    assert_eq!(l.try_acquire(0, 2, Tier::Essential), Ok(()));
    assert_eq!(
        format!("{l:?}"),
        "RateLimiter { tat: 200, interval: 100, capacity_essential: 5, \
         capacity_important: 4, capacity_optional: 3 }"
    );
}

/// Admits one unit at a sane time, then `far` once, then returns to the
/// sane clock: the far reading is a clock fault, and the limiter is an
/// empty bucket at the first sane `now` that refills on schedule.
fn far_future_then_sane(far: u64) {
    // One unit per 100 ticks, bursts of 4: a horizon of 400 ticks.
    let l = limiter(LimiterConfig::new(1, 100, 4).with_reserve(1, 1));
    assert_eq!(l.try_acquire(1_000, 1, Tier::Essential), Ok(()), "{far}");
    assert_eq!(l.try_acquire(far, 1, Tier::Essential), Ok(()), "{far}");
    // The first sane request sees the far admission's time more than two
    // buckets ahead: it re-bases to the empty bucket at 1_010 and is judged
    // there, 100 ticks (its own refill) from admission.
    assert_eq!(
        l.try_acquire(1_010, 1, Tier::Essential),
        limited(100),
        "first sane request after {far}"
    );
    // Optional is also held back by the two reserved units.
    assert_eq!(
        l.try_acquire(1_010, 1, Tier::Optional),
        limited(300),
        "{far}"
    );
    let snap = l.snapshot(1_010);
    assert_eq!((snap.essential, snap.full_in), (0, 400), "{far}");
    assert!(l.try_acquire(1_109, 1, Tier::Essential).is_err(), "{far}");
    assert_eq!(l.try_acquire(1_110, 1, Tier::Essential), Ok(()), "{far}");
    // One burst refill after the first sane `now`, the bucket is as full as
    // the admission at 1_110 left it.
    assert_eq!(l.snapshot(1_410).essential, 3, "{far}");
    assert_eq!(l.snapshot(1_510).essential, 4, "{far}");
    assert_eq!(drain(&l, 1_510, Tier::Essential), 4, "{far}");
}

#[test]
fn a_far_future_now_near_the_end_of_the_range_does_not_block_the_limiter() {
    far_future_then_sane(u64::MAX - 100);
}

#[test]
fn a_far_future_now_does_not_block_the_limiter() {
    far_future_then_sane(1 << 40);
}

#[test]
fn now_u64_max_is_refused_and_the_sane_clock_carries_on() {
    let l = limiter(LimiterConfig::new(1, 100, 4));
    assert_eq!(l.try_acquire(1_000, 1, Tier::Essential), Ok(()));
    assert_eq!(
        l.try_acquire(u64::MAX, 1, Tier::Essential),
        limited(u64::MAX)
    );
    // Nothing was recorded: three units left at 1_010, the fourth 90 ticks on.
    assert_eq!(drain(&l, 1_010, Tier::Essential), 3);
    assert_eq!(l.try_acquire(1_010, 1, Tier::Essential), limited(90));
}

#[test]
fn a_step_back_of_more_than_two_buckets_is_a_clock_fault() {
    // Horizon 400 ticks: `tat` may run 400 ticks ahead of an admission.
    let l = limiter(LimiterConfig::new(1, 100, 4));
    assert_eq!(l.try_acquire(10_000, 4, Tier::Essential), Ok(()));
    // 10_400 - 9_600 = 800 = 2 x 400 is the edge of the horizon (see
    // `backwards_time_never_admits_more`); one tick further back is a fault
    // of the reading at 10_000: the limiter starts over from the empty
    // bucket at 9_599.
    assert_eq!(l.try_acquire(9_599, 1, Tier::Essential), limited(100));
    assert_eq!(l.snapshot(9_599).full_in, 400);
    // Re-based once: the same refusal again writes nothing more.
    assert_eq!(l.try_acquire(9_599, 1, Tier::Essential), limited(100));
    assert!(l.try_acquire(9_698, 1, Tier::Essential).is_err());
    assert_eq!(l.try_acquire(9_699, 1, Tier::Essential), Ok(()));
}

#[test]
fn a_snapshot_judges_a_clock_fault_as_a_request_would_and_writes_nothing() {
    let l = limiter(LimiterConfig::new(1, 100, 4));
    assert_eq!(l.try_acquire(1 << 40, 4, Tier::Essential), Ok(()));
    // At a sane `now` the far state reads as the empty bucket a request
    // would re-base to...
    let snap = l.snapshot(5_000);
    assert_eq!((snap.essential, snap.full_in), (0, 400));
    // ...and the snapshot re-based nothing: the far state is still there.
    assert_eq!(l.snapshot(1 << 40).full_in, 400);
    assert_eq!(l.snapshot((1 << 40) + 400).essential, 4);
}

#[test]
fn reset_fills_the_bucket_at_now() {
    let l = limiter(LimiterConfig::new(1, 100, 4));
    assert_eq!(drain(&l, 5_000, Tier::Essential), 4);
    l.reset(5_000);
    assert_eq!(l.snapshot(5_000), l.snapshot(u64::MAX - 1_000));
    assert_eq!(drain(&l, 5_000, Tier::Essential), 4);
    // After a far reading within the horizon of the next one (no fault),
    // reset is how an operator recovers at once.
    assert_eq!(l.try_acquire(5_400, 4, Tier::Essential), Ok(()));
    assert!(l.try_acquire(5_000, 1, Tier::Essential).is_err());
    l.reset(5_000);
    assert_eq!(drain(&l, 5_000, Tier::Essential), 4);
    // A bucket already full at `now` stays as it is: an earlier `now` is
    // judged no more strictly after a reset than before it.
    let fresh = limiter(LimiterConfig::new(1, 100, 4));
    fresh.reset(5_000);
    assert_eq!(drain(&fresh, 4_000, Tier::Essential), 4);
}

#[test]
fn a_clock_fault_judges_every_tier_against_the_empty_bucket() {
    // Capacities 4, 3 and 2 units of 100 ticks: a horizon of 400 ticks.
    let l = limiter(LimiterConfig::new(1, 100, 4).with_reserve(1, 1));
    assert_eq!(l.try_acquire(1 << 50, 1, Tier::Optional), Ok(()));
    // Optional, 2 units, re-bases the empty bucket at 5_000 and waits for
    // all 4 units: 2 to take and the 2 held back for the other tiers.
    assert_eq!(l.try_acquire(5_000, 2, Tier::Optional), limited(400));
    assert_eq!(l.try_acquire(5_000, 1, Tier::Important), limited(200));
    assert!(l.try_acquire(5_399, 2, Tier::Optional).is_err());
    assert_eq!(l.try_acquire(5_400, 2, Tier::Optional), Ok(()));
}

/// The rounding the config docs state: `rate` 999 per 1000 ticks spaces
/// units 2 ticks apart, so 500 are admitted per period, never more than
/// `rate`; a fine clock loses under 1 %.
#[test]
fn a_coarse_clock_admits_what_the_docs_say() {
    let admitted_in_a_period = |rate: u32, period: u64| {
        let limiter = RateLimiter::new(LimiterConfig::new(rate, period, 1)).unwrap();
        (0..period)
            .filter(|&now| limiter.try_acquire(now, 1, Tier::Essential).is_ok())
            .count() as u64
    };
    assert_eq!(admitted_in_a_period(999, 1_000), 500);
    assert_eq!(admitted_in_a_period(100, 1_000), 100);
    let fine = admitted_in_a_period(999, 100_000);
    assert!(fine <= 999 && fine * 100 >= 999 * 99, "{fine}");
}
