"""Seeded synthetic mixed-type tables with a nonlinear label, for benchmarks and tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_table(n_rows: int, *, n_numeric: int = 20, n_categorical: int = 10,
               n_classes: int = 3, missing_rate: float = 0.05, random_state: int = 0
               ) -> pd.DataFrame:
    """A table of ``n_numeric`` skewed numeric columns (log-normal, some missing) and
    ``n_categorical`` categorical columns of cardinalities 3, 10, 50, 3, 10, 50 …, with a
    ``label`` column of ``n_classes`` classes that depends nonlinearly on both kinds.

    The label is the quantile bin of a score built from products of numeric columns, a
    sine term and per-level categorical effects, plus a little Gaussian noise.
    """
    rng = np.random.default_rng(random_state)
    numeric = rng.lognormal(0.0, 0.75, size=(n_rows, n_numeric))
    frame = pd.DataFrame(numeric, columns=[f"num_{i}" for i in range(n_numeric)])
    score = np.log(numeric[:, 0]) * np.log(numeric[:, 1 % n_numeric]) + np.sin(
        2 * np.log(numeric[:, 2 % n_numeric])) + 0.5 * np.log(numeric[:, 3 % n_numeric])
    for j in range(n_categorical):
        cardinality = (3, 10, 50)[j % 3]
        codes = rng.zipf(1.6, n_rows) % cardinality
        effects = rng.normal(0, 0.6 if j < 3 else 0.05, cardinality)
        score += effects[codes]
        frame[f"cat_{j}"] = np.char.add(f"c{j}_", codes.astype(str)).astype(object)
    score += rng.normal(0, 0.15, n_rows)
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    frame["label"] = np.array([f"class_{k}" for k in range(n_classes)])[np.digitize(score, edges)]
    mask = rng.random((n_rows, n_numeric)) < missing_rate
    frame.iloc[:, :n_numeric] = frame.iloc[:, :n_numeric].mask(mask)
    return frame
