//! A reference model of [`RateLimiter`], and the rule that compares the two.
//!
//! The model keeps the bucket the obvious way, as "debt in ticks right after
//! the latest admission" in `u128` (so nothing can overflow), and treats a
//! `now` below the latest admission as that admission's time: time never
//! runs backwards for the model, except at a clock fault or a reset. The
//! limiter keeps one `u64` theoretical arrival time instead.
//!
//! The clock-fault rule, restated: the horizon is the bucket, `burst ×
//! interval` ticks; a `now` that the bucket's end (latest admission plus
//! debt) is more than two horizons ahead of is a fault of the readings
//! before it, and the model starts over from the empty bucket at that `now`
//! (its clock goes back to `now`, with a whole bucket of debt). A reset at
//! `now` forgives the debt left past `now`: the model starts over from a
//! full bucket at `now`, unless it was full there already.
//!
//! [`LimiterModel::step`] states the agreement: on a clock that does not go
//! backwards (or goes back far enough to be a fault) the two decide exactly
//! alike (same admissions, same `retry_after`, same snapshots, before and
//! after the request); when it goes back within the horizon, the limiter may
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

    /// The end of the bucket: the latest admission's time plus its debt
    /// (the limiter's `tat`).
    fn end(&self) -> u128 {
        self.latest.map_or(0, |(at, debt)| u128::from(at) + debt)
    }

    /// Whether a request at `now` finds a clock fault: the bucket's end more
    /// than two horizons (two whole buckets) ahead of `now`.
    pub fn clock_fault(&self, now: u64) -> bool {
        self.end().saturating_sub(u128::from(now)) > 2 * self.limits[0]
    }

    /// After a clock fault at `now`, the empty bucket at `now`.
    fn rebase(&mut self, now: u64) {
        self.latest = Some((now, self.limits[0]));
    }

    /// The model as a request at `now` sees it: re-based if `now` finds a
    /// clock fault.
    fn as_seen(&self, now: u64) -> Self {
        let mut seen = self.clone();
        if seen.clock_fault(now) {
            seen.rebase(now);
        }
        seen
    }

    /// A reset at `now`: the debt past `now` forgiven.
    fn reset_at(&mut self, now: u64) {
        if self.end() > u128::from(now) {
            self.latest = Some((now, 0));
        }
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

    /// The refusal of `cost` units of `tier` whatever the time, if any:
    /// such a request never reaches the bucket (nor re-bases it).
    fn refused_anyway(&self, cost: u32, tier: Tier) -> Option<Rejection> {
        if cost == 0 {
            Some(Rejection::ZeroCost)
        } else if u128::from(cost) * self.interval > self.limits[index(tier)] {
            Some(Rejection::CostExceedsCapacity)
        } else {
            None
        }
    }

    /// What the model decides for `cost` units of `tier` at `now`.
    pub fn decide(&self, now: u64, cost: u32, tier: Tier) -> Verdict {
        if let Some(rejection) = self.refused_anyway(cost, tier) {
            return Verdict::Refuse(rejection);
        }
        let limit = self.limits[index(tier)];
        let cost_ticks = u128::from(cost) * self.interval;
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
    /// limiter reports them: debt measured to `now` itself (a clock fault
    /// read as the empty bucket at `now`), and only what still fits below
    /// `u64::MAX`.
    pub fn snapshot(&self, now: u64) -> ([u32; 3], u64) {
        let tat = self.as_seen(now).end();
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
    /// agree (see the module docs), and that their snapshots agree before
    /// and after it. Keeps the model in step with the limiter (re-based on a
    /// clock fault). Returns the limiter's answer, or `Err` describing a
    /// disagreement.
    pub fn step(
        &mut self,
        limiter: &RateLimiter,
        now: u64,
        cost: u32,
        tier: Tier,
    ) -> Result<Result<(), Rejection>, String> {
        self.compare_snapshots(limiter, now, "before the request")?;
        if self.refused_anyway(cost, tier).is_none() && self.clock_fault(now) {
            self.rebase(now);
        }
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
        self.compare_snapshots(limiter, now, "after the request")?;
        Ok(actual)
    }

    /// Resets `limiter` and the model at `now`, then checks that their
    /// snapshots agree; `Err` describes a disagreement.
    pub fn reset(&mut self, limiter: &RateLimiter, now: u64) -> Result<(), String> {
        limiter.reset(now);
        self.reset_at(now);
        self.compare_snapshots(limiter, now, "after a reset")
    }

    /// Checks that the limiter's snapshot at `now` is the model's.
    fn compare_snapshots(&self, limiter: &RateLimiter, now: u64, when: &str) -> Result<(), String> {
        let snapshot = limiter.snapshot(now);
        let got = (
            [snapshot.essential, snapshot.important, snapshot.optional],
            snapshot.full_in,
        );
        let want = self.snapshot(now);
        if got != want {
            return Err(format!(
                "snapshot at now={now} {when}: limiter {got:?}, model {want:?}"
            ));
        }
        Ok(())
    }
}
