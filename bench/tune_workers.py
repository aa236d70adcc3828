"""The tuned arm's search with one worker against several, at the same trial budget.

For each seed, :func:`datacentric.tuning.tune_hgb` runs ``--trials`` trials with 1 worker and
with ``--workers`` workers (interleaved, same table, same seed), and the best configuration's
validation log loss is recomputed on the search's own inner split. Prints wall time, the
speed-up and both losses per seed; writes bench/results/tune_workers.json.

    python bench/tune_workers.py [--rows 20000] [--trials 15] [--workers 2] [--seeds 0 1 2]
"""
# ruff: noqa: I001  (datacentric must load before sklearn: it sets the OpenMP wait policy)

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from datacentric.tuning import _model, tune_hgb


def validation_loss(X: np.ndarray, y: np.ndarray, best: dict, seed: int) -> float:
    """The best configuration's log loss on the inner split tune_hgb searched on."""
    fit, val = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)
    model = _model(best, None, seed).fit(X[fit], y[fit])
    return float(log_loss(y[val], model.predict_proba(X[val]), labels=np.unique(y)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default="bench/results/tune_workers.json")
    args = parser.parse_args()
    X, y = make_classification(n_samples=args.rows, n_features=20, n_informative=10,
                               n_classes=3, random_state=0)
    runs = []
    for seed in args.seeds:
        for workers in (1, args.workers):
            started = time.perf_counter()
            _, best = tune_hgb(X, y, n_trials=args.trials, workers=workers, random_state=seed)
            seconds = time.perf_counter() - started
            runs.append({"seed": seed, "workers": workers, "seconds": seconds,
                         "best_loss": validation_loss(X, y, best, seed), "best": best})
            print(f"seed {seed} workers {workers}: {seconds:6.1f} s, best validation log loss "
                  f"{runs[-1]['best_loss']:.4f}", flush=True)
    one = [r for r in runs if r["workers"] == 1]
    many = [r for r in runs if r["workers"] == args.workers]
    speedups = [a["seconds"] / b["seconds"] for a, b in zip(one, many, strict=True)]
    print(f"speed-up with {args.workers} workers: median {np.median(speedups):.2f}x "
          f"({', '.join(f'{s:.2f}' for s in speedups)}); best loss 1 worker "
          f"{np.mean([r['best_loss'] for r in one]):.4f}, {args.workers} workers "
          f"{np.mean([r['best_loss'] for r in many]):.4f} (mean over seeds)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "rows": args.rows, "trials": args.trials, "workers": args.workers,
        "cpus": os.cpu_count(), "speedups": speedups, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
