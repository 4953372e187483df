//! Long-run deterministic simulation of the rate limiter: three simulated
//! months of microsecond ticks from a wrapping 32-bit counter (about 1,800
//! wraps through `TickExtender`), with now and then one spurious reading far
//! in the future (`u64::MAX`, just below it, `2^40` ticks ahead, or just
//! past two buckets ahead), then a jump to just below `u64::MAX` and back to
//! the true time, checking at every step:
//!
//! - agreement with the reference model (`LimiterModel::step`);
//! - no over-admission on the true clock: over any span of time `[a, b]`,
//!   units admitted at true times never exceed `burst + (b - a) / interval`
//!   (checked in O(1) per step with a running minimum); an admission at a
//!   spurious reading does not count, and must not let the true clock
//!   admit more;
//! - `retry_after` honoured: a refused request retried exactly `retry_after`
//!   ticks later is admitted, and one tick earlier is still refused;
//! - no stuck state: after a quiet spell of `burst × interval` ticks the whole
//!   burst is available again, and after a spurious reading was admitted,
//!   the first request at the true time is refused against the empty bucket
//!   (a clock fault) and the whole burst is back one bucket later.

use failwell::time::TickExtender;
use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};
use failwell_tests::limiter_model::LimiterModel;

/// SplitMix64: a small, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Tracks admissions and checks the no-over-admission bound.
struct Conformance {
    interval: u128,
    burst_ticks: u128,
    /// Units admitted so far, in ticks (units × interval).
    admitted: u128,
    /// min over earlier admissions at `a` of (admitted before `a`) − a.
    min_before: Option<i128>,
}

impl Conformance {
    fn admit(&mut self, at: u64, cost: u32) {
        let before = i128::try_from(self.admitted).unwrap() - i128::from(at);
        self.min_before = Some(self.min_before.map_or(before, |m| m.min(before)));
        self.admitted += u128::from(cost) * self.interval;
        let after = i128::try_from(self.admitted).unwrap() - i128::from(at);
        // (admitted in [a, at]) − (at − a) ≤ burst × interval, for every a.
        let worst = after - self.min_before.unwrap();
        assert!(
            worst <= i128::try_from(self.burst_ticks).unwrap(),
            "over-admission at {at}: {worst} ticks of cost beyond the refill, burst allows {}",
            self.burst_ticks
        );
    }
}

struct Sim {
    limiter: RateLimiter,
    model: LimiterModel,
    conformance: Conformance,
    config: LimiterConfig,
    rng: Rng,
    admitted: u64,
    refused: u64,
    retries_checked: u64,
    recoveries_checked: u64,
    /// Where the debt of an admitted spurious reading ends, until the true
    /// clock has seen it.
    glitch_end: Option<u64>,
    faults_checked: u64,
}

impl Sim {
    fn new(config: LimiterConfig, seed: u64) -> Sim {
        let limiter = RateLimiter::new(config).unwrap();
        let interval = u128::from(limiter.interval());
        Sim {
            model: LimiterModel::new(&config).unwrap(),
            conformance: Conformance {
                interval,
                burst_ticks: u128::from(config.burst) * interval,
                admitted: 0,
                min_before: None,
            },
            limiter,
            config,
            rng: Rng(seed),
            admitted: 0,
            refused: 0,
            retries_checked: 0,
            recoveries_checked: 0,
            glitch_end: None,
            faults_checked: 0,
        }
    }

    /// Ticks of one whole bucket: the limiter's horizon.
    fn horizon(&self) -> u64 {
        u64::try_from(self.conformance.burst_ticks).unwrap()
    }

    /// A request at a spurious reading `far`, off the true clock: checked
    /// against the model, not counted as an admission on the true clock.
    fn glitch(&mut self, far: u64) {
        let result = self
            .model
            .step(&self.limiter, far, 1, Tier::Essential)
            .unwrap_or_else(|e| panic!("{e}"));
        if result.is_ok() {
            self.glitch_end = Some(far + self.limiter.snapshot(far).full_in);
        }
    }

    /// The checks of a step at the true time `now` after a quiet spell
    /// since `quiet_since`: a clock fault if a spurious reading's debt ends
    /// more than two buckets ahead, else the quiet spell's refill once no
    /// such debt is left.
    fn check_time(&mut self, now: u64, quiet_since: u64) {
        match self.glitch_end {
            Some(end) if end.saturating_sub(now) > 2 * self.horizon() => self.check_fault(now),
            // Within the horizon: the spurious admission's debt is real.
            Some(end) if now < end => {}
            _ => {
                self.glitch_end = None;
                self.check_recovered(now, quiet_since);
            }
        }
    }

    /// The first request at the true time `now` after an admitted spurious
    /// reading at least two buckets ahead: refused against the empty bucket
    /// at `now`, exactly, and the whole burst back one bucket later.
    fn check_fault(&mut self, now: u64) {
        let interval = u64::try_from(self.conformance.interval).unwrap();
        assert_eq!(
            self.request(now, 1, Tier::Essential),
            Err(Rejection::RateLimited {
                retry_after: interval
            }),
            "clock fault at {now}"
        );
        let full = self.limiter.snapshot(now + self.horizon());
        assert_eq!((full.essential, full.full_in), (self.config.burst, 0));
        self.glitch_end = None;
        self.faults_checked += 1;
    }

    /// A spurious reading ahead of `now`: at or near the end of the tick
    /// range, `2^40` ticks ahead, or just past two buckets ahead.
    fn far_reading(&mut self, now: u64) -> u64 {
        match self.rng.below(4) {
            0 => u64::MAX,
            1 => u64::MAX - self.rng.below(2 * self.horizon()),
            2 => now + (1 << 40),
            _ => now + 2 * self.horizon() + 1 + self.rng.below(1_000),
        }
    }

    fn request(&mut self, now: u64, cost: u32, tier: Tier) -> Result<(), Rejection> {
        let result = self
            .model
            .step(&self.limiter, now, cost, tier)
            .unwrap_or_else(|e| panic!("{e}"));
        if result.is_ok() {
            self.conformance.admit(now, cost);
            self.admitted += 1;
        } else {
            self.refused += 1;
        }
        result
    }

    /// One step at `now`: a random request; sometimes checks `retry_after`
    /// by retrying exactly then.
    fn step(&mut self, now: u64) -> u64 {
        let cost = 1 + u32::try_from(self.rng.below(3)).unwrap();
        let tier = Tier::ALL[usize::try_from(self.rng.below(3)).unwrap()];
        match self.request(now, cost, tier) {
            Err(Rejection::RateLimited { retry_after })
                if retry_after != u64::MAX && self.rng.below(4) == 0 =>
            {
                let at = now + retry_after;
                assert!(
                    retry_after == 0 || self.limiter.try_acquire(at - 1, cost, tier).is_err(),
                    "admitted one tick before retry_after"
                );
                assert_eq!(
                    self.request(at, cost, tier),
                    Ok(()),
                    "retry_after {retry_after} not honoured"
                );
                self.retries_checked += 1;
                at
            }
            _ => now,
        }
    }

    /// Checks the whole burst is back after a quiet spell long enough to refill it.
    fn check_recovered(&mut self, now: u64, quiet_since: u64) {
        if now - quiet_since >= u64::try_from(self.conformance.burst_ticks).unwrap() {
            assert_eq!(
                self.limiter.snapshot(now).essential,
                self.config.burst,
                "stuck at {now}"
            );
            self.recoveries_checked += 1;
        }
    }
}

/// Microsecond ticks: 1 second.
const SECOND: u64 = 1_000_000;
const DAY: u64 = 86_400 * SECOND;

fn run(config: LimiterConfig, seed: u64, months: u64) -> Sim {
    let mut sim = Sim::new(config, seed);
    let mut counter = TickExtender::new();
    let mut time: u64 = 0; // true time; the limiter only sees the extended counter
    let end = months * 30 * DAY;
    let mut wraps = 0;
    while time < end {
        // Bursts of traffic (gaps of a few ms) and quiet spells (up to an
        // hour, always under one wrap of the 32-bit counter: 71.6 minutes).
        let gap = match sim.rng.below(1_000) {
            0..=1 => sim.rng.below(3_600 * SECOND),
            2..=99 => sim.rng.below(10 * SECOND),
            _ => sim.rng.below(10_000),
        };
        let quiet_since = time;
        time += gap;
        let raw = u32::try_from(time & u64::from(u32::MAX)).unwrap();
        let before = counter.last();
        let now = counter.extend(raw);
        assert_eq!(now, time, "the extended counter must track true time");
        if now >> 32 != before >> 32 {
            wraps += 1;
        }
        sim.check_time(now, quiet_since);
        let after = sim.step(now);
        if after != now {
            // A retry moved time on; keep the counter fed with it.
            time = after;
            let raw = u32::try_from(time & u64::from(u32::MAX)).unwrap();
            assert_eq!(counter.extend(raw), time);
        }
        // About every 20,000 steps, one spurious reading far ahead.
        if sim.rng.below(20_000) == 0 {
            let far = sim.far_reading(time);
            sim.glitch(far);
        }
    }
    assert!(wraps >= 1_000, "only {wraps} u32 wraps simulated");

    // A jump to just below the end of the tick range: everything keeps its
    // invariants, and requests that cannot fit below u64::MAX are refused
    // with "never".
    let mut now = u64::MAX - 400 * SECOND;
    sim.check_recovered(now, time);
    let conformance = (sim.conformance.admitted, sim.conformance.min_before);
    while now < u64::MAX - 1_000 {
        now += sim.rng.below(2 * SECOND).min(u64::MAX - now);
        now = sim.step(now);
    }
    assert!(matches!(
        sim.limiter.try_acquire(u64::MAX, 1, Tier::Essential),
        Err(Rejection::RateLimited {
            retry_after: u64::MAX
        })
    ));
    // Back to the true time: the end of the range was a clock fault, and
    // the true clock admits no more than it would have without it.
    (sim.conformance.admitted, sim.conformance.min_before) = conformance;
    sim.check_fault(time + 1);
    let back = time + 1 + sim.horizon();
    assert_eq!(sim.request(back, sim.config.burst, Tier::Essential), Ok(()));
    eprintln!(
        "{:?}: {wraps} u32 wraps, {} admitted, {} refused, {} retry_after checks, {} recovery checks, \
         {} clock faults",
        sim.config,
        sim.admitted,
        sim.refused,
        sim.retries_checked,
        sim.recoveries_checked,
        sim.faults_checked
    );
    sim
}

#[test]
fn three_months_of_microsecond_ticks_with_tiers() {
    // 100 units per second, bursts of 50, 10 + 10 reserved.
    let sim = run(
        LimiterConfig::new(100, SECOND, 50).with_reserve(10, 10),
        1,
        3,
    );
    assert!(
        sim.admitted > 1_000_000 && sim.refused > 50_000,
        "{} / {}",
        sim.admitted,
        sim.refused
    );
    assert!(sim.retries_checked > 10_000 && sim.recoveries_checked > 1_000);
    assert!(
        sim.faults_checked > 20,
        "{} clock faults",
        sim.faults_checked
    );
}

#[test]
fn three_months_with_a_rate_that_does_not_divide_the_period() {
    // 7 per second: the interval rounds up to 142,858 µs.
    let sim = run(LimiterConfig::new(7, SECOND, 3), 2, 3);
    assert!(
        sim.admitted > 100_000 && sim.refused > 100_000,
        "{} / {}",
        sim.admitted,
        sim.refused
    );
    assert!(sim.retries_checked > 10_000 && sim.recoveries_checked > 1_000);
    assert!(
        sim.faults_checked > 20,
        "{} clock faults",
        sim.faults_checked
    );
}
