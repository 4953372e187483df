//! Integer helpers that keep 64-bit division out of the hot paths.
//!
//! On 32-bit targets a 64-bit `/` or `%` links a general routine from
//! compiler-builtins (about 500 bytes on a Cortex-M0, more than a whole
//! primitive). These use only shifts, so they cost flash nowhere and time
//! only where they are called: snapshots, trips and window rotations.

/// `n / d` for a quotient below 2³² (`d` ≥ 1), saturating at `u32::MAX`
/// otherwise; `u32::MAX` for `d = 0`.
///
/// 32 steps rather than [`div_u64`]'s 64: the high half of `n` is checked
/// first, so the quotient's 32 digits are all that is left. Separate from
/// `div_u64` because the limiter's `snapshot` needs only this, and on a
/// Cortex-M0 this version is the smaller (by about 30 B at opt-level "z",
/// 260 B at "s").
pub(crate) fn div_to_u32(n: u64, d: u64) -> u32 {
    let mut remainder = n >> 32;
    if d == 0 || remainder >= d {
        return u32::MAX;
    }
    // Keeping the low 32 bits is the point: they are the quotient's digits.
    #[allow(clippy::cast_possible_truncation)]
    let mut low = n as u32;
    let mut quotient: u32 = 0;
    for _ in 0..32 {
        // remainder < d, so doubling it overflows at most by the top bit.
        let carry = remainder >> 63;
        remainder = remainder << 1 | u64::from(low >> 31);
        low <<= 1;
        quotient <<= 1;
        if carry == 1 || remainder >= d {
            remainder = remainder.wrapping_sub(d);
            quotient |= 1;
        }
    }
    quotient
}

/// `n / d` (`d` ≥ 1); `u64::MAX` for `d = 0`. Long division, 64 steps.
pub(crate) fn div_u64(n: u64, d: u64) -> u64 {
    if d == 0 {
        return u64::MAX;
    }
    let mut remainder: u64 = 0;
    let mut quotient: u64 = 0;
    let mut bits = n;
    for _ in 0..64 {
        // remainder < d, so doubling it overflows at most by the top bit.
        let carry = remainder >> 63;
        remainder = remainder << 1 | bits >> 63;
        bits <<= 1;
        quotient <<= 1;
        if carry == 1 || remainder >= d {
            remainder = remainder.wrapping_sub(d);
            quotient |= 1;
        }
    }
    quotient
}

/// `⌊value × permille / 1000⌋`, exactly, saturating at `u64::MAX`.
pub(crate) fn mul_permille(value: u64, permille: u32) -> u64 {
    // value = 1000·q + r, so value × p / 1000 = q × p + ⌊r × p / 1000⌋.
    let q = div_u64(value, 1_000);
    let r = value.wrapping_sub(q.wrapping_mul(1_000));
    let fraction = div_u64(r.wrapping_mul(u64::from(permille)), 1_000);
    q.saturating_mul(u64::from(permille))
        .saturating_add(fraction)
}

#[cfg(test)]
mod tests {
    use super::{div_to_u32, div_u64, mul_permille};

    #[test]
    fn div_to_u32_matches_division() {
        let cases = [
            (0, 1),
            (1, 1),
            (99, 100),
            (100, 100),
            (12_345_678_901, 7),
            (u64::from(u32::MAX), 1),
            (u64::MAX, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            (u64::MAX, 1 << 32),
            ((1 << 32) * 1_000 - 1, 1_000),
            (1 << 63, (1 << 32) - 1),
        ];
        for (n, d) in cases {
            let expected = u32::try_from(n / d).unwrap_or(u32::MAX);
            assert_eq!(div_to_u32(n, d), expected, "{n} / {d}");
        }
        // Quotients that do not fit saturate; a zero divisor never panics.
        assert_eq!(div_to_u32(1 << 32, 1), u32::MAX);
        assert_eq!(div_to_u32(u64::MAX, 2), u32::MAX);
        assert_eq!(div_to_u32(5, 0), u32::MAX);
    }

    #[test]
    fn div_to_u32_agrees_on_a_sweep() {
        let mut n: u64 = 1;
        for d in [
            1u64,
            3,
            7,
            1_000,
            142_858,
            1 << 20,
            (1 << 31) + 5,
            u64::from(u32::MAX),
        ] {
            for _ in 0..2_000 {
                n = n
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let m = n % (d << 16).max(1);
                assert_eq!(u64::from(div_to_u32(m, d)), m / d, "{m} / {d}");
            }
        }
    }

    #[test]
    fn div_u64_matches_division() {
        let mut n: u64 = 7;
        for d in [1u64, 2, 3, 1_000, 1 << 32, (1 << 63) + 1, u64::MAX] {
            for _ in 0..2_000 {
                n = n
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                assert_eq!(div_u64(n, d), n / d, "{n} / {d}");
            }
            assert_eq!(div_u64(u64::MAX, d), u64::MAX / d);
        }
        assert_eq!(div_u64(5, 0), u64::MAX);
    }

    #[test]
    fn mul_permille_scales_and_saturates() {
        assert_eq!(mul_permille(1_000, 1_500), 1_500);
        assert_eq!(mul_permille(7, 2_000), 14);
        assert_eq!(mul_permille(999, 1), 0);
        assert_eq!(mul_permille(u64::MAX, 1_000), u64::MAX);
        assert_eq!(mul_permille(u64::MAX, 2_000), u64::MAX);
        assert_eq!(mul_permille(u64::MAX / 2, 1_000), u64::MAX / 2);
        // Exact where the product needs more than 64 bits.
        let mut value: u64 = (1 << 60) + 999;
        for _ in 0..2_000 {
            for permille in [0, 1, 999, 1_000, 1_001, 1_500, 2_000, u32::MAX] {
                let exact = u128::from(value) * u128::from(permille) / 1_000;
                let expected = u64::try_from(exact).unwrap_or(u64::MAX);
                assert_eq!(
                    mul_permille(value, permille),
                    expected,
                    "{value} {permille}"
                );
            }
            value = value
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
        }
    }
}
