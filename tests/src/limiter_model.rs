//! A reference model of [`RateLimiter`], and the rule that compares the two.
//!
//! The model keeps the bucket the obvious way, as "debt in ticks right after
//! the latest admission" in `u128` (so nothing can overflow), and treats a
//! `now` below the latest admission as that admission's time: time never
//! runs backwards for the model. The limiter keeps one `u64` theoretical
//! arrival time instead.
//!
//! [`LimiterModel::step`] states the agreement: on a clock that does not go
//! backwards the two decide exactly alike (same admissions, same
//! `retry_after`, same snapshots); when it does go backwards, the limiter may
//! refuse what the model admits but never the reverse, and its `retry_after`
//! is exactly the model's debt plus the ticks the clock went back.

use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};

/// The reference model of one rate limiter.
#[derive(Clone, Debug)]
pub struct LimiterModel {
    interval: u128,
    /// Ticks of debt each tier may run ahead, Essential, Important, Optional.
    limits: [u128; 3],
    /// Time of the latest admission and the debt right after it.
    latest: Option<(u64, u128)>,
}

/// What the model decides for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Admitted.
    Admit,
    /// Refused, for this reason.
    Refuse(Rejection),
}

fn index(tier: Tier) -> usize {
    match tier {
        Tier::Essential => 0,
        Tier::Important => 1,
        Tier::Optional => 2,
    }
}

impl LimiterModel {
    /// The model of a limiter with `config`, or `None` if the config is
    /// invalid (the model's own reading of the config rules).
    pub fn new(config: &LimiterConfig) -> Option<Self> {
        let reserved = u64::from(config.reserve_essential) + u64::from(config.reserve_important);
        if config.rate == 0
            || config.period == 0
            || config.burst == 0
            || u64::from(config.rate) > config.period
            || reserved >= u64::from(config.burst)
        {
            return None;
        }
        let interval = u128::from(config.period).div_ceil(u128::from(config.rate));
        let burst = u128::from(config.burst);
        if burst * interval > u128::from(u64::MAX) {
            return None;
        }
        let essential = u128::from(config.reserve_essential);
        let important = u128::from(config.reserve_important);
        Some(LimiterModel {
            interval,
            limits: [
                burst * interval,
                (burst - essential) * interval,
                (burst - essential - important) * interval,
            ],
            latest: None,
        })
    }

    /// The model's clock and debt at `now`: time never runs backwards.
    fn clock_and_debt(&self, now: u64) -> (u64, u128) {
        match self.latest {
            None => (now, 0),
            Some((at, debt)) => {
                let t = now.max(at);
                (t, debt.saturating_sub(u128::from(t - at)))
            }
        }
    }

    /// What the model decides for `cost` units of `tier` at `now`.
    pub fn decide(&self, now: u64, cost: u32, tier: Tier) -> Verdict {
        let limit = self.limits[index(tier)];
        let cost_ticks = u128::from(cost) * self.interval;
        if cost == 0 {
            return Verdict::Refuse(Rejection::ZeroCost);
        }
        if cost_ticks > limit {
            return Verdict::Refuse(Rejection::CostExceedsCapacity);
        }
        let (t, debt) = self.clock_and_debt(now);
        if u128::from(t) + debt + cost_ticks > u128::from(u64::MAX) {
            return Verdict::Refuse(Rejection::RateLimited {
                retry_after: u64::MAX,
            });
        }
        match (debt + cost_ticks).checked_sub(limit) {
            Some(over) if over > 0 => Verdict::Refuse(Rejection::RateLimited {
                retry_after: u64::try_from(over).unwrap_or(u64::MAX),
            }),
            _ => Verdict::Admit,
        }
    }

    /// Records an admission of `cost` units at `now`.
    pub fn admit(&mut self, now: u64, cost: u32) {
        let (t, debt) = self.clock_and_debt(now);
        self.latest = Some((t, debt + u128::from(cost) * self.interval));
    }

    /// Units each tier could take at `now` and ticks until full, as the
    /// limiter reports them: debt measured to `now` itself, and only what
    /// still fits below `u64::MAX`.
    pub fn snapshot(&self, now: u64) -> ([u32; 3], u64) {
        let tat = self.latest.map_or(0, |(at, debt)| u128::from(at) + debt);
        let debt = tat.saturating_sub(u128::from(now));
        let headroom = u128::from(u64::MAX) - tat.max(u128::from(now));
        let units = |limit: u128| {
            u32::try_from(limit.saturating_sub(debt).min(headroom) / self.interval)
                .unwrap_or(u32::MAX)
        };
        (
            [
                units(self.limits[0]),
                units(self.limits[1]),
                units(self.limits[2]),
            ],
            u64::try_from(debt).unwrap_or(u64::MAX),
        )
    }

    /// Runs one request through `limiter` and the model and checks that they
    /// agree (see the module docs), then that their snapshots agree. Keeps
    /// the model in step with the limiter. Returns the limiter's answer, or
    /// `Err` describing a disagreement.
    pub fn step(
        &mut self,
        limiter: &RateLimiter,
        now: u64,
        cost: u32,
        tier: Tier,
    ) -> Result<Result<(), Rejection>, String> {
        let expected = self.decide(now, cost, tier);
        let actual = limiter.try_acquire(now, cost, tier);
        let (t, debt) = self.clock_and_debt(now);
        let went_back = u128::from(t - now);
        match (expected, actual) {
            (Verdict::Admit, Ok(())) => self.admit(now, cost),
            // Rejections that do not depend on time agree whatever the clock did.
            (Verdict::Refuse(e), Err(a))
                if e == a && (went_back == 0 || !matches!(e, Rejection::RateLimited { .. })) => {}
            (_, Err(Rejection::RateLimited { retry_after })) if went_back > 0 => {
                // The clock went back: the limiter sees more debt, so it may
                // refuse more, and says exactly how much longer.
                let limit = self.limits[index(tier)];
                let cost_ticks = u128::from(cost) * self.interval;
                let seen = debt + went_back + cost_ticks;
                let want = if u128::from(now) + seen > u128::from(u64::MAX) {
                    u64::MAX
                } else {
                    u64::try_from(seen.saturating_sub(limit)).unwrap_or(u64::MAX)
                };
                if retry_after != want || seen <= limit && want != u64::MAX {
                    return Err(format!(
                        "clock went back {went_back}: limiter said retry_after {retry_after}, expected {want} \
                         (model {expected:?}) at now={now} cost={cost} tier={tier:?}"
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "model {expected:?}, limiter {actual:?} at now={now} cost={cost} tier={tier:?} \
                     (clock went back {went_back})"
                ))
            }
        }
        let snapshot = limiter.snapshot(now);
        let got = (
            [snapshot.essential, snapshot.important, snapshot.optional],
            snapshot.full_in,
        );
        let want = self.snapshot(now);
        if got != want {
            return Err(format!(
                "snapshot at now={now}: limiter {got:?}, model {want:?}"
            ));
        }
        Ok(actual)
    }
}
