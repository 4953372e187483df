//! Priority tiers shared by every admission primitive.

/// How much a unit of work matters when capacity runs short.
///
/// Every admission primitive can hold capacity back for higher tiers, so under
/// stress `Optional` work is shed first and `Essential` work keeps flowing.
/// The discriminants are stable and are the values the C ABI uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Tier {
    /// Work the system exists to do (health checks, payments, control loops).
    Essential = 0,
    /// Work users notice when it is missing, but that can wait.
    Important = 1,
    /// Work that is dropped first: prefetching, analytics, best-effort refreshes.
    Optional = 2,
}

impl Tier {
    /// All tiers, from the most to the least important.
    pub const ALL: [Tier; 3] = [Tier::Essential, Tier::Important, Tier::Optional];

    /// The tier with this discriminant, or `None` for any other value.
    ///
    /// This is how integers from C become tiers: an out-of-range value is
    /// refused here, before it can become an invalid enum.
    #[must_use]
    pub const fn from_u32(value: u32) -> Option<Tier> {
        match value {
            0 => Some(Tier::Essential),
            1 => Some(Tier::Important),
            2 => Some(Tier::Optional),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tier;

    #[test]
    fn from_u32_round_trips_and_refuses_out_of_range() {
        for tier in Tier::ALL {
            assert_eq!(Tier::from_u32(tier as u32), Some(tier));
        }
        assert_eq!(Tier::from_u32(3), None);
        assert_eq!(Tier::from_u32(u32::MAX), None);
    }
}
