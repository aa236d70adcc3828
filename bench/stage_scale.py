"""Each stage's time and peak memory at several sizes of a synthetic 30-column table, with the
fitted growth exponent k of time ∝ rows^k, in one run.

Every stage runs as the real command line (`datacentric <stage>`) in its own child process in
a scratch project, so its peak memory (max RSS) is its own. The baseline, measured in the same
run at each size, is reading and writing the prepared training rows with pandas (the I/O any
stage must do); each stage's time is printed as a multiple of it. Writes
bench/results/stage_scale.json.

    python bench/stage_scale.py [--rows 10000 100000] [--audit-models hgb,logreg]
                                [--env OMP_WAIT_POLICY=PASSIVE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGES = [
    ["ingest"], ["suite", "init"], ["validate"], ["audit"], ["clean", "--arm", "prune"],
    ["featurize"], ["train"], ["evaluate"],
    ["cell", "--data", "prune", "--model", "hgb", "--seed", "0"],
    ["predict", "data/raw/table.csv", "--out", "data/predictions/scored.parquet"],
]


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None
          ) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{process.stderr.read()}")
    return seconds, usage.ru_maxrss / 1024


def io_baseline(cwd: Path) -> tuple[float, float]:
    code = ("import pandas as pd; f = pd.read_parquet('data/prepared/train.parquet'); "
            "f.to_parquet('data/prepared/.baseline.parquet', index=False)")
    return timed([sys.executable, "-c", code], cwd)


def project(where: Path, rows: int, audit_models: list[str]) -> Path:
    from datacentric.synthetic import make_table

    shutil.copytree(ROOT / "gx", where / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    (where / "data" / "raw").mkdir(parents=True)
    make_table(rows, random_state=0).to_csv(where / "data/raw/table.csv", index=False)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"].update(source="data/raw/table.csv", target="label")
    params["validate"]["suite"] = "bench"
    params["audit"]["models"] = audit_models
    (where / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--audit-models", default="hgb,logreg,et,rf,knn")
    parser.add_argument("--env", nargs="*", default=[], metavar="KEY=VALUE",
                        help="extra environment for every stage, e.g. OMP_WAIT_POLICY=PASSIVE")
    parser.add_argument("--out", default="bench/results/stage_scale.json")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)

    records = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="stage_scale.") as scratch:
            where = project(Path(scratch), rows, args.audit_models.split(","))
            for stage in STAGES:
                seconds, peak = timed(["datacentric", *stage], where, env)
                records.append({"rows": rows, "stage": " ".join(stage[:1]),
                                "seconds": seconds, "peak_mib": peak})
                print(f"{rows:>9,} {' '.join(stage[:1]):10} {seconds:8.1f} s "
                      f"{peak:8.0f} MiB", flush=True)
            base_seconds, base_peak = io_baseline(where)
            records.append({"rows": rows, "stage": "baseline: pandas read+write",
                            "seconds": base_seconds, "peak_mib": base_peak})
    table = pd.DataFrame(records)
    base = table[table["stage"].str.startswith("baseline")].set_index("rows")["seconds"]
    table["x_baseline"] = table["seconds"] / table["rows"].map(base)
    exponents = {}
    if len(args.rows) > 1:
        for stage, group in table.groupby("stage", sort=False):
            slope = np.polyfit(np.log(group["rows"]), np.log(group["seconds"]), 1)[0]
            exponents[stage] = float(slope)
    wide = table.pivot_table(index="stage", columns="rows", values=["seconds", "peak_mib"],
                             sort=False)
    print("\n" + wide.round(1).to_string())
    print("\ngrowth exponent k (time ∝ rows^k): "
          + ", ".join(f"{s} {k:.2f}" for s, k in exponents.items()))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "rows": args.rows, "columns": 30, "audit_models": args.audit_models.split(","),
        "env": env,
        "cpu_count": os.cpu_count(), "records": table.to_dict("records"),
        "growth_exponents": exponents}, indent=2) + "\n")


if __name__ == "__main__":
    main()
