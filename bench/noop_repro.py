"""A no-op `dvc repro` against `dvc status`, in the same repository, in one run.

Both commands hash the same dependencies and outputs to find that nothing changed; `dvc repro`
also loads the pipeline to reproduce it. Run from a repository whose pipeline is up to date
(after `dvc repro`). Prints the median of ``--repeats`` runs of each and their ratio, writes
bench/results/noop_repro.json.

    python bench/noop_repro.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path


def seconds(args: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    if args[1] == "repro" and "Running stage" in result.stdout:
        raise SystemExit("the pipeline is not up to date; run `dvc repro` first.")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="bench/results/noop_repro.json")
    args = parser.parse_args()
    runs = {"dvc status": [], "dvc repro": []}
    for _ in range(args.repeats):  # interleaved, so both see the same file-system cache
        runs["dvc status"].append(seconds(["dvc", "status"]))
        runs["dvc repro"].append(seconds(["dvc", "repro"]))
    median = {name: statistics.median(times) for name, times in runs.items()}
    ratio = median["dvc repro"] / median["dvc status"]
    stages = subprocess.run(["dvc", "stage", "list"], capture_output=True, text=True).stdout
    for name, value in median.items():
        print(f"{name:11} {value:6.2f} s (median of {args.repeats})")
    print(f"no-op dvc repro / dvc status: {ratio:.2f}× over {len(stages.splitlines())} stages")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"median_seconds": median, "ratio": ratio,
                                          "stages": len(stages.splitlines()),
                                          "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
