"""Paired effects over seeds and test rows: bootstrap intervals, p-values, Holm correction.

Every cell of the head-to-head is an (S, N) matrix of per-row scores (S seeds, N test rows,
e.g. 1.0 for a correct prediction). Cells with the same seed are paired, and all cells score
the same test rows, so an effect is a contrast of matrices whose resampling keeps both
pairings: seeds and test rows are drawn with replacement together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Effect:
    """``mean`` of the contrast over seeds and rows, its ``low``/``high`` percentile
    interval, two-sided bootstrap ``p_value``, and the per-seed means (S,)."""

    mean: float
    low: float
    high: float
    p_value: float
    per_seed: tuple[float, ...]

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def bootstrap_effect(contrast: np.ndarray, *, n_boot: int = 2000, alpha: float = 0.05,
                     random_state: int = 0, chunk: int = 50) -> Effect:
    """Bootstrap a paired contrast.

    Parameters
    ----------
    contrast : array of shape (S, N), per seed and test row, treated minus reference
        (or any linear combination of cells, such as an interaction)
    n_boot : number of resamples of seeds and rows together
    alpha : the interval covers ``1 - alpha``

    Returns
    -------
    Effect. With one seed only the test rows are resampled.
    """
    contrast = np.asarray(contrast, dtype=np.float64)
    n_seeds, n_rows = contrast.shape
    rng = np.random.default_rng(random_state)
    estimates = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        row_weights = rng.multinomial(n_rows, np.full(n_rows, 1 / n_rows), size=size)
        by_seed = contrast @ row_weights.T / n_rows  # (S, size)
        seeds = rng.integers(0, n_seeds, size=(size, n_seeds))
        estimates[start:start + size] = by_seed[seeds, np.arange(size)[:, None]].mean(axis=1)
    low, high = np.quantile(estimates, [alpha / 2, 1 - alpha / 2])
    tail = min(np.mean(estimates <= 0), np.mean(estimates >= 0))
    per_seed = contrast.mean(axis=1)
    return Effect(mean=float(per_seed.mean()), low=float(low), high=float(high),
                  p_value=float(min(1.0, max(2 * tail, 1 / n_boot))),
                  per_seed=tuple(float(v) for v in per_seed))


def holm(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()
