"""The audit's grouped folds (`dataset.StratifiedGroupFolds`) against scikit-learn's
`StratifiedGroupKFold` on the same rows, in one run: time, and how far each fold's class mix
and size stray from the table's.

Tables (fixed before any run): rows with labels drawn from 3 classes (60/30/10%), grouped
four ways: subjects of one label each with 1-7 rows (the usual id that repeats), at 10,000,
100,000 and 1,000,000 rows; 20 subjects of 25 visits (few large groups); 2,000 subjects
whose visits carry mixed labels. Five folds, random_state 0. Prints the ratios, writes
bench/results/group_folds.json.

    python bench/group_folds.py
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from datacentric.dataset import StratifiedGroupFolds


def subjects(n_rows: int, *, mixed: bool, visits: tuple[int, int] = (1, 7),
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels and subject ids of ``n_rows`` rows: each subject has ``visits`` rows and one
    label (or, ``mixed``, a label drawn per row)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(visits[0], visits[1] + 1, n_rows)
    groups = np.repeat(np.arange(n_rows), sizes)[:n_rows]
    per = rng.choice(3, size=n_rows, p=[0.6, 0.3, 0.1])
    labels = per if mixed else per[groups]
    return labels, groups


def fold_quality(labels: np.ndarray, splits: list) -> dict:
    """The largest gap between a fold's class share and the table's (points), and between a
    fold's rows and an even share (percent of the even share)."""
    shares = np.bincount(labels) / len(labels)
    even = len(labels) / len(splits)
    class_gap = max(np.abs(np.bincount(labels[test], minlength=len(shares)) / len(test)
                           - shares).max() for _, test in splits)
    size_gap = max(abs(len(test) - even) / even for _, test in splits)
    return {"class_share_gap_points": round(100 * float(class_gap), 2),
            "fold_size_gap_percent": round(100 * float(size_gap), 2)}


def measure(splitter, labels: np.ndarray, groups: np.ndarray) -> dict:
    started = time.perf_counter()
    splits = list(splitter.split(np.zeros(len(labels)), labels, groups))
    seconds = time.perf_counter() - started
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    return {"seconds": round(seconds, 3), **fold_quality(labels, splits)}


CASES = {
    "10,000 rows, subjects of 1-7 rows": dict(n_rows=10_000, mixed=False),
    "100,000 rows, subjects of 1-7 rows": dict(n_rows=100_000, mixed=False),
    "1,000,000 rows, subjects of 1-7 rows": dict(n_rows=1_000_000, mixed=False),
    "500 rows, 20 subjects of 25 visits": dict(n_rows=500, mixed=False, visits=(25, 25)),
    "10,000 rows, 2,000 subjects of mixed labels": dict(n_rows=10_000, mixed=True,
                                                        visits=(5, 5)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/group_folds.json")
    args = parser.parse_args()
    results = {}
    for name, case in CASES.items():
        labels, groups = subjects(**case)
        ours = measure(StratifiedGroupFolds(5, random_state=0), labels, groups)
        theirs = measure(StratifiedGroupKFold(5, shuffle=True, random_state=0), labels, groups)
        results[name] = {"groups": int(len(np.unique(groups))), "datacentric": ours,
                         "scikit-learn": theirs,
                         "time_ratio": round(theirs["seconds"] / max(ours["seconds"], 1e-3), 1)}
        print(f"{name}: {results[name]['groups']:,} groups; scikit-learn "
              f"{theirs['seconds']:.2f} s, ours {ours['seconds']:.2f} s "
              f"({results[name]['time_ratio']}x faster); class-share gap "
              f"{theirs['class_share_gap_points']} vs {ours['class_share_gap_points']} points; "
              f"fold-size gap {theirs['fold_size_gap_percent']}% vs "
              f"{ours['fold_size_gap_percent']}%")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
