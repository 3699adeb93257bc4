"""The statistics that flags, regressions and ``journeymine compare`` share.

Intervals, tests and false-discovery control on aggregated counts (journeys), each a thin,
typed wrapper around the library made for it: statsmodels for the Wilson and Newcombe
intervals, the two-proportion z-test, power and Benjamini-Hochberg; scipy.stats for the exact
binomial and Fisher tests. Nothing here reads the warehouse; callers pass counts.

Degenerate input never turns into a NaN where a number has a meaning:

* no journeys (``n == 0``) means nothing is known: a rate's interval is the whole range
  ``(0.0, 1.0)``, a difference's interval is ``(-1.0, 1.0)``, every p-value is ``1.0`` and the
  minimum detectable difference is ``inf``. The only NaNs are the *rates* (and so the
  difference) of an empty group, which have no value to report;
* ``k == 0`` and ``k == n`` are ordinary: intervals stay inside ``[0, 1]`` (``[-1, 1]`` for
  differences) and include the observed rate;
* counts that cannot be (negative, ``k > n``), p-values outside ``[0, 1]`` or NaN, and levels
  outside ``(0, 1)`` are programming errors and raise ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize
from scipy import stats as scipy_stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests

Alternative = Literal["two-sided", "larger", "smaller"]
Direction = Literal["above", "below"]
Change = Literal["both", "increase", "decrease"]

#: Fisher's exact test replaces the z-test when any expected cell count of the 2x2 table
#: (journeys with and without the outcome, in each group) is below this (Cochran's rule).
MIN_EXPECTED_FOR_Z = 5.0


def _check_counts(k: int, n: int, *, name: str = "") -> None:
    label = f" ({name})" if name else ""
    if n < 0:
        raise ValueError(f"journey count n{label} must be >= 0, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"count k{label} must lie in 0..n = 0..{n}, got {k}")


def _check_level(value: float, name: str) -> None:
    if not 0.0 < value < 1.0:  # also rejects NaN
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")


def _check_rate(value: float, name: str) -> None:
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def _probability(value: float) -> float:
    """A p-value as a plain float, rounding error clipped back into [0, 1]."""
    return min(1.0, max(0.0, float(value)))


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the rate ``k / n`` (statsmodels ``method="wilson"``).

    Returns ``(low, high)`` inside ``[0, 1]``. With ``n == 0`` nothing is known and the
    interval is the whole range ``(0.0, 1.0)``; ``k == 0`` gives ``low == 0.0`` and
    ``k == n`` gives ``high == 1.0``.
    """
    _check_counts(k, n)
    _check_level(confidence, "confidence")
    if n == 0:
        return (0.0, 1.0)
    low, high = sm_proportion.proportion_confint(k, n, alpha=1.0 - confidence, method="wilson")
    low_f = 0.0 if k == 0 else min(1.0, max(0.0, float(low)))
    high_f = 1.0 if k == n else min(1.0, max(0.0, float(high)))
    return (low_f, high_f)


def test_against_target(k: int, n: int, target: float, direction: Direction) -> float:
    """One-sided exact binomial test of the rate ``k / n`` against ``target``.

    ``direction="above"`` returns the p-value for "the true rate is above ``target``"
    (P(X >= k) under the target rate); ``"below"`` for "below ``target``" (P(X <= k)).
    ``n == 0`` returns ``1.0`` (no evidence). ``target`` may be 0 or 1: a rate observed
    above a target of 0 has p-value 0.0.
    """
    _check_counts(k, n)
    _check_rate(target, "target")
    if direction not in ("above", "below"):
        raise ValueError(f"direction must be 'above' or 'below', got {direction!r}")
    if n == 0:
        return 1.0
    alternative = "greater" if direction == "above" else "less"
    result = scipy_stats.binomtest(k, n, target, alternative=alternative)
    return _probability(result.pvalue)


# pytest would otherwise try to collect the function above as a test of this module's importers.
test_against_target.__test__ = False  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Comparison:
    """Group a against group b: rates, their difference with its interval, and a test.

    ``difference`` is ``rate_a - rate_b``; ``ci_low``/``ci_high`` bound it (Newcombe's
    hybrid score interval, two-sided at ``confidence`` whatever the test's alternative).
    ``method`` names the test behind ``p_value``: ``"fisher"`` when ``min_expected`` (the
    smallest expected cell count of the 2x2 table) is below ``MIN_EXPECTED_FOR_Z``, else
    ``"z"`` (the pooled two-proportion z-test). An empty group has rate NaN, so has the
    difference; its interval is then ``(-1.0, 1.0)`` and ``p_value`` is ``1.0``.
    """

    k_a: int
    n_a: int
    k_b: int
    n_b: int
    rate_a: float
    rate_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    method: Literal["fisher", "z"]
    alternative: Alternative = "two-sided"
    confidence: float = 0.95
    min_expected: float = 0.0


def _min_expected(k_a: int, n_a: int, k_b: int, n_b: int) -> float:
    total = n_a + n_b
    if total == 0:
        return 0.0
    successes = k_a + k_b
    failures = total - successes
    return min(n * c for n in (n_a, n_b) for c in (successes, failures)) / total


def _two_proportion_test(
    k_a: int, n_a: int, k_b: int, n_b: int, alternative: Alternative, min_expected: float
) -> tuple[float, Literal["fisher", "z"]]:
    """compare_proportions' p-value and the test behind it (arguments already checked)."""
    if min_expected < MIN_EXPECTED_FOR_Z:
        if n_a == 0 or n_b == 0:
            return 1.0, "fisher"
        fisher_alt = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}
        table = [[k_a, n_a - k_a], [k_b, n_b - k_b]]
        result = scipy_stats.fisher_exact(table, alternative=fisher_alt[alternative])
        return _probability(result.pvalue), "fisher"
    _, p = sm_proportion.proportions_ztest(
        np.array([k_a, k_b]), np.array([n_a, n_b]), alternative=alternative
    )
    return _probability(p), "z"


def _check_comparison(k_a: int, n_a: int, k_b: int, n_b: int, alternative: Alternative) -> None:
    _check_counts(k_a, n_a, name="a")
    _check_counts(k_b, n_b, name="b")
    if alternative not in ("two-sided", "larger", "smaller"):
        raise ValueError(
            f"alternative must be 'two-sided', 'larger' or 'smaller', got {alternative!r}"
        )


def proportions_p_value(
    k_a: int, n_a: int, k_b: int, n_b: int, alternative: Alternative = "two-sided"
) -> float:
    """``compare_proportions(k_a, n_a, k_b, n_b, alternative).p_value``, without the interval
    of the difference (two thirds of the comparison's time, for a caller that only tests)."""
    _check_comparison(k_a, n_a, k_b, n_b, alternative)
    min_expected = _min_expected(k_a, n_a, k_b, n_b)
    p_value, _ = _two_proportion_test(k_a, n_a, k_b, n_b, alternative, min_expected)
    return p_value


def compare_proportions(
    k_a: int,
    n_a: int,
    k_b: int,
    n_b: int,
    alternative: Alternative = "two-sided",
    *,
    confidence: float = 0.95,
) -> Comparison:
    """Compare the rates ``k_a / n_a`` and ``k_b / n_b``.

    The test is Fisher's exact test (scipy) when any expected cell count of the table
    ``[[k_a, n_a - k_a], [k_b, n_b - k_b]]`` under equal rates is below 5, otherwise the
    pooled two-proportion z-test (statsmodels ``proportions_ztest``). ``alternative``:
    ``"larger"`` tests rate_a > rate_b, ``"smaller"`` rate_a < rate_b. The interval of the
    difference is Newcombe's hybrid score interval (statsmodels ``method="newcomb"``).

    A group with no journeys: its rate and the difference are NaN, the interval is
    ``(-1.0, 1.0)``, the p-value ``1.0`` and the method ``"fisher"``. When no journey (or
    every journey) has the outcome, the z-test is undefined and Fisher's test (p = 1.0) is
    used, as the rule above already implies.
    """
    _check_comparison(k_a, n_a, k_b, n_b, alternative)
    _check_level(confidence, "confidence")
    rate_a = k_a / n_a if n_a else math.nan
    rate_b = k_b / n_b if n_b else math.nan
    min_expected = _min_expected(k_a, n_a, k_b, n_b)

    if n_a == 0 or n_b == 0:
        ci_low, ci_high = -1.0, 1.0
    else:
        low, high = sm_proportion.confint_proportions_2indep(
            k_a, n_a, k_b, n_b, method="newcomb", compare="diff", alpha=1.0 - confidence
        )
        ci_low = min(1.0, max(-1.0, float(low)))
        ci_high = min(1.0, max(-1.0, float(high)))

    p_value, method = _two_proportion_test(k_a, n_a, k_b, n_b, alternative, min_expected)
    return Comparison(
        k_a=k_a,
        n_a=n_a,
        k_b=k_b,
        n_b=n_b,
        rate_a=rate_a,
        rate_b=rate_b,
        difference=rate_a - rate_b,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        method=method,
        alternative=alternative,
        confidence=confidence,
        min_expected=min_expected,
    )


def _p_array(p_values: Sequence[float]) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    array = np.asarray(p_values, dtype=np.float64).reshape(-1)
    bad = np.isnan(array) | (array < 0.0) | (array > 1.0)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(f"p-values must lie in [0, 1]; p_values[{index}] = {array[index]}")
    return array


def benjamini_hochberg(p_values: Sequence[float], q: float) -> list[bool]:
    """Which hypotheses the Benjamini-Hochberg step-up procedure rejects at FDR ``q``.

    One bool per p-value, in the input order (statsmodels ``multipletests(method="fdr_bh")``).
    Empty input gives ``[]``; p-values of exactly 1 are ordinary (never rejected unless
    ``q`` is 1); NaN or values outside [0, 1] raise ``ValueError``.
    """
    _check_level(q, "q")
    array = _p_array(p_values)
    if array.size == 0:
        return []
    rejected, _, _, _ = multipletests(array, alpha=q, method="fdr_bh")
    return [bool(r) for r in rejected]


def bh_adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order, within [0, 1].

    A hypothesis is rejected at FDR ``q`` exactly when its adjusted p-value is <= ``q``.
    Empty input gives ``[]``; NaN or values outside [0, 1] raise ``ValueError``.
    """
    array = _p_array(p_values)
    if array.size == 0:
        return []
    _, adjusted, _, _ = multipletests(array, alpha=0.05, method="fdr_bh")
    return [_probability(a) for a in adjusted]


def minimum_detectable_difference(
    n_a: int,
    n_b: int,
    base_rate: float,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    change: Change = "both",
) -> float:
    """The smallest absolute difference in rates the two-sided two-proportion test detects.

    Group b has rate ``base_rate`` (the baseline); group a has ``base_rate ± d``. The result
    is the smallest ``d`` at which the pooled z-test at ``alpha`` (the test
    ``compare_proportions`` uses on large counts) rejects with probability ``power``, by the
    normal approximation (statsmodels ``power_proportions_2indep``, solved for ``d`` with
    brentq). ``change="increase"`` or ``"decrease"`` looks one way only; ``"both"`` returns
    the larger of the two, so a change of ± the result either way would have been detected;
    a direction in which no possible change reaches ``power`` (such as up from a base rate
    of 1) is left out of ``"both"``.

    ``inf`` when a group has no journeys, or when no change the rate has room for reaches
    ``power`` (too few journeys to detect anything).
    """
    if n_a < 0 or n_b < 0:
        raise ValueError(f"journey counts must be >= 0, got n_a={n_a}, n_b={n_b}")
    _check_rate(base_rate, "base_rate")
    _check_level(alpha, "alpha")
    _check_level(power, "power")
    if not power > alpha:
        raise ValueError(f"power must exceed alpha, got power={power}, alpha={alpha}")
    if change not in ("both", "increase", "decrease"):
        raise ValueError(f"change must be 'both', 'increase' or 'decrease', got {change!r}")
    if n_a == 0 or n_b == 0:
        return math.inf

    def shortfall(diff: float) -> float:
        if diff == 0.0:
            return alpha - power
        achieved = sm_proportion.power_proportions_2indep(
            diff, base_rate, n_a, ratio=n_b / n_a, alpha=alpha, return_results=False
        )
        return float(achieved) - power

    def solve(sign: float) -> float:
        room = 1.0 - base_rate if sign > 0 else base_rate
        # Stop just short of a rate of exactly 0 or 1, where both variances can vanish.
        edge = sign * room * (1.0 - 1e-9)
        if room <= 0.0 or not shortfall(edge) >= 0.0:
            return math.inf
        root = optimize.brentq(shortfall, 0.0, edge, xtol=1e-12)
        return abs(float(root))

    if change == "increase":
        return solve(1.0)
    if change == "decrease":
        return solve(-1.0)
    finite = [d for d in (solve(1.0), solve(-1.0)) if math.isfinite(d)]
    return max(finite) if finite else math.inf
