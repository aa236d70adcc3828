"""The stages that run on Spark, on both engines at several sizes, in one run: each stage's
time, the peak memory of its whole process tree (driver, JVM, Python workers together) and
the Spark engine's time as a multiple of the pandas engine's on the same rows.

Protocol (fixed before any figure was read): the synthetic 30-column table
(``synthetic.make_table(rows, random_state=0)``) written once as Parquet (Spark splits a
Parquet file; a CSV with quoted line breaks is read by one task) and as the source of two
scratch projects that differ only in ``compute.engine``; Spark on ``local[2]`` with the
default ``compute.spark`` settings otherwise. Each stage (``ingest``, ``suite init``,
``validate``, ``audit``, ``clean --arm prune`` and one ``xgb`` cell on the pruned rows with
seed 0, then ``featurize``, ``train`` (``train.model``, on the driver on both engines) and
``predict`` of the whole source table; the audit was added after a first run of the first
three, whose JSON is kept as bench/results/spark_scale_without_audit.json, clean and the cell
after a run of the first four, and the last three after runs of the first six) runs as the
real command line in its
own child process, one at a time; the peak memory is the largest sum of resident memory over
the child and all its descendants, sampled every 0.1 s. The growth exponent k (time ∝
rows^k) is fitted per engine and stage when more than one size is given. Writes
bench/results/spark_scale.json.

    python bench/spark_scale.py [--rows 1000000] [--engines pandas spark]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGES = {"ingest": ["ingest"], "suite": ["suite", "init"], "validate": ["validate"],
          "audit": ["audit"], "clean prune": ["clean", "--arm", "prune"],
          "cell prune xgb": ["cell", "--data", "prune", "--model", "xgb", "--seed", "0"],
          "featurize": ["featurize"], "train": ["train"],
          "predict": ["predict", "data/raw/table.parquet", "--out", "scored.parquet"]}


def timed_tree(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and the peak summed RSS (MiB) of a child process and its descendants."""
    # stderr to a file: a pipe nobody reads while the child runs fills up and blocks it
    with tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        parent, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass  # a process ended between listing and reading it
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(args)} failed:\n{errors.read()}")
    return seconds, peak / 2**20


def project(where: Path, source: Path, engine: str) -> Path:
    shutil.copytree(ROOT / "gx", where / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    (where / "data" / "raw").mkdir(parents=True)
    shutil.copy(source, where / "data" / "raw" / "table.parquet")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"].update(source="data/raw/table.parquet", target="label")
    params["validate"]["suite"] = "bench"
    params["compute"]["engine"] = engine
    params["compute"]["spark"]["master"] = "local[2]"
    (where / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return where


def main() -> None:
    from datacentric.synthetic import make_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engines", nargs="+", default=["pandas", "spark"])
    parser.add_argument("--out", default="bench/results/spark_scale.json")
    args = parser.parse_args()

    records = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="spark_scale.") as scratch:
            source = Path(scratch) / "table.parquet"
            make_table(rows, random_state=0).to_parquet(source, index=False)
            for engine in args.engines:
                where = project(Path(scratch) / engine, source, engine)
                for stage, command in STAGES.items():
                    seconds, peak = timed_tree(["datacentric", *command], where)
                    records.append({"rows": rows, "engine": engine, "stage": stage,
                                    "seconds": seconds, "peak_mib": peak})
                    print(f"{rows:>11,} {engine:7} {stage:14} {seconds:8.1f} s "
                          f"{peak:8.0f} MiB", flush=True)
                shutil.rmtree(where)
    table = pd.DataFrame(records)
    wide = table.pivot_table(index=["rows", "stage"], columns="engine",
                             values=["seconds", "peak_mib"], sort=False)
    wide.columns = [f"{engine} {value}" for value, engine in wide.columns]
    if {"pandas", "spark"} <= set(args.engines):
        wide["spark_x_pandas"] = wide["spark seconds"] / wide["pandas seconds"]
    print("\n" + wide.round(2).to_string())
    exponents = {}
    if len(args.rows) > 1:
        for (engine, stage), group in table.groupby(["engine", "stage"], sort=False):
            slope = np.polyfit(np.log(group["rows"]), np.log(group["seconds"]), 1)[0]
            exponents[f"{engine} {stage}"] = float(slope)
        print("\ngrowth exponent k (time ∝ rows^k): "
              + ", ".join(f"{s} {k:.2f}" for s, k in exponents.items()))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "rows": args.rows, "columns": 30, "engines": args.engines, "spark_master": "local[2]",
        "cpu_count": os.cpu_count(), "records": records,
        "growth_exponents": exponents}, indent=2) + "\n")


if __name__ == "__main__":
    main()
