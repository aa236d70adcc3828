"""One computation per seed, several seeds at once on the CPU cores.

On small tables a single fit is too short to keep every core busy (HistGradientBoosting's
parallel regions are tiny, a small torch batch is one core's work), so seeds in parallel
processes, each on its share of the cores, finish sooner than seeds one after another on all
of them. Starting a process costs seconds (it imports pandas, scikit-learn and torch again),
so this process starts on the seeds itself and calls in worker processes only once the seeds
still waiting, at the pace seen so far, would repay that start-up. Every seed runs on the same
number of threads wherever it runs, so what it computes does not depend on that choice.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from joblib import cpu_count
from joblib.externals.loky import get_reusable_executor
from threadpoolctl import threadpool_limits

T = TypeVar("T")

# about what a new worker process takes to start and import the stage's libraries on two
# cores; seeds that would be done sooner than this run sooner here than anywhere else
WORKER_START_SECONDS = 4.0


def seed_workers(requested: int | None, n_seeds: int) -> int:
    """Processes to run ``n_seeds`` seeds in: ``requested``, or one per usable CPU core when it
    is None; never more than there are seeds."""
    wanted = cpu_count() if requested is None else requested
    return max(1, min(wanted, n_seeds))


def map_seeds(run: Callable[[int], T], seeds: Sequence[int], *, workers: int) -> list[T]:
    """``[run(seed) for seed in seeds]``, in seed order, each seed on ``cpu_count() //
    workers`` threads (OpenMP, BLAS and torch), in at most ``workers`` processes at once.

    This process takes the seeds one after another. Once the seeds not yet started would take
    it longer than a worker's start-up (:data:`WORKER_START_SECONDS`) plus one seed, judged
    by the seconds per seed so far, ``workers - 1`` worker processes (joblib's loky) start
    and take seeds from the same queue, so ``run`` and what it returns must pickle.

    A worker's error is raised here once this process's seed is done, and no further seed
    starts; an error here (Ctrl-C included) ends the workers at once.
    """
    threads = max(1, cpu_count() // workers)
    queue = _SeedQueue(len(seeds))
    results: dict[int, T] = {}
    helpers = _Helpers(run, seeds, queue, results, count=min(workers, len(seeds)) - 1,
                       threads=threads)
    try:
        with _threads(threads):
            for position in iter(queue.take, None):
                results[position] = run(seeds[position])
    except BaseException:
        helpers.stop()
        raise
    helpers.join()
    return [results[position] for position in range(len(seeds))]


class _SeedQueue:
    """The positions of the seeds not yet started, handed out once each, in order."""

    def __init__(self, n_seeds: int) -> None:
        self.n_seeds = n_seeds
        self.started = 0
        self.since = time.perf_counter()
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self.started >= self.n_seeds:
                return None
            self.started += 1
            return self.started - 1

    def close(self) -> None:
        with self._lock:
            self.started = self.n_seeds

    def worth_helpers(self) -> bool:
        """Whether a worker started now would still find a seed waiting when it is ready:
        the seeds not yet started, at the pace so far (a lower bound while the first seed
        runs), outlast a worker's start-up by one seed (which this process takes meanwhile)."""
        with self._lock:
            waiting = self.n_seeds - self.started
            pace = (time.perf_counter() - self.since) / max(self.started, 1)
        return (waiting - 1) * pace >= WORKER_START_SECONDS


class _Helpers:
    """``count`` worker processes that, once the queue says they pay off, take seeds from it
    alongside this process; each is fed by a thread here that waits for its result."""

    def __init__(self, run: Callable[[int], T], seeds: Sequence[int], queue: _SeedQueue,
                 results: dict[int, T], *, count: int, threads: int) -> None:
        self._run, self._seeds, self._queue, self._results = run, seeds, queue, results
        self._count, self._threads = count, threads
        self._executor = None
        self._errors: list[BaseException] = []
        self._feeders: list[threading.Thread] = []
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        if count > 0:
            self._watcher.start()

    def _watch(self) -> None:
        while self._queue.started < self._queue.n_seeds:
            if self._queue.worth_helpers():
                self._executor = get_reusable_executor(max_workers=self._count)
                self._feeders = [threading.Thread(target=self._feed, daemon=True)
                                 for _ in range(self._count)]
                for feeder in self._feeders:
                    feeder.start()
                return
            time.sleep(0.1)

    def _feed(self) -> None:
        try:
            # the run, and the modules it needs, arrive before the worker takes a seed, so
            # a seed this process could start sooner is not left waiting for the start-up
            self._executor.submit(_unpickled, self._run).result()
            for position in iter(self._queue.take, None):
                self._results[position] = self._executor.submit(
                    _run_on_threads, self._run, self._seeds[position], self._threads).result()
        except BaseException as error:  # noqa: BLE001  (raised in the caller's thread)
            self._queue.close()
            self._errors.append(error)

    def join(self) -> None:
        """Wait for the seeds the workers run; raise the first error one of them raised."""
        if self._count > 0:
            self._watcher.join()
        for feeder in self._feeders:
            feeder.join()
        if self._errors:
            raise self._errors[0]

    def stop(self) -> None:
        """Start no more seeds and end the workers without waiting for them."""
        self._queue.close()
        if self._count > 0:
            self._watcher.join()
        if self._executor is not None:
            self._executor.shutdown(wait=False, kill_workers=True)


def _unpickled(run: Callable) -> None:
    """Nothing: a worker that has run this holds ``run`` and has imported what it needs."""


def _run_on_threads(run: Callable[[int], T], seed: int, threads: int) -> T:
    with _threads(threads):
        return run(seed)


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
