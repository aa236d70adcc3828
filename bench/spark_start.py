"""A Spark stage's session start with and without the driver JVM's class archive, in one run.

Each start is a fresh process, as a DVC stage is: it builds the session from
``compute.spark`` params (``local[2]``, the shipped defaults otherwise), runs one tiny job and
exits. ``class_archive: false`` is the baseline. With ``class_archive: true``, a first start
in a scratch cache folder has the archive written by the process it starts (timed until the
archive is in place, not counted among the starts); every timed start then reads it. The two
settings alternate, ``--repeats`` times each. Prints the median wall time and the median CPU
time the whole machine spent (the JVM's threads included) for each, and their ratios; writes
bench/results/spark_start.json.

    python bench/spark_start.py [--repeats 5] [--java-options=-XX:TieredStopAtLevel=1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START = """
import json, sys
from datacentric.params import SparkParams
from datacentric.spark.session import spark_session
spark = spark_session(SparkParams(**json.loads(sys.argv[1])))
assert spark.range(1000).selectExpr("sum(id)").first()[0] == 499500
"""


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent outside idle and I/O wait since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def timed_start(params: dict, cache: str) -> tuple[float, float, float, float]:
    """Wall and machine CPU seconds of one fresh process starting a session, and the
    clock and CPU counter it started at."""
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    cpu, wall = busy_cpu_seconds(), time.perf_counter()
    subprocess.run([sys.executable, "-c", START, json.dumps(params)], env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - wall, busy_cpu_seconds() - cpu, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--java-options", default="",
                        help="spark.driver.extraJavaOptions for every start")
    parser.add_argument("--out", default="bench/results/spark_start.json")
    args = parser.parse_args()
    conf = {"spark.driver.extraJavaOptions": args.java_options} if args.java_options else {}
    settings = {"without archive": {"master": "local[2]", "conf": conf, "class_archive": False},
                "with archive": {"master": "local[2]", "conf": conf, "class_archive": True}}
    with tempfile.TemporaryDirectory() as cache:
        written = timed_start(settings["with archive"], cache)
        folder = Path(cache, "datacentric")
        while {p.suffix for p in folder.iterdir()} != {".jsa"}:  # its writer still at work
            time.sleep(0.5)
        written = (time.perf_counter() - written[2], busy_cpu_seconds() - written[3])
        archive = next(folder.glob("*.jsa"))
        runs = {name: [] for name in settings}
        for _ in range(args.repeats):
            for name, params in settings.items():
                runs[name].append(timed_start(params, cache))
        size = archive.stat().st_size
    result = {name: {"wall_s": statistics.median(w for w, *_ in found),
                     "cpu_s": statistics.median(c for _, c, *_ in found),
                     "runs": [run[:2] for run in found]}
              for name, found in runs.items()}
    base, new = result["without archive"], result["with archive"]
    result |= {"wall_ratio": new["wall_s"] / base["wall_s"],
               "cpu_ratio": new["cpu_s"] / base["cpu_s"],
               "first_start_until_written": {"wall_s": written[0], "cpu_s": written[1]},
               "archive_bytes": size, "java_options": args.java_options,
               "repeats": args.repeats, "cores": os.cpu_count()}
    for name in settings:
        print(f"{name:16} wall {result[name]['wall_s']:5.2f} s   "
              f"CPU {result[name]['cpu_s']:5.2f} s  (median of {args.repeats})")
    print(f"with / without: wall {result['wall_ratio']:.2f}×, CPU {result['cpu_ratio']:.2f}×; "
          f"the first start until its archive was written: {written[0]:.1f} s; archive "
          f"{size / 1e6:.0f} MB")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
