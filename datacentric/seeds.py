"""One computation per seed, several seeds at once on the CPU cores.

On small tables a single fit is too short to keep every core busy (HistGradientBoosting's
parallel regions are tiny, a small torch batch is one core's work), so seeds in parallel
processes, each on its share of the cores, finish sooner than seeds one after another on all
of them. Starting a process costs seconds (it imports pandas, scikit-learn and torch again),
so the seeds go to other processes only when the first seed, run here, took longer than that.
Every seed runs on the same number of threads wherever it runs, so what it computes does not
depend on that choice.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from joblib import Parallel, cpu_count, delayed, parallel_config
from threadpoolctl import threadpool_limits

T = TypeVar("T")

# about what a new worker process takes to start and import the stage's libraries on two
# cores; a seed shorter than this runs sooner here than anywhere else
WORKER_START_SECONDS = 4.0


def seed_workers(requested: int | None, n_seeds: int) -> int:
    """Processes to run ``n_seeds`` seeds in: ``requested``, or one per usable CPU core when it
    is None; never more than there are seeds."""
    wanted = cpu_count() if requested is None else requested
    return max(1, min(wanted, n_seeds))


def map_seeds(run: Callable[[int], T], seeds: Sequence[int], *, workers: int) -> list[T]:
    """``[run(seed) for seed in seeds]``, in seed order, each seed on ``cpu_count() //
    workers`` threads (OpenMP, BLAS and torch).

    The first seed runs in this process; when it took at least :data:`WORKER_START_SECONDS`
    and ``workers > 1``, the others run ``workers`` at a time in separate processes (joblib's
    loky backend), so ``run`` and what it returns must pickle.
    """
    if not seeds:
        return []
    threads = max(1, cpu_count() // workers)
    started = time.perf_counter()
    with _threads(threads):
        first = run(seeds[0])
    rest = seeds[1:]
    if workers <= 1 or not rest or time.perf_counter() - started < WORKER_START_SECONDS:
        with _threads(threads):
            return [first, *(run(seed) for seed in rest)]
    with parallel_config(backend="loky", inner_max_num_threads=threads):
        return [first, *Parallel(n_jobs=min(workers, len(rest)))(
            delayed(run)(seed) for seed in rest)]


# read by OpenMP and BLAS runtimes (torch's included) that load while a seed runs
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _threads(n: int) -> Iterator[None]:
    """At most ``n`` threads in every OpenMP and BLAS pool, torch's included, whether loaded
    already or while inside."""
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(_THREAD_VARIABLES, str(n)))
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch else None
    try:
        with threadpool_limits(limits=n):
            if torch:
                torch.set_num_threads(n)
            yield
    finally:
        if torch:
            torch.set_num_threads(before)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
