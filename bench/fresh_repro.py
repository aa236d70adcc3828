"""The README's first `dvc repro` from nothing, at two commits of this repository, in one run.

Clones the repository twice into a scratch folder, checks out ``--baseline`` in one and
``--candidate`` in the other, and times `dvc repro` in each (the installed environment, with
each clone's own package first on PYTHONPATH), baseline first. Prints both times, their ratio,
the slowest stages of each (from the time each "Running stage" line appeared), and whether
every file under results/ and metrics/ came out the same; writes
bench/results/fresh_repro.json.

    python bench/fresh_repro.py --baseline 1c17cfb --candidate HEAD [--scratch /tmp/fresh]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fresh_clone(rev: str, where: Path) -> str:
    shutil.rmtree(where, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where)], check=True)
    subprocess.run(["git", "checkout", "-q", rev], cwd=where, check=True)
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, check=True,
                          capture_output=True, text=True).stdout.strip()


def timed_repro(where: Path) -> tuple[float, dict[str, float]]:
    """Seconds for `dvc repro`, and per stage the seconds until the next stage started."""
    env = {**os.environ, "PYTHONPATH": str(where)}
    started = time.perf_counter()
    process = subprocess.Popen(["dvc", "repro"], cwd=where, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    marks = []
    for line in process.stdout:
        if found := re.search(r"Running stage '(.+)':", line):
            marks.append((found.group(1), time.perf_counter()))
    if process.wait() != 0:
        raise SystemExit(f"dvc repro failed in {where}")
    total = time.perf_counter() - started
    ends = [t for _, t in marks[1:]] + [started + total]
    return total, {name: end - begin for (name, begin), end in zip(marks, ends, strict=True)}


def digests(where: Path) -> dict[str, str]:
    return {str(p.relative_to(where)): hashlib.md5(p.read_bytes()).hexdigest()
            for folder in ("results", "metrics") for p in sorted((where / folder).rglob("*"))
            if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--candidate", default="HEAD")
    parser.add_argument("--scratch", default="/tmp/fresh_repro")
    parser.add_argument("--out", default="bench/results/fresh_repro.json")
    args = parser.parse_args()
    runs = {}
    for role in ("baseline", "candidate"):
        where = Path(args.scratch) / role
        commit = fresh_clone(getattr(args, role), where)
        total, stages = timed_repro(where)
        runs[role] = {"commit": commit, "seconds": total, "stages": stages}
        slowest = sorted(stages.items(), key=lambda item: -item[1])[:5]
        print(f"{role:9} {commit}: dvc repro {total:6.1f} s; slowest: "
              + ", ".join(f"{name} {s:.1f}" for name, s in slowest))
    same = digests(Path(args.scratch) / "baseline") == digests(Path(args.scratch) / "candidate")
    ratio = runs["candidate"]["seconds"] / runs["baseline"]["seconds"]
    print(f"candidate / baseline: {ratio:.2f}×; results and metrics identical: {same}")
    Path(args.out).write_text(json.dumps({**runs, "ratio": ratio, "identical_outputs": same},
                                         indent=2) + "\n")


if __name__ == "__main__":
    main()
