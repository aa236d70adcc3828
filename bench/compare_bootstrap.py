"""The head-to-head's bootstrap at growing numbers of test rows: time and peak memory of the
shipped pattern bootstrap against drawing every row (the baseline), in one run.

Each case is one paired contrast of per-row correctness over five seeds, as `compare` builds
it: a reference cell right on 80% of the rows and a treated cell that fixes 2% of the rows and
breaks 1%, different rows per seed (seed 0 of numpy's generator). The shipped
:func:`datacentric.stats.bootstrap_effect` draws 2,000 resamples of seeds and rows. The
baseline draws each resample's row weights row by row (a multinomial over all N rows, 50
resamples at a time: what `stats.bootstrap_effect` did before) and runs ``--baseline-boot``
resamples; its time is scaled to 2,000 (linear in the resamples, measured) and its memory is
that of one batch of 50, whatever the number of resamples. Peak memory is traced by
``tracemalloc`` (numpy's arrays included), above the contrast itself. Writes
bench/results/compare_bootstrap.json.

    python bench/compare_bootstrap.py [--rows 10000 100000 1000000 5000000] [--baseline-boot 200]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np

from datacentric.stats import bootstrap_effect

SEEDS = 5
N_BOOT = 2000


def row_resampling_se(contrast: np.ndarray, *, n_boot: int, random_state: int = 0) -> float:
    """The baseline: each resample draws a weight for every row (then the seeds)."""
    n_seeds, n_rows = contrast.shape
    rng = np.random.default_rng(random_state)
    estimates = np.empty(n_boot)
    for start in range(0, n_boot, 50):
        size = min(50, n_boot - start)
        row_weights = rng.multinomial(n_rows, np.full(n_rows, 1 / n_rows), size=size)
        by_seed = contrast @ row_weights.T / n_rows
        seeds = rng.integers(0, n_seeds, size=(size, n_seeds))
        estimates[start:start + size] = by_seed[seeds, np.arange(size)[:, None]].mean(axis=1)
    return float(estimates.std(ddof=1))


def measured(call) -> tuple[object, float, float]:
    """``call()``'s value, seconds and traced peak MiB."""
    tracemalloc.start()
    started = time.perf_counter()
    value = call()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return value, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+",
                        default=[10_000, 100_000, 1_000_000, 5_000_000])
    parser.add_argument("--baseline-boot", type=int, default=200)
    parser.add_argument("--out", default="bench/results/compare_bootstrap.json")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    records = []
    for rows in args.rows:
        reference = rng.random((SEEDS, rows)) < 0.8
        treated = (reference | (rng.random((SEEDS, rows)) < 0.02)) & (
            rng.random((SEEDS, rows)) >= 0.01)
        contrast = treated.astype(np.float64) - reference
        effect, shipped_seconds, shipped_mib = measured(lambda c=contrast: bootstrap_effect(c))
        baseline_se, baseline_seconds, baseline_mib = measured(
            lambda c=contrast: row_resampling_se(c, n_boot=args.baseline_boot))
        baseline_seconds *= N_BOOT / args.baseline_boot
        records.append({"rows": rows, "seeds": SEEDS, "resamples": N_BOOT,
                        "shipped_seconds": shipped_seconds, "shipped_peak_mib": shipped_mib,
                        "baseline_seconds_scaled": baseline_seconds,
                        "baseline_resamples_run": args.baseline_boot,
                        "baseline_peak_mib": baseline_mib,
                        "speedup": baseline_seconds / shipped_seconds,
                        "memory_ratio": baseline_mib / shipped_mib,
                        "shipped_se": effect.se, "baseline_se": baseline_se})
        print(f"{rows:>10,} rows: shipped {shipped_seconds:7.2f} s {shipped_mib:8.1f} MiB, "
              f"baseline {baseline_seconds:8.1f} s {baseline_mib:8.1f} MiB "
              f"({baseline_seconds / shipped_seconds:6.1f}× the time, "
              f"{baseline_mib / shipped_mib:6.1f}× the memory); "
              f"se {effect.se:.2e} against {baseline_se:.2e}", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"records": records}, indent=2) + "\n")


if __name__ == "__main__":
    main()
