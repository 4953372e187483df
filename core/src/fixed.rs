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

/// A primitive's `Policy` trait, `Runtime` config and sealed `ConfigSource`
/// trait, over its `$settings` type (the checked config and what is
/// computed from it, built by a `const fn of($config) -> $settings` in the
/// calling module): the same mechanism for every primitive, with the
/// primitive's own docs on `Policy` and `Runtime`.
macro_rules! config_sources {
    (
        $(#[$policy:meta])*
        policy;
        $(#[$runtime:meta])*
        runtime;
        config: $config:ident,
        settings: $settings:ident $(,)?
    ) => {
        $(#[$policy])*
        pub trait Policy {
            /// The config.
            const CONFIG: $config;
        }

        $(#[$runtime])*
        pub struct Runtime {
            settings: $settings,
        }

        impl Runtime {
            /// `config`'s settings; `config` is checked by the caller.
            #[allow(dead_code)]
            pub(crate) const fn new(config: $config) -> Self {
                Self {
                    settings: $settings::of(config),
                }
            }
        }

        /// Where the config lives: [`Runtime`] or
        /// [`Fixed<P>`](crate::Fixed) with `P: Policy`. Sealed.
        pub trait ConfigSource: sealed::Sealed {
            /// The config and what is computed from it.
            #[doc(hidden)]
            fn settings(&self) -> &$settings;
        }

        impl ConfigSource for Runtime {
            #[inline(always)]
            fn settings(&self) -> &$settings {
                &self.settings
            }
        }

        impl<P: Policy> ConfigSource for $crate::fixed::Fixed<P> {
            #[inline(always)]
            fn settings(&self) -> &$settings {
                const { &$settings::of(P::CONFIG) }
            }
        }

        mod sealed {
            pub trait Sealed {}
            impl Sealed for super::Runtime {}
            impl<P: super::Policy> Sealed for $crate::fixed::Fixed<P> {}
        }
    };
}
