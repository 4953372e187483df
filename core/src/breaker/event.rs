//! Observing transitions: the [`Observer`] a breaker reports to, and a
//! fixed-capacity [`EventRing`] the application drains.

/// One state transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Transition {
    /// The state left.
    pub from: super::State,
    /// The state entered.
    pub to: super::State,
    /// The generation entered.
    pub generation: u32,
    /// `now` of the call that made the transition.
    pub at: u64,
    /// Why.
    pub reason: Reason,
}

/// Why a transition happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Reason {
    /// Failures in a row reached the threshold.
    ConsecutiveFailures,
    /// A window's failure rate reached the threshold.
    FailureRate,
    /// A window's slow-call rate reached the threshold.
    SlowCallRate,
    /// Failures during the ramp reached `probe_failures`.
    RampFailures,
    /// The open duration is over.
    OpenElapsed,
    /// Enough probes succeeded.
    ProbesSucceeded,
    /// Enough probes failed.
    ProbesFailed,
    /// Probes in flight timed out (counted as failed).
    ProbesTimedOut,
    /// [`Breaker::force_open`](super::Breaker::force_open),
    /// [`disable`](super::Breaker::disable) or [`reset`](super::Breaker::reset).
    Operator,
}

/// Receives every transition of a breaker, from whichever call made it.
///
/// Called after the transition took effect, on the caller's thread or
/// interrupt, so it must be short and must not block: it may run in an
/// interrupt handler.
pub trait Observer {
    /// `transition` has happened.
    fn transition(&self, transition: Transition);
}

/// No observer: transitions are not reported.
impl Observer for () {
    #[inline]
    fn transition(&self, _: Transition) {}
}

impl<T: Observer + ?Sized> Observer for &T {
    #[inline]
    fn transition(&self, transition: Transition) {
        (**self).transition(transition);
    }
}

/// The latest transitions, up to `N` (a power of two, 2 to 128), for the
/// application to drain. Lock-free for many producers and consumers
/// (heapless's `MpMcQueue`); when full, new transitions are dropped and
/// counted.
///
/// Any other `N` does not compile (heapless 0.8 counts positions in a `u8`,
/// so 128 is its largest power of two); the error names `EventRing<N>` and
/// the sizes allowed:
///
/// ```compile_fail,E0080
/// let ring = failwell::breaker::EventRing::<256>::new();
/// ```
///
/// ```compile_fail,E0080
/// let ring = failwell::breaker::EventRing::<100>::new();
/// ```
///
/// ```compile_fail,E0080
/// let ring = failwell::breaker::EventRing::<1>::new();
/// ```
///
/// ```
/// use failwell::breaker::{Breaker, Config, EventRing, State};
/// use failwell::Tier;
///
/// static EVENTS: EventRing<8> = EventRing::new();
/// let breaker: Breaker<0, 0, _> =
///     Breaker::with_observer(Config::new(100).trip_on_consecutive_failures(1), &EVENTS).unwrap();
/// let _ = breaker.try_acquire(0, Tier::Essential).unwrap().failure(1);
/// let event = EVENTS.pop().unwrap();
/// assert_eq!((event.from, event.to), (State::Closed, State::Open));
/// ```
#[cfg(not(loom))]
pub struct EventRing<const N: usize> {
    queue: heapless::mpmc::MpMcQueue<Transition, N>,
    dropped: crate::sync::AtomicU32,
}

#[cfg(not(loom))]
impl<const N: usize> EventRing<N> {
    /// Refuses to compile an `N` the queue cannot hold; evaluated when
    /// [`EventRing::new`] is instantiated.
    const CHECK: () = assert!(
        N.is_power_of_two() && N >= 2 && N <= 128,
        "EventRing<N>: N must be a power of two from 2 to 128"
    );

    /// An empty ring.
    #[must_use]
    pub const fn new() -> Self {
        let () = Self::CHECK;
        Self {
            queue: heapless::mpmc::MpMcQueue::new(),
            dropped: crate::sync::AtomicU32::new(0),
        }
    }

    /// The oldest transition not yet drained.
    pub fn pop(&self) -> Option<Transition> {
        self.queue.dequeue()
    }

    /// Transitions dropped because the ring was full (wraps at 2³²).
    pub fn dropped(&self) -> u32 {
        self.dropped.load(crate::sync::RELAXED)
    }
}

#[cfg(not(loom))]
impl<const N: usize> Default for EventRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(not(loom))]
impl<const N: usize> Observer for EventRing<N> {
    fn transition(&self, transition: Transition) {
        if self.queue.enqueue(transition).is_err() {
            self.dropped.fetch_add(1, crate::sync::RELAXED);
        }
    }
}

#[cfg(not(loom))]
impl<const N: usize> core::fmt::Debug for EventRing<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventRing")
            .field("capacity", &N)
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}
