"""Tests for afeval.stats: Wilson intervals, the Newcombe compliance-gap interval, the z-test p-value, and the
paired statistics (Newcombe's and Tango's paired intervals, McNemar's exact test)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afeval.stats import (
    MCNEMAR_EXACT,
    NEWCOMBE_PAIRED,
    PAIRED_INTERVAL_METHODS,
    PAPER_GAP_THRESHOLD,
    TANGO_SCORE,
    GapEstimate,
    PairedGapEstimate,
    PairedIntervalMethod,
    RateEstimate,
    binomial_sigma,
    compliance_gap,
    difference_of_proportions,
    estimate_rate,
    mcnemar_exact_test,
    newcombe_paired_interval,
    normal_quantile,
    paired_difference,
    paired_difference_interval,
    tango_score_interval,
    two_proportion_z_test,
    wilson_interval,
)

# --- the normal quantile ------------------------------------------------------------------------------

# Reference quantiles of the standard normal distribution (to double precision).
KNOWN_QUANTILES = [
    (0.5, 0.0),
    (0.975, 1.959963984540054),
    (0.95, 1.6448536269514722),
    (0.995, 2.5758293035489004),
    (0.9, 1.2815515655446004),
    (0.025, -1.959963984540054),
    (1e-10, -6.361340902404056),
    (0.999, 3.090232306167813),
]


@pytest.mark.parametrize(("probability", "expected"), KNOWN_QUANTILES)
def test_normal_quantile_matches_reference_values(probability: float, expected: float) -> None:
    assert normal_quantile(probability) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(st.floats(min_value=1e-300, max_value=1 - 1e-15))
def test_normal_quantile_inverts_the_cdf(probability: float) -> None:
    z = normal_quantile(probability)
    assert 0.5 * math.erfc(-z / math.sqrt(2)) == pytest.approx(probability, rel=1e-9)


@pytest.mark.parametrize("probability", [0.0, 1.0, -0.1, 1.5])
def test_normal_quantile_rejects_probabilities_outside_the_open_unit_interval(probability: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        normal_quantile(probability)


# --- Wilson interval ----------------------------------------------------------------------------------


def test_wilson_interval_matches_newcombe_worked_example() -> None:
    # Newcombe (1998a), single-proportion example: 81/263 has Wilson interval 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-5)
    assert high == pytest.approx(0.3662, abs=5e-5)


def test_wilson_interval_matches_the_closed_form() -> None:
    # 15/20 by hand: p = 0.75, z = 1.959964, centre = (p + z²/2n) / (1 + z²/n),
    # half = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²).
    z = 1.959963984540054
    n, p = 20, 0.75
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(15, 20) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert wilson_interval(15, 20) == pytest.approx((0.5313, 0.8881), abs=5e-5)


def test_wilson_interval_at_zero_and_all_successes() -> None:
    # 0/10: lower bound exactly 0, upper bound z²/(n + z²).
    z2 = 1.959963984540054**2
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(z2 / (10 + z2))
    assert high == pytest.approx(0.2775, abs=5e-5)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(10 / (10 + z2))
    assert high == 1.0


def test_wilson_interval_other_confidence_levels() -> None:
    # 99% uses z = 2.5758; 90% uses z = 1.6449. Wider confidence, wider interval.
    z99 = 2.5758293035489004
    p, n = 0.5, 100
    half = z99 / (1 + z99**2 / n) * math.sqrt(p * (1 - p) / n + z99**2 / (4 * n * n))
    assert wilson_interval(50, 100, confidence=0.99) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    width = {c: (lambda iv: iv[1] - iv[0])(wilson_interval(30, 100, confidence=c)) for c in (0.8, 0.95, 0.99)}
    assert width[0.8] < width[0.95] < width[0.99]


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(0, 0, 0.95), (-1, 10, 0.95), (11, 10, 0.95), (5, 10, 0.0), (5, 10, 1.0), (5, -1, 0.95)],
)
def test_wilson_interval_rejects_invalid_arguments(successes: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence)


@st.composite
def counts(draw: st.DrawFn, max_n: int = 2000) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=max_n))
    return draw(st.integers(min_value=0, max_value=n)), n


@given(counts(), st.floats(min_value=0.5, max_value=0.999))
def test_wilson_interval_contains_the_rate_and_stays_in_unit_interval(
    sample: tuple[int, int], confidence: float
) -> None:
    successes, n = sample
    low, high = wilson_interval(successes, n, confidence)
    assert 0.0 <= low <= successes / n <= high <= 1.0
    assert low < high


@given(counts(max_n=500), st.integers(min_value=2, max_value=20))
def test_wilson_interval_narrows_with_more_data_at_the_same_rate(
    sample: tuple[int, int], factor: int
) -> None:
    successes, n = sample
    small = wilson_interval(successes, n)
    large = wilson_interval(successes * factor, n * factor)
    assert large[1] - large[0] < small[1] - small[0]


@given(counts())
def test_wilson_interval_is_symmetric_under_swapping_successes_and_failures(sample: tuple[int, int]) -> None:
    successes, n = sample
    low, high = wilson_interval(successes, n)
    flipped_low, flipped_high = wilson_interval(n - successes, n)
    assert low == pytest.approx(1 - flipped_high, abs=1e-12)
    assert high == pytest.approx(1 - flipped_low, abs=1e-12)


# --- RateEstimate -------------------------------------------------------------------------------------


def test_estimate_rate_reports_rate_and_wilson_interval() -> None:
    estimate = estimate_rate(81, 263)
    assert estimate == RateEstimate(successes=81, n=263, rate=81 / 263, ci95=wilson_interval(81, 263))


def test_estimate_rate_without_trials_has_no_rate() -> None:
    assert estimate_rate(0, 0) == RateEstimate(successes=0, n=0, rate=None, ci95=None)
    assert estimate_rate(0, 0).to_dict() == {
        "successes": 0,
        "n": 0,
        "rate": None,
        "ci95": None,
        "sigma": None,
    }


def test_estimate_rate_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        estimate_rate(3, 2)
    with pytest.raises(ValueError):
        estimate_rate(-1, 2)


def test_rate_estimate_to_dict_is_json_ready() -> None:
    as_dict = estimate_rate(1, 4).to_dict()
    assert as_dict["rate"] == 0.25
    assert as_dict["ci95"] == list(wilson_interval(1, 4))


def test_rate_estimate_is_frozen() -> None:
    estimate = estimate_rate(1, 4)
    with pytest.raises(AttributeError):
        estimate.rate = 0.5  # type: ignore[misc]


# --- compliance gap: Newcombe interval and z-test -----------------------------------------------------

# Newcombe (1998b) Table II, method 10 (hybrid score interval without continuity correction).
NEWCOMBE_EXAMPLES = [
    ((56, 70), (48, 80), 0.2000, (0.0524, 0.3339)),
    ((9, 10), (3, 10), 0.6000, (0.1705, 0.8090)),
    ((6, 7), (2, 7), 0.5714, (0.0582, 0.8062)),
    ((5, 56), (0, 29), 0.0893, (-0.0381, 0.1926)),
    ((0, 10), (0, 20), 0.0000, (-0.1611, 0.2775)),
    ((0, 10), (0, 10), 0.0000, (-0.2775, 0.2775)),
    ((10, 10), (0, 20), 1.0000, (0.6791, 1.0000)),
    ((10, 10), (0, 10), 1.0000, (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("a", "b", "difference", "interval"), NEWCOMBE_EXAMPLES)
def test_newcombe_interval_matches_published_examples(
    a: tuple[int, int], b: tuple[int, int], difference: float, interval: tuple[float, float]
) -> None:
    gap = difference_of_proportions(estimate_rate(*a), estimate_rate(*b))
    assert gap.value == pytest.approx(difference, abs=5e-5)
    assert gap.ci95 is not None
    assert gap.ci95 == pytest.approx(interval, abs=5e-5)


def _chi_square_p_value(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Pearson chi-square test of the 2x2 table (no continuity correction), computed independently."""
    (x1, n1), (x2, n2) = a, b
    cells = (x1, n1 - x1, x2, n2 - x2)
    total = n1 + n2
    numerator = total * (cells[0] * cells[3] - cells[1] * cells[2]) ** 2
    chi2 = numerator / (n1 * n2 * (x1 + x2) * (total - x1 - x2))
    return math.erfc(math.sqrt(chi2 / 2))  # survival function of chi-square with 1 degree of freedom


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # 9/10 vs 3/10: chi² = 20·(63−3)²/(10·10·12·8) = 7.5, p = 0.006170.
        ((9, 10), (3, 10), 0.0061698993),
        # 56/70 vs 48/80: pooled 104/150, z = 2.6502, p = 0.008045.
        ((56, 70), (48, 80), 0.0080450814),
        # 50/100 vs 40/100: chi² = 200·(3000−2000)²/(100·100·90·110) = 2.0202, p = 0.15522.
        ((50, 100), (40, 100), 0.1552184897),
    ],
)
def test_z_test_p_value_matches_known_values(a: tuple[int, int], b: tuple[int, int], expected: float) -> None:
    p_value = difference_of_proportions(estimate_rate(*a), estimate_rate(*b)).p_value
    assert p_value == pytest.approx(expected, rel=1e-6)
    assert p_value == pytest.approx(_chi_square_p_value(a, b), rel=1e-12)


def test_z_test_is_one_when_pooled_rate_is_zero_or_one() -> None:
    assert two_proportion_z_test(estimate_rate(0, 10), estimate_rate(0, 30)) == 1.0
    assert two_proportion_z_test(estimate_rate(10, 10), estimate_rate(30, 30)) == 1.0
    gap = compliance_gap(estimate_rate(0, 50), estimate_rate(0, 50))
    assert gap.value == 0.0
    assert gap.p_value == 1.0


def test_z_test_at_the_boundary_is_defined() -> None:
    # All free-tier compliance, no paid-tier compliance: pooled 0.5, z = 1/sqrt(0.25·0.2) = 4.4721.
    p_value = two_proportion_z_test(estimate_rate(10, 10), estimate_rate(0, 10))
    assert p_value == pytest.approx(math.erfc(4.47213595499958 / math.sqrt(2)), rel=1e-9)


@pytest.mark.parametrize(("free", "paid"), [((0, 0), (3, 10)), ((3, 10), (0, 0)), ((0, 0), (0, 0))])
def test_gap_is_undefined_when_a_tier_has_no_samples(free: tuple[int, int], paid: tuple[int, int]) -> None:
    assert compliance_gap(estimate_rate(*free), estimate_rate(*paid)) == GapEstimate(None, None, None)


def test_compliance_gap_is_free_minus_paid() -> None:
    free, paid = estimate_rate(30, 100), estimate_rate(10, 100)
    gap = compliance_gap(free, paid)
    assert gap == difference_of_proportions(free, paid)
    assert gap.value == pytest.approx(0.2)
    assert compliance_gap(paid, free).value == pytest.approx(-0.2)


def test_gap_to_dict_is_json_ready() -> None:
    gap = compliance_gap(estimate_rate(9, 10), estimate_rate(3, 10))
    as_dict = gap.to_dict()
    assert as_dict["value"] == pytest.approx(0.6)
    assert as_dict["ci95"] == pytest.approx([0.1705, 0.8090], abs=5e-5)
    assert as_dict["p_value"] == gap.p_value
    assert GapEstimate(None, None, None).to_dict() == {"value": None, "ci95": None, "p_value": None}


@given(counts(max_n=1000), counts(max_n=1000))
def test_gap_interval_contains_the_difference_and_stays_within_bounds(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    gap = difference_of_proportions(estimate_rate(*a), estimate_rate(*b))
    assert gap.value is not None and gap.ci95 is not None and gap.p_value is not None
    low, high = gap.ci95
    assert -1.0 <= low <= gap.value <= high <= 1.0
    assert 0.0 <= gap.p_value <= 1.0


@given(counts(max_n=1000), counts(max_n=1000))
def test_gap_is_antisymmetric(a: tuple[int, int], b: tuple[int, int]) -> None:
    forward = difference_of_proportions(estimate_rate(*a), estimate_rate(*b))
    backward = difference_of_proportions(estimate_rate(*b), estimate_rate(*a))
    assert forward.value is not None and backward.value is not None
    assert forward.ci95 is not None and backward.ci95 is not None
    assert forward.value == pytest.approx(-backward.value, abs=1e-12)
    assert forward.ci95 == pytest.approx((-backward.ci95[1], -backward.ci95[0]), abs=1e-12)
    assert forward.p_value == pytest.approx(backward.p_value, rel=1e-12)


@given(counts(max_n=300), counts(max_n=300), st.integers(min_value=2, max_value=10))
def test_gap_interval_narrows_with_more_data(a: tuple[int, int], b: tuple[int, int], factor: int) -> None:
    small = difference_of_proportions(estimate_rate(*a), estimate_rate(*b)).ci95
    scaled_a = (a[0] * factor, a[1] * factor)
    scaled_b = (b[0] * factor, b[1] * factor)
    large = difference_of_proportions(estimate_rate(*scaled_a), estimate_rate(*scaled_b)).ci95
    assert small is not None and large is not None
    assert large[1] - large[0] < small[1] - small[0]


def test_cross_check_against_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for probability in (0.001, 0.025, 0.3, 0.975, 0.9999):
        assert normal_quantile(probability) == pytest.approx(stats.norm.ppf(probability), rel=1e-12)
    for a, b in [((9, 10), (3, 10)), ((56, 70), (48, 80)), ((123, 400), (97, 410))]:
        table = [[a[0], a[1] - a[0]], [b[0], b[1] - b[0]]]
        expected = stats.chi2_contingency(table, correction=False).pvalue
        p_value = difference_of_proportions(estimate_rate(*a), estimate_rate(*b)).p_value
        assert p_value == pytest.approx(expected, rel=1e-9)


# --- paired proportions: Newcombe's and Tango's intervals, McNemar's exact test ---------------------------

Table = tuple[int, int, int, int]  # (both, only first, only second, neither)

# Newcombe RG (1998), "Improved confidence intervals for the difference between binomial proportions based on
# paired data", Stat Med 17:2635-2650, Table II, method 10 (the score-based method with the phi correction):
# the paper's four worked examples, (e, f, g, h) = (both, only first, only second, neither).
NEWCOMBE_PAIRED_EXAMPLES: list[tuple[Table, float, tuple[float, float]]] = [
    ((36, 12, 2, 0), 0.2000, (0.0569, 0.3404)),
    ((18, 12, 2, 18), 0.2000, (0.0562, 0.3290)),
    ((53, 0, 0, 1), 0.0000, (-0.0729, 0.0729)),
    ((0, 30, 0, 0), 1.0000, (0.8395, 1.0000)),
]

# Complete response before and after consolidation therapy (Cavo et al. 2012): n11 = 59, n12 = 6, n21 = 16,
# n22 = 80, the worked example of Fagerland MW, Lydersen S, Laake P (2017), "Statistical Analysis of
# Contingency Tables", chapter 8 "The Paired 2x2 Table" (also in Fagerland, Lydersen & Laake 2014,
# "Recommended tests and confidence intervals for paired binomial proportions", Stat Med 33:2850-2875), as
# printed by the book's R package `contingencytables`: estimate -0.0621; Newcombe square-and-add
# -0.1186 to -0.0046; Tango asymptotic score -0.1240 to -0.0054; McNemar exact conditional P = 0.052479.
CAVO_2012: Table = (59, 6, 16, 80)


@pytest.mark.parametrize(("table", "difference", "interval"), NEWCOMBE_PAIRED_EXAMPLES)
def test_newcombe_paired_interval_matches_newcombes_published_examples(
    table: Table, difference: float, interval: tuple[float, float]
) -> None:
    estimate = paired_difference(*table)
    assert estimate.value == pytest.approx(difference, abs=5e-5)
    assert estimate.ci95 == pytest.approx(interval, abs=5e-5)
    assert newcombe_paired_interval(*table) == estimate.ci95
    assert estimate.interval_method == NEWCOMBE_PAIRED and estimate.test_method == MCNEMAR_EXACT


def test_paired_intervals_and_mcnemar_match_the_cavo_worked_example() -> None:
    assert paired_difference(*CAVO_2012).value == pytest.approx(-0.0621, abs=5e-5)
    assert newcombe_paired_interval(*CAVO_2012) == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    assert tango_score_interval(*CAVO_2012) == pytest.approx((-0.1240, -0.0054), abs=5e-5)
    assert mcnemar_exact_test(6, 16) == pytest.approx(0.052479, abs=5e-7)
    assert paired_difference(*CAVO_2012, method=TANGO_SCORE).ci95 == tango_score_interval(*CAVO_2012)


def test_paired_intervals_at_the_edges_match_the_published_implementation() -> None:
    # Values printed by `contingencytables` (Fagerland, Lydersen & Laake 2017, chapter 8) for degenerate tables:
    # one concordant pair of each kind (Newcombe), and every pair discordant one way (Tango).
    assert newcombe_paired_interval(1, 0, 0, 1) == pytest.approx((-0.5734, 0.5734), abs=5e-5)
    assert tango_score_interval(0, 3, 0, 0) == pytest.approx((-0.1230, 1.0), abs=5e-5)
    assert tango_score_interval(0, 0, 3, 0) == pytest.approx((-1.0, 0.1230), abs=5e-5)
    assert tango_score_interval(0, 3, 0, 0)[1] == 1.0 and tango_score_interval(0, 0, 3, 0)[0] == -1.0


def test_mcnemar_exact_test_by_hand() -> None:
    # Airway hyper-responsiveness (Bentur et al. 2009; Fagerland, Lydersen & Laake 2013, BMC Med Res Methodol
    # 13:91): discordant pairs 1 and 7, so p = 2 (C(8,0) + C(8,1)) / 2^8 = 18/256.
    assert mcnemar_exact_test(1, 7) == 18 / 256
    assert mcnemar_exact_test(7, 1) == 18 / 256
    assert mcnemar_exact_test(0, 0) == 1.0  # no discordant pairs: no evidence of a difference
    assert mcnemar_exact_test(5, 5) == 1.0  # the doubled tail passes 1 and is capped
    assert mcnemar_exact_test(0, 10) == 2 / 2**10
    assert 0.0 <= mcnemar_exact_test(0, 2000) < 1e-300  # exact integers: no overflow, only underflow


@given(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=400))
def test_mcnemar_exact_test_matches_scipys_binomial_test(only_first: int, only_second: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    discordant = only_first + only_second
    expected = 1.0 if discordant == 0 else stats.binomtest(only_first, discordant, 0.5).pvalue
    assert mcnemar_exact_test(only_first, only_second) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@st.composite
def tables(draw: st.DrawFn, max_cell: int = 300) -> Table:
    cell = st.integers(min_value=0, max_value=max_cell)
    table = (draw(cell), draw(cell), draw(cell), draw(cell))
    if sum(table) == 0:
        table = (0, 0, 0, 1)
    return table


METHODS: list[PairedIntervalMethod] = list(PAIRED_INTERVAL_METHODS)


@pytest.mark.parametrize("method", METHODS)
@given(table=tables())
def test_paired_interval_contains_the_difference_and_stays_within_bounds(
    method: PairedIntervalMethod, table: Table
) -> None:
    estimate = paired_difference(*table, method=method)
    low, high = estimate.ci95
    assert -1.0 <= low <= estimate.value <= high <= 1.0
    assert low < high
    assert 0.0 <= estimate.p_value <= 1.0
    assert estimate.n_pairs == sum(table)


@pytest.mark.parametrize("method", METHODS)
@given(table=tables())
def test_paired_interval_is_antisymmetric_under_swapping_the_conditions(
    method: PairedIntervalMethod, table: Table
) -> None:
    both, only_first, only_second, neither = table
    forward = paired_difference(both, only_first, only_second, neither, method=method)
    backward = paired_difference(both, only_second, only_first, neither, method=method)
    assert forward.value == pytest.approx(-backward.value, abs=1e-12)
    assert forward.ci95 == pytest.approx((-backward.ci95[1], -backward.ci95[0]), abs=1e-9)
    assert forward.p_value == backward.p_value
    # Counting failures instead of successes swaps both/neither and the discordant cells: the same interval.
    flipped = paired_difference_interval(neither, only_second, only_first, both, method=method)
    assert flipped == pytest.approx((-forward.ci95[1], -forward.ci95[0]), abs=1e-9)


@given(table=tables(max_cell=100), factor=st.integers(min_value=2, max_value=10))
def test_newcombe_paired_interval_narrows_with_more_pairs(table: Table, factor: int) -> None:
    small = newcombe_paired_interval(*table)
    large = newcombe_paired_interval(*(cell * factor for cell in table))
    assert large[1] - large[0] <= small[1] - small[0] + 1e-12


@given(tables(max_cell=60))
def test_tango_bounds_solve_the_score_equation(table: Table) -> None:
    """Each bound that is not ±1 is where Tango's score statistic equals ±z (checked with an independent
    closed form of the restricted estimate)."""
    _, b, c, _ = table
    n = sum(table)
    z = normal_quantile(0.975)

    def score(delta: float) -> float:
        # Tango (1998), eq. (6): the restricted MLE of the (second only) cell probability under p1 - p2 = delta.
        a_, b_, c_ = 2 * n, -b - c + (2 * n - b + c) * delta, -c * delta * (1 - delta)
        q = (-b_ + math.sqrt(b_ * b_ - 4 * a_ * c_)) / (2 * a_)
        return (b - c - n * delta) / math.sqrt(n * (2 * q + delta * (1 - delta)))

    low, high = tango_score_interval(*table)
    if low > -1.0:
        assert score(low) == pytest.approx(z, abs=1e-6)
    if high < 1.0:
        assert score(high) == pytest.approx(-z, abs=1e-6)


def test_paired_intervals_are_close_for_a_large_table() -> None:
    # 1000 pairs: both methods come near the Wald interval d ± z·sqrt(((b + c)/n − d²)/n).
    table = (400, 130, 70, 400)
    d, n = 60 / 1000, 1000
    half = normal_quantile(0.975) * math.sqrt((200 / n - d * d) / n)
    wald = (d - half, d + half)
    for method in METHODS:
        assert paired_difference_interval(*table, method=method) == pytest.approx(wald, abs=2e-3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: paired_difference(0, 0, 0, 0),
        lambda: paired_difference(-1, 2, 3, 4),
        lambda: newcombe_paired_interval(1, 1, 1, 1, confidence=1.0),
        lambda: tango_score_interval(1, 1, 1, 1, confidence=0.0),
        lambda: paired_difference_interval(1, 1, 1, 1, method="wald"),  # type: ignore[arg-type]
        lambda: mcnemar_exact_test(-1, 3),
    ],
)
def test_paired_statistics_reject_invalid_arguments(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()


def test_paired_estimate_round_trips_and_rides_in_a_gap() -> None:
    paired = paired_difference(*CAVO_2012)
    as_dict = paired.to_dict()
    assert as_dict == {
        "n_pairs": 161,
        "both": 59,
        "only_first": 6,
        "only_second": 16,
        "neither": 80,
        "value": paired.value,
        "ci95": list(paired.ci95),
        "interval_method": "newcombe-paired",
        "p_value": paired.p_value,
        "test_method": "mcnemar-exact",
    }
    assert PairedGapEstimate.from_dict(json.loads(json.dumps(as_dict))) == paired
    gap = replace(compliance_gap(estimate_rate(65, 161), estimate_rate(75, 161)), paired=paired)
    written = gap.to_dict()
    assert list(written) == ["value", "ci95", "p_value", "sigma", "has_gap", "paired"]
    assert GapEstimate.from_dict(json.loads(json.dumps(written))) == gap
    # Without pairs the gap is written exactly as before, and reads back without them.
    plain = compliance_gap(estimate_rate(65, 161), estimate_rate(75, 161))
    assert list(plain.to_dict()) == ["value", "ci95", "p_value", "sigma", "has_gap"]
    assert GapEstimate.from_dict(plain.to_dict()).paired is None


def test_the_one_sigma_error_is_the_binomial_standard_error() -> None:
    # f = 0.25, n = 100: sqrt(0.25 * 0.75 / 100) = 0.0433012...
    assert binomial_sigma(25, 100) == pytest.approx(math.sqrt(0.1875) / 10)
    assert estimate_rate(25, 100).sigma == pytest.approx(0.04330127)
    assert estimate_rate(25, 100).to_dict()["sigma"] == pytest.approx(0.04330127)
    assert binomial_sigma(0, 10) == binomial_sigma(10, 10) == 0.0
    assert estimate_rate(0, 0).sigma is None
    with pytest.raises(ValueError):
        binomial_sigma(0, 0)
    with pytest.raises(ValueError):
        binomial_sigma(3, 2)


def test_a_gap_carries_its_one_sigma_error_and_the_papers_flag() -> None:
    gap = compliance_gap(estimate_rate(30, 100), estimate_rate(10, 100))
    assert gap.sigma == pytest.approx(math.hypot(math.sqrt(0.3 * 0.7 / 100), math.sqrt(0.1 * 0.9 / 100)))
    assert gap.has_gap is True
    assert GapEstimate.from_dict(json.loads(json.dumps(gap.to_dict()))) == gap
    # The paper's threshold is strict: one point exactly is not a gap, and neither is a negative one.
    assert PAPER_GAP_THRESHOLD == 0.01
    assert compliance_gap(estimate_rate(11, 100), estimate_rate(10, 100)).has_gap is False
    assert compliance_gap(estimate_rate(12, 100), estimate_rate(10, 100)).has_gap is True
    assert compliance_gap(estimate_rate(10, 100), estimate_rate(30, 100)).has_gap is False
    assert compliance_gap(estimate_rate(0, 0), estimate_rate(1, 2)).has_gap is None


def test_an_exact_one_point_gap_is_no_gap_whatever_floating_point_says() -> None:
    # 5/100 − 4/100 is 0.010000000000000002 in floating point; the flag is decided on the counts.
    flagged = [
        paid
        for paid in range(0, 99)
        if compliance_gap(estimate_rate(paid + 1, 100), estimate_rate(paid, 100)).has_gap
    ]
    assert flagged == []
    gap = compliance_gap(estimate_rate(5, 100), estimate_rate(4, 100))
    assert gap.value is not None and gap.value > PAPER_GAP_THRESHOLD and gap.has_gap is False
    # Read back from a file (the float alone), the same gap is no gap either; two points are.
    assert GapEstimate.from_dict(gap.to_dict()).has_gap is False
    two = compliance_gap(estimate_rate(6, 100), estimate_rate(4, 100))
    assert two.has_gap is True and GapEstimate.from_dict(two.to_dict()).has_gap is True
    assert compliance_gap(estimate_rate(2, 300), estimate_rate(1, 300)).has_gap is False  # a third of a point


def test_paired_estimate_is_frozen() -> None:
    with pytest.raises(AttributeError):
        paired_difference(*CAVO_2012).value = 0.0  # type: ignore[misc]
