"""One head-to-head cell (`datacentric cell`) on the default data, at two git revisions of the
package, interleaved in one run: how much of a cell is fixed start-up cost.

The default pipeline runs 60 cells, each its own process, so a second of start-up per cell
is a minute of every `dvc repro`. Each revision is checked out in a git worktree and put first
on PYTHONPATH; both run on copies of the same inputs (data/clean/raw.parquet,
data/validated/test.parquet, params.yaml; run `dvc repro` first). The baseline, measured in the
same run, is a Python process that imports pandas and scikit-learn and does nothing else.
Prints medians and writes bench/results/cell_startup.json.

    python bench/cell_startup.py --before HEAD~1 --after HEAD [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ["params.yaml", "data/clean/raw.parquet", "data/validated/test.parquet"]
CLI = "from datacentric.cli import app; app()"


def seconds(args: list[str], cwd: Path, pythonpath: Path | None = None) -> float:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--arms", nargs="+", default=["hgb", "logreg", "mlp"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="bench/results/cell_startup.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cell_startup.") as scratch:
        scratch = Path(scratch)
        work = scratch / "work"
        for name in INPUTS:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, work / name)
        trees = {}
        for label, rev in (("before", args.before), ("after", args.after)):
            trees[label] = scratch / label
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(trees[label]), rev],
                           cwd=ROOT, check=True)
        try:
            runs: dict[str, list[float]] = {}
            for _ in range(args.repeats):
                runs.setdefault("baseline: import pandas, sklearn", []).append(seconds(
                    [sys.executable, "-c", "import pandas, sklearn.ensemble"], work))
                for arm in args.arms:
                    for label, tree in trees.items():
                        runs.setdefault(f"{arm} {label}", []).append(seconds(
                            [sys.executable, "-c", CLI, "cell", "--data", "raw",
                             "--model", arm, "--seed", "0"], work, tree))
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    median = {name: statistics.median(times) for name, times in runs.items()}
    base = median["baseline: import pandas, sklearn"]
    for name, value in median.items():
        print(f"{name:34} {value:6.2f} s  {value / base:5.2f}× baseline")
    for arm in args.arms:
        print(f"{arm}: after / before = {median[f'{arm} after'] / median[f'{arm} before']:.2f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"before": args.before, "after": args.after,
                                          "median_seconds": median, "runs": runs},
                                         indent=2) + "\n")


if __name__ == "__main__":
    main()
