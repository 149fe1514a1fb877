//! The significance tests of the reports: a two-proportion z-test (before/after comparison),
//! an exact conditional test of two Poisson rates (spike alerts), and Benjamini–Hochberg
//! adjustment for the many tests of one run.

/// The complementary error function, `erfc(x)`, with a relative error under 1.2e-7
/// (the Chebyshev fit of Numerical Recipes, 2nd ed., §6.2): ample for p-values.
#[must_use]
pub(crate) fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The result of a two-proportion z-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ProportionTest {
    /// `x1 / n1`.
    pub p1: f64,
    /// `x2 / n2`.
    pub p2: f64,
    /// The z statistic of `p2 - p1` under the pooled proportion.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Two-proportion z-test of `x1` out of `n1` against `x2` out of `n2`, with the pooled
/// standard error. `None` when the normal approximation is not trustworthy: either sample under
/// `min_n`, or an expected count of the pooled 2×2 table under 5.
#[must_use]
pub(crate) fn two_proportion_test(
    x1: u64,
    n1: u64,
    x2: u64,
    n2: u64,
    min_n: u64,
) -> Option<ProportionTest> {
    if n1 == 0 || n2 == 0 || n1 < min_n || n2 < min_n || x1 > n1 || x2 > n2 {
        return None;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1f + n2f);
    let expected_min = n1f.min(n2f) * pooled.min(1.0 - pooled);
    if expected_min < 5.0 {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1f, x2 as f64 / n2f);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    let z = (p2 - p1) / se;
    Some(ProportionTest {
        p1,
        p2,
        z,
        p_value: erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0),
    })
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine coefficients; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `P(X ≥ k)` for `X ~ Binomial(n, p)`, summed exactly from `k` upwards in log space.
#[must_use]
pub(crate) fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (nf, kf) = (n as f64, k as f64);
    let ln_pmf = ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)
        + kf * p.ln()
        + (nf - kf) * (1.0 - p).ln();
    let odds = p / (1.0 - p);
    let mut term = ln_pmf.exp();
    let mut sum = 0.0;
    let mut i = k;
    loop {
        sum += term;
        if i == n {
            break;
        }
        term *= (n - i) as f64 / (i + 1) as f64 * odds;
        i += 1;
        // Past the mode the terms only shrink; stop when they no longer count.
        if (i as f64) > nf * p && term < sum * 1e-16 {
            break;
        }
    }
    sum.min(1.0)
}

/// The exact conditional test of a Poisson rate against a baseline: with `current` events in
/// one period and `baseline` events over `periods` earlier periods, and equal rates under the
/// null hypothesis, `current` given the total is `Binomial(current + baseline, 1/(periods+1))`.
/// Returns the one-sided p-value of a rate at least this much higher. A zero baseline is fine:
/// the test accounts for the baseline's own uncertainty.
#[must_use]
pub(crate) fn poisson_rate_test(current: u64, baseline: u64, periods: u64) -> f64 {
    poisson_rate_test_with_exposure(current, baseline, periods, 1.0)
}

/// [`poisson_rate_test`] for a current period observed for `exposure` of a baseline period
/// (a week of which the data cover three days: 3/7): under equal rates, `current` given the
/// total is `Binomial(current + baseline, exposure/(exposure+periods))`. An exposure of 1 gives
/// exactly [`poisson_rate_test`]; an exposure that is not a positive finite number, or no
/// baseline period, gives 1 (nothing to test).
#[must_use]
pub(crate) fn poisson_rate_test_with_exposure(
    current: u64,
    baseline: u64,
    periods: u64,
    exposure: f64,
) -> f64 {
    if periods == 0 || !exposure.is_finite() || exposure <= 0.0 {
        return 1.0;
    }
    // `exposure + periods`, in this order, keeps an exposure of 1 bit-identical to
    // `1 / (periods + 1)`.
    binomial_upper_tail(
        current,
        current + baseline,
        exposure / (exposure + periods as f64),
    )
}

/// The median of counts (sorted here); 0 for none.
pub(crate) fn median(mut counts: Vec<u64>) -> f64 {
    counts.sort_unstable();
    match counts.len() {
        0 => 0.0,
        n if n % 2 == 1 => counts[n / 2] as f64,
        n => (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0,
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order of `p_values`.
#[must_use]
pub(crate) fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p_values[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_of_two_proportion_test() {
        // 30% negative before, 20% after, 400 records each side.
        let t = two_proportion_test(120, 400, 80, 400, 30).unwrap();
        assert!(t.z < -3.2 && t.p_value < 0.002);
        assert!(two_proportion_test(3, 10, 2, 10, 30).is_none());
    }

    #[test]
    fn example_of_binomial_upper_tail() {
        assert!((binomial_upper_tail(3, 3, 0.5) - 0.125).abs() < 1e-12);
        assert!((binomial_upper_tail(0, 10, 0.3) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn example_of_poisson_rate_test() {
        // 40 events this week against 10 a week over the 8 weeks before.
        assert!(poisson_rate_test(40, 80, 8) < 1e-10);
        // 12 against 10 a week is ordinary.
        assert!(poisson_rate_test(12, 80, 8) > 0.2);
    }

    #[test]
    fn poisson_rate_test_matches_hand_computed_tails() {
        // 3 now, 2 over 4 periods: X ~ Binomial(5, 1/5);
        // P(X ≥ 3) = (10·4² + 5·4 + 1) / 5⁵ = 181/3125.
        let want = 181.0 / 3125.0;
        assert!((poisson_rate_test(3, 2, 4) - want).abs() < 1e-14);
        assert!((poisson_rate_test_with_exposure(3, 2, 4, 1.0) - want).abs() < 1e-14);
        // Half a period observed: Binomial(5, 0.5/4.5 = 1/9);
        // P(X ≥ 3) = (10·8² + 5·8 + 1) / 9⁵ = 681/59049.
        let got = poisson_rate_test_with_exposure(3, 2, 4, 0.5);
        assert!((got - 681.0 / 59_049.0).abs() < 1e-14, "{got}");
        // Three days of a week against three weeks: p = (3/7)/(3/7 + 3) = 1/8, so two events
        // now and none before have P(X ≥ 2) = 1/64.
        let got = poisson_rate_test_with_exposure(2, 0, 3, 3.0 / 7.0);
        assert!((got - 1.0 / 64.0).abs() < 1e-14, "{got}");
        // The same two events in a whole period are less surprising: (1/4)² = 1/16.
        assert!((poisson_rate_test(2, 0, 3) - 1.0 / 16.0).abs() < 1e-14);
    }

    #[test]
    fn an_exposure_of_one_is_the_plain_test_bit_for_bit() {
        for periods in 0..12u64 {
            for baseline in [0u64, 1, 7, 80, 1_000] {
                for current in [0u64, 1, 5, 12, 40, 300] {
                    assert_eq!(
                        poisson_rate_test_with_exposure(current, baseline, periods, 1.0).to_bits(),
                        poisson_rate_test(current, baseline, periods).to_bits(),
                        "{current} {baseline} {periods}"
                    );
                }
            }
        }
        // The plain test, as it was: p = 1/(periods + 1).
        assert_eq!(
            poisson_rate_test(40, 80, 8).to_bits(),
            binomial_upper_tail(40, 120, 1.0 / (8.0 + 1.0)).to_bits()
        );
    }

    #[test]
    fn a_shorter_exposure_makes_the_same_count_more_significant() {
        let whole = poisson_rate_test_with_exposure(12, 80, 8, 1.0);
        let half = poisson_rate_test_with_exposure(12, 80, 8, 0.5);
        assert!(half < whole / 10.0, "{half} vs {whole}");
        // 5 in 3/7 of a week against 10 a week is what 10 a week predicts there (4.3).
        assert!(poisson_rate_test_with_exposure(5, 80, 8, 3.0 / 7.0) > 0.2);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                poisson_rate_test_with_exposure(40, 80, 8, bad),
                1.0,
                "{bad}"
            );
        }
    }

    #[test]
    fn example_of_benjamini_hochberg() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        assert_eq!(q, vec![0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.5]);
    }

    #[test]
    fn erfc_matches_known_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_1),
            (2.0, 0.004_677_734_981_047_266),
            (-1.0, 1.842_700_792_949_715),
            (4.0, 1.541_725_790_028_002e-8),
        ] {
            let got = erfc(x);
            assert!(
                ((got - want) / want).abs() < 2e-7,
                "erfc({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut f = 1.0f64;
        for n in 1..30u32 {
            f *= f64::from(n);
            assert!(
                (ln_gamma(f64::from(n) + 1.0) - f.ln()).abs() < 1e-10,
                "{n}!"
            );
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn binomial_tail_matches_direct_sum() {
        let (n, p) = (40u64, 0.2f64);
        let pmf = |k: u64| {
            let mut c = 1.0f64;
            for i in 0..k {
                c *= (n - i) as f64 / (i + 1) as f64;
            }
            c * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
        };
        for k in 0..=n {
            let want: f64 = (k..=n).map(pmf).sum();
            let got = binomial_upper_tail(k, n, p);
            assert!(
                (got - want).abs() < 1e-12 * want.max(1e-300) + 1e-15,
                "k={k}"
            );
        }
    }

    #[test]
    fn binomial_tail_is_fast_and_sane_for_large_n() {
        let p = binomial_upper_tail(1_000, 1_000_000, 0.001);
        assert!(p > 0.45 && p < 0.55, "{p}");
        assert!(binomial_upper_tail(1_200, 1_000_000, 0.001) < 1e-8);
    }

    #[test]
    fn proportion_test_is_symmetric_and_sized() {
        let a = two_proportion_test(120, 400, 80, 400, 30).unwrap();
        let b = two_proportion_test(80, 400, 120, 400, 30).unwrap();
        assert!((a.z + b.z).abs() < 1e-12 && (a.p_value - b.p_value).abs() < 1e-12);
        // z = -0.1 / sqrt(0.25 * 0.75 * 2 / 400) = -3.2660
        assert!((a.z + 3.265_986_323_710_904).abs() < 1e-9);
        assert!(
            two_proportion_test(0, 100, 1, 100, 30).is_none(),
            "expected counts < 5"
        );
        assert!(
            two_proportion_test(10, 29, 10, 100, 30).is_none(),
            "below min_n"
        );
    }

    #[test]
    fn bh_is_monotone_in_p() {
        let p = [0.2, 0.001, 0.04, 0.03, 0.9, 0.04];
        let q = benjamini_hochberg(&p);
        for i in 0..p.len() {
            for j in 0..p.len() {
                if p[i] <= p[j] {
                    assert!(q[i] <= q[j]);
                }
            }
            assert!(q[i] >= p[i]);
        }
    }
}
