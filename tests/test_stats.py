"""The shared statistics against published and hand-computed values.

Sources:
- Newcombe RG (1998a), "Two-sided confidence intervals for the single proportion: comparison
  of seven methods", Stat Med 17:857-872, Table I, method 3 (Wilson score).
- Newcombe RG (1998b), "Interval estimation for the difference between independent
  proportions: comparison of eleven methods", Stat Med 17:873-890, Table II, method 10
  (hybrid score, no continuity correction).
- Fisher's lady tasting tea: the 2x2 table (3, 1; 1, 3), hypergeometric tail 17/70.
- Benjamini Y, Hochberg Y (1995), JRSS B 57:289-300, section 4: the 15 p-values of the
  myocardial-infarction trial, of which the procedure at q = 0.05 rejects 4.
- Fleiss' sample size for two proportions (pooled variance under the null).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from journeymine import stats

# --- Wilson interval -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_newcombe_1998a(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = stats.wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)
    assert got_low <= k / n <= got_high


def test_wilson_interval_is_exactly_bounded_at_zero_and_all() -> None:
    assert stats.wilson_interval(0, 10)[0] == 0.0
    assert stats.wilson_interval(10, 10)[1] == 1.0
    assert isinstance(stats.wilson_interval(3, 10)[0], float)


def test_wilson_interval_with_no_journeys_is_the_whole_range() -> None:
    assert stats.wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_widens_with_confidence() -> None:
    low95, high95 = stats.wilson_interval(81, 263)
    low99, high99 = stats.wilson_interval(81, 263, confidence=0.99)
    assert low99 < low95 and high99 > high95
    # By hand, z = 2.5758, p = 81/263 = 0.30798: centre (p + z^2/2n) / (1 + z^2/n) = 0.31271,
    # half-width z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n) = 0.07257.
    assert low99 == pytest.approx(0.2401, abs=2e-4)
    assert high99 == pytest.approx(0.3853, abs=2e-4)


@pytest.mark.parametrize(("k", "n", "confidence"), [(-1, 5, 0.95), (6, 5, 0.95), (0, -1, 0.95)])
def test_wilson_interval_rejects_impossible_counts(k: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        stats.wilson_interval(k, n, confidence)


@pytest.mark.parametrize("confidence", [0.0, 1.0, math.nan, 95.0])
def test_wilson_interval_rejects_impossible_confidence(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        stats.wilson_interval(1, 5, confidence)


# --- Exact binomial test against a target ---------------------------------------------------


def test_binomial_seven_of_ten_above_half() -> None:
    """P(X >= 7 | n=10, p=0.5) = (120 + 45 + 10 + 1) / 1024 = 0.171875."""
    assert stats.test_against_target(7, 10, 0.5, "above") == pytest.approx(0.171875, rel=1e-12)


def test_binomial_seven_of_ten_below_half() -> None:
    """P(X <= 7 | n=10, p=0.5) = 1 - (45 + 10 + 1) / 1024 = 0.9453125."""
    assert stats.test_against_target(7, 10, 0.5, "below") == pytest.approx(0.9453125, rel=1e-12)


def test_binomial_extremes() -> None:
    # All ten above a half: 1 / 1024; none above: the whole distribution.
    assert stats.test_against_target(10, 10, 0.5, "above") == pytest.approx(1 / 1024, rel=1e-12)
    assert stats.test_against_target(0, 10, 0.5, "above") == 1.0
    assert stats.test_against_target(0, 10, 0.5, "below") == pytest.approx(1 / 1024, rel=1e-12)
    # P(X <= 1 | n=20, p=0.2) = 0.8^20 + 20 * 0.2 * 0.8^19 = 0.0691753...
    assert stats.test_against_target(1, 20, 0.2, "below") == pytest.approx(
        0.8**20 + 20 * 0.2 * 0.8**19, rel=1e-10
    )


def test_binomial_with_targets_of_zero_and_one() -> None:
    assert stats.test_against_target(3, 10, 0.0, "above") == 0.0
    assert stats.test_against_target(0, 10, 0.0, "above") == 1.0
    assert stats.test_against_target(3, 10, 1.0, "below") == 0.0


def test_binomial_with_no_journeys_has_no_evidence() -> None:
    assert stats.test_against_target(0, 0, 0.3, "above") == 1.0
    assert stats.test_against_target(0, 0, 0.3, "below") == 1.0


def test_binomial_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="target"):
        stats.test_against_target(3, 10, 1.5, "above")
    with pytest.raises(ValueError, match="target"):
        stats.test_against_target(3, 10, math.nan, "above")
    with pytest.raises(ValueError, match="direction"):
        stats.test_against_target(3, 10, 0.5, "over")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        stats.test_against_target(11, 10, 0.5, "above")


# --- Two proportions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k_a", "n_a", "k_b", "n_b", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_difference_interval_matches_newcombe_1998b(
    k_a: int, n_a: int, k_b: int, n_b: int, low: float, high: float
) -> None:
    result = stats.compare_proportions(k_a, n_a, k_b, n_b)
    assert result.difference == pytest.approx(k_a / n_a - k_b / n_b, abs=1e-12)
    assert result.ci_low == pytest.approx(low, abs=5e-5)
    assert result.ci_high == pytest.approx(high, abs=5e-5)
    assert result.ci_low <= result.difference <= result.ci_high


def test_newcombe_first_example_in_full() -> None:
    result = stats.compare_proportions(56, 70, 48, 80)
    assert (result.k_a, result.n_a, result.k_b, result.n_b) == (56, 70, 48, 80)
    assert result.rate_a == pytest.approx(0.8)
    assert result.rate_b == pytest.approx(0.6)
    assert result.difference == pytest.approx(0.2)
    assert result.method == "z"  # smallest expected count 70 * 46 / 150 = 21.47
    assert result.min_expected == pytest.approx(70 * 46 / 150)
    assert result.confidence == 0.95


def test_fisher_on_the_tea_tasting_table() -> None:
    """(3, 1; 1, 3): P(3 or 4 right) = (16 + 1) / 70 = 0.242857; two-sided 34 / 70 = 0.485714."""
    one_sided = stats.compare_proportions(3, 4, 1, 4, "larger")
    assert one_sided.method == "fisher"
    assert one_sided.p_value == pytest.approx(17 / 70, rel=1e-9)
    assert stats.compare_proportions(3, 4, 1, 4).p_value == pytest.approx(34 / 70, rel=1e-9)
    # The other tail: P(3 or fewer right) = 1 - 1 / 70.
    smaller = stats.compare_proportions(3, 4, 1, 4, "smaller")
    assert smaller.p_value == pytest.approx(69 / 70, rel=1e-9)


def test_z_test_against_a_hand_computation() -> None:
    """60/100 against 45/100, pooled two-proportion z-test.

    pooled p = 105/200 = 0.525; SE = sqrt(0.525 * 0.475 * (1/100 + 1/100)) = 0.0706222;
    z = (0.60 - 0.45) / 0.0706222 = 2.12398; two-sided p = 2 * (1 - Phi(2.12398)) = 0.033672;
    one-sided ("larger") p = 0.016836. Smallest expected count 100 * 95 / 200 = 47.5 >= 5.
    """
    result = stats.compare_proportions(60, 100, 45, 100)
    assert result.method == "z"
    assert result.p_value == pytest.approx(0.033672, rel=1e-4)
    assert stats.compare_proportions(60, 100, 45, 100, "larger").p_value == pytest.approx(
        0.016836, rel=1e-4
    )
    assert stats.compare_proportions(60, 100, 45, 100, "smaller").p_value == pytest.approx(
        1 - 0.016836, rel=1e-4
    )
    # Swapping the groups negates the difference and keeps the two-sided p-value.
    swapped = stats.compare_proportions(45, 100, 60, 100)
    assert swapped.difference == pytest.approx(-0.15)
    assert swapped.p_value == pytest.approx(result.p_value, rel=1e-12)
    assert swapped.ci_low == pytest.approx(-result.ci_high, abs=1e-12)


def test_the_exact_test_takes_over_below_an_expected_count_of_five() -> None:
    # 10 outcomes among 20 journeys, 10 per group: every expected count is exactly 5.
    at_rule = stats.compare_proportions(7, 10, 3, 10)
    assert at_rule.min_expected == pytest.approx(5.0)
    assert at_rule.method == "z"
    # 9 outcomes: the smallest expected count is 4.5.
    below_rule = stats.compare_proportions(6, 10, 3, 10)
    assert below_rule.min_expected == pytest.approx(4.5)
    assert below_rule.method == "fisher"
    # Fisher, two-sided, for (6, 4; 3, 7): hypergeometric weights C(9, x) C(11, 10 - x) for
    # x = 0..9 are 11, 495, 5940, 27720, 58212, 58212, 27720, 5940, 495, 11 (sum 184756);
    # the tables at most as likely as x = 6 add up to 68332 / 184756 = 0.369849.
    assert below_rule.p_value == pytest.approx(68332 / 184756, rel=1e-9)


def test_no_outcome_anywhere_is_no_evidence() -> None:
    result = stats.compare_proportions(0, 100, 0, 100)
    assert result.method == "fisher"
    assert result.p_value == 1.0
    assert result.difference == 0.0
    assert result.ci_low == pytest.approx(-0.0370, abs=5e-5)  # Wilson upper for 0/100
    assert result.ci_high == pytest.approx(0.0370, abs=5e-5)
    every = stats.compare_proportions(100, 100, 50, 50)
    assert every.p_value == 1.0
    assert math.isfinite(every.ci_low) and math.isfinite(every.ci_high)


@pytest.mark.parametrize(("n_a", "n_b"), [(0, 5), (5, 0), (0, 0)])
def test_an_empty_group_has_no_rate_and_no_evidence(n_a: int, n_b: int) -> None:
    result = stats.compare_proportions(0, n_a, min(3, n_b), n_b)
    assert result.p_value == 1.0
    assert (result.ci_low, result.ci_high) == (-1.0, 1.0)
    assert result.method == "fisher"
    assert math.isnan(result.difference)
    assert math.isnan(result.rate_a) == (n_a == 0)
    assert math.isnan(result.rate_b) == (n_b == 0)


def test_comparison_is_frozen() -> None:
    result = stats.compare_proportions(1, 2, 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.p_value = 0.0  # type: ignore[misc]


def test_compare_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"\(b\)"):
        stats.compare_proportions(1, 2, 3, 2)
    with pytest.raises(ValueError, match="alternative"):
        stats.compare_proportions(1, 2, 1, 2, "greater")  # type: ignore[arg-type]


# --- Benjamini-Hochberg ----------------------------------------------------------------------

BH_1995 = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.0000,
]


def test_bh_rejects_four_of_the_1995_example() -> None:
    """Largest i with p(i) <= i/15 * 0.05: p(4) = 0.0095 <= 0.0133; p(5) = 0.0201 > 0.0167..."""
    assert stats.benjamini_hochberg(BH_1995, 0.05) == [True] * 4 + [False] * 11


def test_bh_keeps_the_input_order() -> None:
    order = [14, 3, 0, 9, 5, 1, 12, 2, 7, 4, 13, 6, 8, 10, 11]
    shuffled = [BH_1995[i] for i in order]
    assert stats.benjamini_hochberg(shuffled, 0.05) == [i < 4 for i in order]


def test_bh_adjusted_values() -> None:
    """q(i) = min over j >= i of p(j) * 15 / j, capped at 1.

    q(1) = min(0.0001 * 15, 0.0004 * 7.5, ...) = 0.0015; q(4) = 0.0095 * 15 / 4 = 0.035625;
    q(6) = q(7) = 0.0298 * 15 / 7 = 0.063857; q(15) = 1.0.
    """
    adjusted = stats.bh_adjusted(BH_1995)
    assert len(adjusted) == 15
    assert adjusted[0] == pytest.approx(0.0015)
    assert adjusted[1] == pytest.approx(0.003)
    assert adjusted[3] == pytest.approx(0.035625)
    assert adjusted[5] == pytest.approx(0.0298 * 15 / 7)
    assert adjusted[6] == pytest.approx(0.0298 * 15 / 7)
    assert adjusted[14] == 1.0
    assert all(isinstance(a, float) for a in adjusted)
    for q in (0.01, 0.05, 0.07, 0.1, 0.5):
        assert stats.benjamini_hochberg(BH_1995, q) == [a <= q for a in adjusted]


def test_bh_at_q_point_one_rejects_nine() -> None:
    # p(9) = 0.0459 <= 9/15 * 0.1 = 0.06; p(10) = 0.324 > 0.0667.
    assert sum(stats.benjamini_hochberg(BH_1995, 0.1)) == 9


def test_bh_on_empty_and_on_p_values_of_one() -> None:
    assert stats.benjamini_hochberg([], 0.05) == []
    assert stats.bh_adjusted([]) == []
    assert stats.benjamini_hochberg([1.0, 1.0], 0.05) == [False, False]
    assert stats.bh_adjusted([1.0, 1.0, 0.0]) == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("bad", [math.nan, -0.1, 1.1])
def test_bh_rejects_impossible_p_values(bad: float) -> None:
    with pytest.raises(ValueError, match=r"p_values\[1\]"):
        stats.benjamini_hochberg([0.01, bad], 0.05)
    with pytest.raises(ValueError, match=r"p_values\[1\]"):
        stats.bh_adjusted([0.01, bad])


def test_bh_rejects_impossible_q() -> None:
    with pytest.raises(ValueError, match="q"):
        stats.benjamini_hochberg([0.01], 0.0)


# --- Minimum detectable difference -----------------------------------------------------------


def test_mdd_matches_fleiss_sample_size() -> None:
    """0.5 against 0.6, alpha 0.05 two-sided, power 0.8 (Fleiss, no continuity correction).

    n = [1.95996 * sqrt(2 * 0.55 * 0.45) + 0.84162 * sqrt(0.6 * 0.4 + 0.5 * 0.5)]^2 / 0.1^2
      = (1.37895 + 0.58914)^2 / 0.01 = 387.3 journeys per group: with 388 per group the
    smallest detectable difference is just under 0.1, with 387 just over.
    """
    at_388 = stats.minimum_detectable_difference(388, 388, 0.5)
    assert 0.0995 < at_388 < 0.1
    assert stats.minimum_detectable_difference(387, 387, 0.5) > 0.1
    # 0.4 against 0.5 has the same variances: symmetric about a half.
    down = stats.minimum_detectable_difference(388, 388, 0.5, change="decrease")
    assert down == pytest.approx(at_388, rel=1e-6)


def test_mdd_has_power_by_cohens_h() -> None:
    """An independent approximation (arcsine effect size) agrees on the power at the MDD."""
    n_a, n_b, base = 1200, 1000, 0.3
    changes: tuple[tuple[stats.Change, float], ...] = (("increase", 1.0), ("decrease", -1.0))
    for change, sign in changes:
        d = stats.minimum_detectable_difference(n_a, n_b, base, change=change)
        h = proportion_effectsize(base + sign * d, base)
        power = NormalIndPower().power(
            effect_size=abs(h), nobs1=n_a, alpha=0.05, ratio=n_b / n_a, alternative="two-sided"
        )
        assert power == pytest.approx(0.8, abs=0.01)


def test_mdd_has_power_in_simulation() -> None:
    """Run compare_proportions itself on journeys drawn at the MDD: it rejects about 80%."""
    n_a, n_b, base = 900, 1100, 0.25
    d = stats.minimum_detectable_difference(n_a, n_b, base, change="increase")
    rng = np.random.default_rng(20240611)
    draws = 3000
    ks_a = rng.binomial(n_a, base + d, size=draws)
    ks_b = rng.binomial(n_b, base, size=draws)
    rejected = sum(
        stats.compare_proportions(int(k_a), n_a, int(k_b), n_b).p_value < 0.05
        for k_a, k_b in zip(ks_a, ks_b, strict=True)
    )
    # Standard error of the estimate sqrt(0.8 * 0.2 / 3000) = 0.0073.
    assert rejected / draws == pytest.approx(0.8, abs=0.025)
    # At half that difference the power is far lower.
    assert stats.minimum_detectable_difference(n_a, n_b, base, power=0.3) < d


def test_mdd_shrinks_with_more_journeys_and_grows_with_power() -> None:
    small = stats.minimum_detectable_difference(100, 100, 0.2)
    large = stats.minimum_detectable_difference(10_000, 10_000, 0.2)
    assert large < small / 5
    assert stats.minimum_detectable_difference(100, 100, 0.2, power=0.9) > small
    assert stats.minimum_detectable_difference(100, 100, 0.2, alpha=0.01) > small


def test_mdd_both_ways_is_the_larger() -> None:
    # From 0.3 a rise (towards a half, more variance) needs more than a fall.
    up = stats.minimum_detectable_difference(1000, 1000, 0.3, change="increase")
    down = stats.minimum_detectable_difference(1000, 1000, 0.3, change="decrease")
    assert up > down
    assert stats.minimum_detectable_difference(1000, 1000, 0.3) == up


def test_mdd_at_the_edges_of_the_rate() -> None:
    from_zero = stats.minimum_detectable_difference(100, 100, 0.0)
    assert math.isfinite(from_zero) and 0.0 < from_zero < 0.2
    assert stats.minimum_detectable_difference(100, 100, 0.0, change="decrease") == math.inf
    assert stats.minimum_detectable_difference(100, 100, 1.0, change="increase") == math.inf
    assert stats.minimum_detectable_difference(100, 100, 1.0) == pytest.approx(from_zero)


@pytest.mark.parametrize(("n_a", "n_b"), [(0, 100), (100, 0), (0, 0), (2, 2)])
def test_mdd_is_infinite_when_nothing_is_detectable(n_a: int, n_b: int) -> None:
    # Two journeys a side: even 0.5 -> 1.0 leaves the test short of 80% power.
    assert stats.minimum_detectable_difference(n_a, n_b, 0.5) == math.inf


def test_mdd_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="base_rate"):
        stats.minimum_detectable_difference(10, 10, 1.2)
    with pytest.raises(ValueError, match="power must exceed alpha"):
        stats.minimum_detectable_difference(10, 10, 0.5, alpha=0.5, power=0.4)
    with pytest.raises(ValueError, match=">= 0"):
        stats.minimum_detectable_difference(-1, 10, 0.5)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_the_p_value_alone_is_the_comparisons(alternative: stats.Alternative) -> None:
    """What the flag rules call when they only test: the same p-value, Fisher's or the
    z-test's, as the full comparison, on tables of each kind (empty groups, no or every
    journey with the outcome, small cells, large ones)."""
    tables = [
        (0, 0, 3, 10), (3, 10, 0, 0), (0, 20, 0, 30), (20, 20, 30, 30), (1, 9, 4, 11),
        (30, 100, 45, 100), (480, 1000, 520, 1000), (12, 4000, 50, 4100), (7, 7, 2, 9),
    ]  # fmt: skip
    methods = set()
    for k_a, n_a, k_b, n_b in tables:
        comparison = stats.compare_proportions(k_a, n_a, k_b, n_b, alternative)
        methods.add(comparison.method)
        assert stats.proportions_p_value(k_a, n_a, k_b, n_b, alternative) == comparison.p_value
    assert methods == {"fisher", "z"}
    with pytest.raises(ValueError, match="alternative"):
        stats.proportions_p_value(1, 2, 1, 2, "bigger")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        stats.proportions_p_value(3, 2, 1, 2)
