"""`datacentric validate --batch` on a large delivery read whole against read in chunks
(`--chunk-rows`), in one run: time and peak memory of each command-line process.

The delivery is a synthetic 30-column table (default 1,000,000 rows) with 1% of rows out of
range, written to Parquet; the suite is drafted from a clean 20,000-row sample. Both runs
must quarantine the same number of rows. Writes bench/results/validate_chunks.json.

    python bench/validate_chunks.py [--rows 1000000] [--chunk-rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]


def timed(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and the last stdout line of one child process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{err.read()}")
        return seconds, usage.ru_maxrss / 1024, out.read().strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--out", default="bench/results/validate_chunks.json")
    args = parser.parse_args()
    from datacentric.dataset import prepare_with_ids
    from datacentric.synthetic import make_table

    with tempfile.TemporaryDirectory(prefix="validate_chunks.") as scratch:
        where = Path(scratch)
        shutil.copytree(ROOT / "gx", where / "gx", ignore=shutil.ignore_patterns("uncommitted"))
        (where / "data" / "prepared").mkdir(parents=True)
        params = yaml.safe_load((ROOT / "params.yaml").read_text())
        params["data"].update(source="data/batch.parquet", target="label")
        params["validate"].update(suite="bench", max_quarantine_fraction=0.05)
        (where / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        sample, roles = prepare_with_ids(make_table(20_000, random_state=1), target="label")
        sample.to_parquet(where / "data/prepared/train.parquet", index=False)
        (where / "data/prepared/columns.json").write_text(json.dumps(roles.to_dict()))
        subprocess.run(["datacentric", "suite", "init"], cwd=where, check=True,
                       capture_output=True)
        batch = make_table(args.rows, random_state=0)
        bad = np.random.default_rng(0).choice(args.rows, args.rows // 100, replace=False)
        batch.loc[bad, "num_0"] = 1e9
        batch.to_parquet(where / "data/batch.parquet", index=False)
        del batch
        runs = {}
        for name, extra in (("whole", []), ("chunked", ["--chunk-rows", str(args.chunk_rows)])):
            seconds, peak_mib, verdict = timed(
                ["datacentric", "validate", "--batch", "data/batch.parquet", *extra], where)
            quarantined = int(re.search(r"passed; (\d+) of", verdict).group(1))
            runs[name] = {"seconds": seconds, "peak_mib": peak_mib, "quarantined": quarantined}
            print(f"{name:8} {seconds:7.1f} s  peak {peak_mib:7.0f} MiB  {verdict}", flush=True)
    assert runs["whole"]["quarantined"] == runs["chunked"]["quarantined"], runs
    ratio = runs["chunked"]["peak_mib"] / runs["whole"]["peak_mib"]
    print(f"chunked / whole: peak {ratio:.2f}×, time "
          f"{runs['chunked']['seconds'] / runs['whole']['seconds']:.2f}×")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": args.rows, "chunk_rows": args.chunk_rows,
                                          "runs": runs, "peak_ratio": ratio}, indent=2) + "\n")


if __name__ == "__main__":
    main()
