"""Paired effects over seeds and test rows: bootstrap intervals, p-values, Holm correction.

Every cell of the head-to-head is an (S, N) matrix of per-row scores (S seeds, N test rows,
e.g. 1.0 for a correct prediction). Cells with the same seed are paired, and all cells score
the same test rows, so an effect is a contrast of matrices whose resampling keeps both
pairings: seeds and test rows are drawn with replacement together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Effect:
    """``mean`` of the contrast over seeds and rows, its ``low``/``high`` percentile
    interval, two-sided bootstrap ``p_value``, the bootstrap standard error ``se`` and the
    per-seed means (S,)."""

    mean: float
    low: float
    high: float
    p_value: float
    se: float
    per_seed: tuple[float, ...]

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def bootstrap_effect(contrast: np.ndarray, *, n_boot: int = 2000, alpha: float = 0.05,
                     random_state: int = 0, memory_cells: int = 2**22) -> Effect:
    """Bootstrap a paired contrast.

    Parameters
    ----------
    contrast : array of shape (S, N), per seed and test row, treated minus reference
        (or any linear combination of cells, such as an interaction)
    n_boot : number of resamples of seeds and rows together
    alpha : the interval covers ``1 - alpha``
    memory_cells : at most this many row weights (8 bytes each) are drawn at once

    Returns
    -------
    Effect. With one seed only the test rows are resampled.

    Rows with the same contrast on every seed are interchangeable, so a resample draws how many
    rows of each distinct pattern it takes (a multinomial over the patterns, with their shares
    of the rows as probabilities; the same distribution as drawing the rows one by one). With
    per-row correctness there are at most 3**S patterns whatever N, so time and memory do not
    grow with the test rows beyond finding the patterns; with continuous scores every row may
    be its own pattern and each resample costs O(N).
    """
    contrast = np.asarray(contrast, dtype=np.float64)
    n_seeds, n_rows = contrast.shape
    patterns, counts = np.unique(contrast, axis=1, return_counts=True)  # (S, K), (K,)
    shares = counts / n_rows
    rng = np.random.default_rng(random_state)
    estimates = np.empty(n_boot)
    chunk = max(1, min(n_boot, memory_cells // len(counts)))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        pattern_rows = rng.multinomial(n_rows, shares, size=size)  # (size, K)
        by_seed = patterns @ pattern_rows.T / n_rows  # (S, size)
        seeds = rng.integers(0, n_seeds, size=(size, n_seeds))
        estimates[start:start + size] = by_seed[seeds, np.arange(size)[:, None]].mean(axis=1)
    low, high = np.quantile(estimates, [alpha / 2, 1 - alpha / 2])
    tail = min(np.mean(estimates <= 0), np.mean(estimates >= 0))
    per_seed = contrast.mean(axis=1)
    return Effect(mean=float(per_seed.mean()), low=float(low), high=float(high),
                  p_value=float(min(1.0, max(2 * tail, 1 / n_boot))),
                  se=float(estimates.std(ddof=1)) if n_boot > 1 else 0.0,
                  per_seed=tuple(float(v) for v in per_seed))


def holm(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()


@dataclass(frozen=True)
class VarianceComponents:
    """Variances of a crossed seeds × rows contrast ``C[s, n] = mu + a_s + b_n + e_sn``:
    ``seed`` (var a), ``row`` (var b) and ``residual`` (var e), in squared metric units."""

    seed: float
    row: float
    residual: float

    def bootstrap_variance(self, n_seeds: int, n_rows: int) -> float:
        """The variance :func:`bootstrap_effect` would find at ``n_seeds`` and ``n_rows``:
        the variance of the per-seed means over the seeds drawn plus that of the per-row
        means over the rows drawn (one seed: the rows alone)."""
        if n_seeds == 1:
            return (self.row + self.residual) / n_rows
        return ((self.seed + (self.row + self.residual) / n_rows) / n_seeds
                + (self.row + (self.seed + self.residual) / n_seeds) / n_rows)


def variance_components(contrast: np.ndarray) -> VarianceComponents:
    """Method-of-moments estimates (two-way crossed ANOVA, one value per cell) from a contrast
    of shape (S, N); negative estimates are set to 0. With one seed the seed and row
    variances cannot be told from the residual: both are 0."""
    contrast = np.asarray(contrast, dtype=np.float64)
    n_seeds, n_rows = contrast.shape
    seed_means, row_means, grand = contrast.mean(axis=1), contrast.mean(axis=0), contrast.mean()
    if n_seeds == 1:
        return VarianceComponents(seed=0.0, row=0.0,
                                  residual=float(contrast.var(ddof=1)) if n_rows > 1 else 0.0)
    residual = contrast - seed_means[:, None] - row_means[None, :] + grand
    ms_residual = float((residual ** 2).sum() / ((n_seeds - 1) * (n_rows - 1)))
    ms_seed = n_rows * float(((seed_means - grand) ** 2).sum()) / (n_seeds - 1)
    ms_row = n_seeds * float(((row_means - grand) ** 2).sum()) / (n_rows - 1)
    return VarianceComponents(seed=max(0.0, (ms_seed - ms_residual) / n_rows),
                              row=max(0.0, (ms_row - ms_residual) / n_seeds),
                              residual=ms_residual)


@dataclass(frozen=True)
class Power:
    """What it takes to separate an effect from zero (two-sided ``alpha``, given ``power``):
    ``detectable`` is the smallest effect the current seeds and rows separate; ``rows_needed``
    the test rows needed at the current seeds and ``seeds_needed`` the seeds needed at the
    current rows for an effect of the observed size (None: not reachable that way, or, for
    seeds, not estimable from one seed)."""

    detectable: float
    rows_needed: int | None
    seeds_needed: int | None


def power_to_separate(contrast: np.ndarray, *, alpha: float = 0.05, power: float = 0.8,
                      most: int = 10**9) -> Power:
    """Sizes at which the bootstrap interval of ``contrast`` (S, N) would exclude zero, from
    its variance components and the normal approximation; searches up to ``most``."""
    components = variance_components(contrast)
    n_seeds, n_rows = np.asarray(contrast).shape
    z = float(norm.ppf(1 - alpha / 2) + norm.ppf(power))
    detectable = z * float(np.sqrt(components.bootstrap_variance(n_seeds, n_rows)))
    target = (abs(float(np.mean(contrast))) / z) ** 2  # the variance the effect needs

    def smallest(variance_at) -> int | None:
        if target <= 0 or variance_at(most) > target:
            return None
        low, high = 1, most  # variance falls as the size grows: bisect
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if variance_at(middle) <= target else (middle + 1, high)
        return low

    rows_needed = smallest(lambda n: components.bootstrap_variance(n_seeds, n))
    seeds_needed = (smallest(lambda s: components.bootstrap_variance(s, n_rows))
                    if n_seeds > 1 else None)
    return Power(detectable=detectable, rows_needed=rows_needed, seeds_needed=seeds_needed)
