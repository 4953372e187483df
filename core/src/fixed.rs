//! Configs fixed at compile time.
//!
//! A primitive with a `Policy` trait (today the circuit breaker,
//! [`breaker::Policy`](crate::breaker::Policy); each new primitive gets
//! one) takes its config in one of two places, chosen by a type parameter:
//! checked at run time and kept in the object (the default, and what the C
//! ABI uses), or fixed at compile time by a type, [`Fixed<P>`], where `P`
//! implements the primitive's `Policy` trait. The code is the same either
//! way. With the config a constant, the compiler folds every test of
//! it, so the policies a config leaves off cost no flash, and the object
//! keeps no copy of the config. An invalid fixed config is a compile error.

use core::marker::PhantomData;

/// A config fixed at compile time by `P`: the config parameter of a
/// primitive whose config is `P`'s constant (see the [module docs](self)).
///
/// Zero-sized: the config lives in the program, not in the object.
pub struct Fixed<P>(PhantomData<fn() -> P>);

impl<P> Fixed<P> {
    /// The marker.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P> Default for Fixed<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P> Clone for Fixed<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Fixed<P> {}

impl<P> core::fmt::Debug for Fixed<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fixed<{}>", core::any::type_name::<P>())
    }
}
