//! The breaker's state word: everything a transition changes, in 64 bits,
//! so that every transition is one compare-and-swap.
//!
//! ```text
//!  bits   0..3   state (State as u8)
//!         3..6   ramp stage: 0 = full traffic, 1..=7 = stage of the ramp
//!         6..12  trips since the backoff was last reset (saturates at 63)
//!        12..32  generation (wraps at 2²⁰)
//!        32..64  counters, by state:
//!                  Closed:   32..48 consecutive failures, 48..56 ramp failures
//!                  HalfOpen: 32..48 probe slots in flight (one bit each),
//!                            48..56 probe successes, 56..64 probe failures
//! ```

// Fields are extracted by masking, so every narrowing cast below is exact.
#![allow(clippy::cast_possible_truncation)]

use super::State;

/// Generations wrap at 2²⁰: a permit more than a million transitions old
/// could be taken for a current one.
pub(crate) const GENERATION_MASK: u32 = (1 << 20) - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Word(pub(crate) u64);

impl Word {
    pub(crate) const INITIAL: Word = Word(State::Closed as u64);

    #[inline]
    pub(crate) const fn state(self) -> State {
        match self.0 & 0b111 {
            0 => State::Closed,
            1 => State::Open,
            2 => State::HalfOpen,
            3 => State::ForcedOpen,
            _ => State::Disabled,
        }
    }

    /// Whether the state is `state`: one mask and compare.
    #[inline]
    pub(crate) const fn is(self, state: State) -> bool {
        self.0 & 0b111 == state as u64
    }

    /// Closed with full traffic: the hot path's one comparison.
    #[inline]
    pub(crate) const fn is_closed_full(self) -> bool {
        self.0 & 0b111_111 == State::Closed as u64
    }

    /// Closed with no failures in a row (at any ramp stage): one mask and
    /// test, for the healthy path.
    #[inline]
    pub(crate) const fn is_closed_without_failures(self) -> bool {
        self.0 & (0xFFFF << 32 | 0b111) == State::Closed as u64
    }

    #[inline]
    pub(crate) const fn stage(self) -> u8 {
        (self.0 >> 3 & 0b111) as u8
    }

    #[inline]
    pub(crate) const fn trips(self) -> u8 {
        (self.0 >> 6 & 0b11_1111) as u8
    }

    #[inline]
    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> 12) as u32 & GENERATION_MASK
    }

    /// Closed: failures in a row. HalfOpen: the probe slots in flight.
    #[inline]
    pub(crate) const fn low_counter(self) -> u16 {
        (self.0 >> 32) as u16
    }

    /// Closed: failures during the ramp. HalfOpen: successful probes.
    #[inline]
    pub(crate) const fn mid_counter(self) -> u8 {
        (self.0 >> 48) as u8
    }

    /// HalfOpen: failed probes.
    #[inline]
    pub(crate) const fn high_counter(self) -> u8 {
        (self.0 >> 56) as u8
    }

    /// `state` in the next generation, at ramp stage `stage`, with `trips`,
    /// and every counter zero.
    pub(crate) const fn enter(self, state: State, stage: u8, trips: u8) -> Word {
        let generation = (self.generation().wrapping_add(1) & GENERATION_MASK) as u64;
        Word(
            state as u64
                | ((stage & 0b111) as u64) << 3
                | ((if trips > 63 { 63 } else { trips }) as u64) << 6
                | generation << 12,
        )
    }

    /// The same generation and state, at ramp stage `stage`.
    pub(crate) const fn with_stage(self, stage: u8) -> Word {
        Word(self.0 & !(0b111 << 3) | ((stage & 0b111) as u64) << 3)
    }

    pub(crate) const fn with_counters(self, low: u16, mid: u8, high: u8) -> Word {
        Word(self.0 & 0xFFFF_FFFF | (low as u64) << 32 | (mid as u64) << 48 | (high as u64) << 56)
    }
}

#[cfg(test)]
mod tests {
    use super::{State, Word, GENERATION_MASK};

    #[test]
    fn fields_round_trip() {
        let word = Word::INITIAL
            .enter(State::HalfOpen, 5, 70)
            .with_counters(0xBEEF, 0xAB, 0xCD);
        assert_eq!(word.state(), State::HalfOpen);
        assert_eq!(word.stage(), 5);
        assert_eq!(word.trips(), 63);
        assert_eq!(word.generation(), 1);
        assert_eq!(word.low_counter(), 0xBEEF);
        assert_eq!(word.mid_counter(), 0xAB);
        assert_eq!(word.high_counter(), 0xCD);
        assert_eq!(word.with_stage(2).stage(), 2);
        assert!(!word.is_closed_full());
        assert!(Word::INITIAL.is_closed_full());
        assert!(!Word::INITIAL.with_stage(1).is_closed_full());
        assert!(Word::INITIAL.with_stage(1).is_closed_without_failures());
        assert!(!Word::INITIAL
            .with_counters(1, 0, 0)
            .is_closed_without_failures());
        assert!(Word::INITIAL
            .with_counters(0, 3, 0)
            .is_closed_without_failures());
        assert!(!Word::INITIAL
            .enter(State::Disabled, 0, 0)
            .is_closed_without_failures());
    }

    #[test]
    fn generation_wraps_within_its_bits() {
        let mut word = Word::INITIAL;
        for _ in 0..GENERATION_MASK {
            word = Word(word.0 + (1 << 12));
        }
        assert_eq!(word.generation(), GENERATION_MASK);
        let next = word.enter(State::Open, 0, 1);
        assert_eq!(next.generation(), 0);
        assert_eq!(next.state(), State::Open);
    }
}
