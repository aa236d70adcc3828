"""The whole pipeline, `dvc repro` with a head-to-head matrix, on a large synthetic table: its
time, each stage's time and peak memory, in one run.

A scratch git + DVC project gets this repository's pipeline, a synthetic 30-column table of
``--rows`` rows (`dvc add`-ed) and a drafted suite; then one `dvc repro` runs everything. The
matrix is ``--data-arms`` × ``--model-arms`` × ``--seeds`` cells; ``--target compare`` runs
only the matrix and the stages it depends on (not train, evaluate, the cleaning curve or the
report). A stage's time is the time from its "Running stage" line to the next one (so it
includes DVC hashing its outputs); its peak memory is the largest summed RSS of the process
tree sampled every 0.5 s while it ran. The baseline, measured in the same run, is a pandas
read+write of the prepared training rows. With `bench/results/stage_scale.json` present, each
stage that it also measured gets a growth exponent fitted over all sizes (``--refit`` refits
them from the saved JSON after stage_scale.py has run again). Writes
bench/results/matrix_scale.json.

    python bench/matrix_scale.py [--rows 1000000] [--data-arms raw prune]
                                 [--model-arms hgb logreg] [--seeds 0 1 2 3 4]
                                 [--target compare] [--refit]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGE_SCALE = Path("bench/results/stage_scale.json")
RUNNING = re.compile(r"Running stage '([^']+)'")
# stage_scale.py names → the stage of this run that does the same work
SAME_AS_STAGE_SCALE = {"ingest": "ingest", "validate": "validate", "audit": "audit",
                       "clean": "clean@prune", "featurize": "featurize", "train": "train",
                       "evaluate": "evaluate", "cell": "cell@prune-hgb-0"}


def run(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def scaffold(where: Path, rows: int, arms: dict) -> None:
    """A git + DVC project with the pipeline, the synthetic table and the matrix params."""
    from datacentric.synthetic import make_table

    for name in ["dvc.yaml", "datacentric", "gx", "data/review"]:
        source, target = ROOT / name, where / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__",
                                                                          "uncommitted"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    (where / "data" / "raw").mkdir(parents=True)
    make_table(rows, random_state=0).to_csv(where / "data/raw/table.csv", index=False)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"].update(source="data/raw/table.csv", target="label")
    params["validate"]["suite"] = "bench"
    params["compare"].update(arms)
    (where / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for args in (["git", "init", "-q"], ["git", "config", "user.email", "bench@example.com"],
                 ["git", "config", "user.name", "bench"], ["dvc", "init", "-q"],
                 ["dvc", "config", "core.autostage", "true"],
                 ["dvc", "add", "-q", "data/raw/table.csv"]):
        run(args, where)


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def timed_repro(where: Path, targets: list[str]) -> tuple[list[dict], float, float]:
    """Per-stage seconds and peak MiB of one `dvc repro` of ``targets`` (all stages when
    empty), its wall seconds, and the peak RSS (MiB) of its largest single process."""
    started = time.perf_counter()
    process = subprocess.Popen(["dvc", "repro", *targets], cwd=where, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    watched = psutil.Process(process.pid)
    stages: list[dict] = []
    lock = threading.Lock()

    def sample() -> None:
        while process.poll() is None:
            rss = tree_rss(watched) / 2**20
            with lock:
                if stages:
                    stages[-1]["peak_mib"] = max(stages[-1]["peak_mib"], rss)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log = []
    for line in process.stdout:
        log.append(line)
        match = RUNNING.search(line)
        if match:
            now = time.perf_counter() - started
            with lock:
                if stages:
                    stages[-1]["seconds"] = now - stages[-1]["start"]
                stages.append({"stage": match.group(1), "start": now, "peak_mib": 0.0})
            print(f"{now:8.0f} s  {match.group(1)}", flush=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("dvc repro failed:\n" + "".join(log[-40:]))
    if stages:
        stages[-1]["seconds"] = wall - stages[-1]["start"]
    return stages, wall, usage.ru_maxrss / 1024


def growth_exponents(rows: int, stages: pd.DataFrame, smaller: Path) -> dict[str, float]:
    """k of time ∝ rows^k over stage_scale.py's sizes and this run's, per shared stage."""
    if not smaller.exists():
        return {}
    earlier = pd.DataFrame(json.loads(smaller.read_text())["records"])
    seconds = stages.set_index("stage")["seconds"]
    exponents = {}
    for name, here in SAME_AS_STAGE_SCALE.items():
        points = earlier[earlier["stage"] == name][["rows", "seconds"]]
        if here not in seconds or points.empty:
            continue
        points = pd.concat([points, pd.DataFrame({"rows": [rows], "seconds": [seconds[here]]})])
        exponents[name] = float(np.polyfit(np.log(points["rows"]), np.log(points["seconds"]),
                                           1)[0])
    return exponents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data-arms", nargs="+", default=["raw", "prune"])
    parser.add_argument("--model-arms", nargs="+", default=["hgb", "logreg"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--target", nargs="*", default=[],
                        help="stages to reproduce with what they depend on (default: all)")
    parser.add_argument("--out", default="bench/results/matrix_scale.json")
    parser.add_argument("--refit", action="store_true",
                        help="only refit the growth exponents of the saved run")
    args = parser.parse_args()
    if args.refit:
        saved = json.loads(Path(args.out).read_text())
        saved["growth_exponents"] = growth_exponents(
            saved["rows"], pd.DataFrame(saved["stages"]), STAGE_SCALE)
        Path(args.out).write_text(json.dumps(saved, indent=2) + "\n")
        print(saved["growth_exponents"])
        return
    arms = {"data_arms": args.data_arms, "model_arms": args.model_arms, "seeds": args.seeds}

    with tempfile.TemporaryDirectory(prefix="matrix_scale.") as scratch:
        where = Path(scratch)
        scaffold(where, args.rows, arms)
        setup = {"dvc repro ingest": run(["dvc", "repro", "-q", "ingest"], where),
                 "datacentric suite init": run(["datacentric", "suite", "init"], where)}
        run(["git", "add", "-A"], where)
        run(["git", "commit", "-qm", "table, params and suite"], where)
        stages, wall, largest = timed_repro(where, args.target)
        baseline = run([sys.executable, "-c",
                        "import pandas as pd; f = pd.read_parquet('data/prepared/train.parquet');"
                        " f.to_parquet('data/prepared/.baseline.parquet', index=False)"], where)
        comparison = json.loads((where / "results/comparison.json").read_text())

    # ingest ran before the suite was drafted; its peak was not sampled
    ingest = {"stage": "ingest", "seconds": setup["dvc repro ingest"], "peak_mib": np.nan}
    table = pd.DataFrame([ingest, *stages]).drop(columns="start")
    table["x_baseline"] = table["seconds"] / baseline
    exponents = growth_exponents(args.rows, table, STAGE_SCALE)
    cells = table[table["stage"].str.startswith("cell@")]
    print(f"\n{args.rows:,} rows, {len(cells)} cells: dvc repro {wall / 60:.1f} min, largest "
          f"process {largest:,.0f} MiB, baseline pandas read+write {baseline:.1f} s")
    print(table.round(1).to_string(index=False))
    print("growth exponents: " + ", ".join(f"{k} {v:.2f}" for k, v in exponents.items()))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({
        "rows": args.rows, "columns": 30, "matrix": arms, "targets": args.target or "all",
        "cpu_count": os.cpu_count(),
        "memory_gib": psutil.virtual_memory().total / 2**30, "setup_seconds": setup,
        "repro_seconds": wall, "largest_process_mib": largest,
        "peak_tree_mib": float(table["peak_mib"].max()), "baseline_seconds": baseline,
        "stages": table.to_dict("records"), "growth_exponents": exponents,
        "comparison": comparison}, indent=2) + "\n")


if __name__ == "__main__":
    main()
