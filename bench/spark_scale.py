"""The pipeline on both engines at several sizes: each stage's time, the peak memory of its
whole process tree (driver, JVM, Python workers together) and the Spark engine's time as a
multiple of the pandas engine's on the same rows.

Protocol (fixed before any figure was read): the synthetic 30-column table
(``synthetic.make_table(rows, random_state=0)``) written once as Parquet (Spark splits a
Parquet file; a CSV with quoted line breaks is read by one task) and as the source of two
scratch projects that differ only in ``compute.engine``; Spark on ``local[2]`` with the
default ``compute.spark`` settings otherwise. The stages, each as the real command line in its
own child process, one at a time: ``ingest``, ``suite init``, ``validate``, ``audit``, then for
every default data arm (``compare.data_arms``) ``clean --arm`` and its ``xgb`` cell (seed 0),
``compare`` of those cells (``compare.model_arms: [xgb]``, ``compare.seeds: [0]``), then
``featurize``, ``train`` (``train.model``: on the driver with pandas on both engines) and
``predict`` of the whole source table. The peak memory is the largest sum of resident
memory over the child and all its descendants, sampled every 0.1 s. The growth exponent k
(time ∝ rows^k) is fitted per engine and stage over every size in the JSON.

History: a first run of ingest, suite and validate is kept as
bench/results/spark_scale_without_audit.json; runs at 5,000 rows with one data arm (clean
prune, its xgb cell, featurize, train, predict) as spark_scale_5k*.json.

``--scratch DIR`` keeps the projects (``DIR/<rows>/<engine>``) and ``--out``'s records after
every stage, so a run stopped part-way goes on where it stopped when started again with the
same arguments: a stage already recorded is not run again. Writes bench/results/spark_scale.json.

    python bench/spark_scale.py [--rows 1000000] [--engines pandas spark] [--scratch DIR]
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
ARMS = yaml.safe_load((ROOT / "params.yaml").read_text())["compare"]["data_arms"]
STAGES = {"ingest": ["ingest"], "suite": ["suite", "init"], "validate": ["validate"],
          "audit": ["audit"],
          **{f"clean {arm}": ["clean", "--arm", arm] for arm in ARMS},
          **{f"cell {arm} xgb": ["cell", "--data", arm, "--model", "xgb", "--seed", "0"]
             for arm in ARMS},
          "compare": ["compare"], "featurize": ["featurize"], "train": ["train"],
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
    """A scratch project at ``where`` reading ``source`` on ``engine`` (kept if it exists)."""
    if (where / "params.yaml").exists():
        return where
    shutil.copytree(ROOT / "gx", where / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    (where / "data" / "raw").mkdir(parents=True)
    shutil.copy(source, where / "data" / "raw" / "table.parquet")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"].update(source="data/raw/table.parquet", target="label")
    params["validate"]["suite"] = "bench"
    params["compare"].update(model_arms=["xgb"], seeds=[0])
    params["compute"]["engine"] = engine
    params["compute"]["spark"]["master"] = "local[2]"
    (where / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return where


def report(records: list[dict], out: Path, *, show: bool = True) -> None:
    """Write ``out`` with the growth exponents, and print both tables when ``show``."""
    table = pd.DataFrame(records)
    wide = table.pivot_table(index=["rows", "stage"], columns="engine",
                             values=["seconds", "peak_mib"], sort=False)
    wide.columns = [f"{engine} {value}" for value, engine in wide.columns]
    if {"pandas", "spark"} <= set(table["engine"]):
        wide["spark_x_pandas"] = wide["spark seconds"] / wide["pandas seconds"]
    exponents = {}
    for (engine, stage), group in table.groupby(["engine", "stage"], sort=False):
        if group["rows"].nunique() > 1:
            slope = np.polyfit(np.log(group["rows"]), np.log(group["seconds"]), 1)[0]
            exponents[f"{engine} {stage}"] = float(slope)
    if show:
        print("\n" + wide.round(2).to_string())
        print("\ngrowth exponent k (time ∝ rows^k): "
              + ", ".join(f"{s} {k:.2f}" for s, k in exponents.items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "rows": sorted(table["rows"].unique().tolist()), "columns": 30,
        "engines": sorted(table["engine"].unique().tolist()), "spark_master": "local[2]",
        "cpu_count": os.cpu_count(), "records": records,
        "growth_exponents": exponents}, indent=2) + "\n")


def main() -> None:
    from datacentric.synthetic import make_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engines", nargs="+", default=["pandas", "spark"])
    parser.add_argument("--scratch", type=Path, default=None,
                        help="keep the projects here and go on where a run stopped")
    parser.add_argument("--out", type=Path, default=Path("bench/results/spark_scale.json"))
    args = parser.parse_args()

    records = []
    if args.scratch is not None and args.out.exists():
        records = json.loads(args.out.read_text())["records"]
    done = {(r["rows"], r["engine"], r["stage"]) for r in records}
    with tempfile.TemporaryDirectory(prefix="spark_scale.") as temporary:
        scratch = args.scratch or Path(temporary)
        for rows in args.rows:
            source = scratch / str(rows) / "table.parquet"
            if not source.exists():
                source.parent.mkdir(parents=True, exist_ok=True)
                make_table(rows, random_state=0).to_parquet(source, index=False)
            for engine in args.engines:
                where = project(scratch / str(rows) / engine, source, engine)
                for stage, command in STAGES.items():
                    if (rows, engine, stage) in done:
                        continue
                    seconds, peak = timed_tree(["datacentric", *command], where)
                    records.append({"rows": rows, "engine": engine, "stage": stage,
                                    "seconds": seconds, "peak_mib": peak})
                    print(f"{rows:>11,} {engine:7} {stage:16} {seconds:8.1f} s "
                          f"{peak:8.0f} MiB", flush=True)
                    if args.scratch is not None:  # what a stopped run goes on from
                        report(records, args.out, show=False)
                if args.scratch is None:
                    shutil.rmtree(where)
    report(records, args.out)


if __name__ == "__main__":
    main()
