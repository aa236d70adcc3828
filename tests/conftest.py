"""Small seeded frames with known structure, shared by the unit tests."""

from __future__ import annotations

import os

# Under pytest-xdist each worker takes one core: one OpenMP thread per worker (and in the
# pipelines it starts), or two workers on two cores would run four threads and oversubscribe.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import built_once, commit_all, make_project, run, set_params
from spark_tables import ENGINES, validate_on_each_engine

import datacentric  # noqa: F401, I001  (sets the OpenMP wait policy before sklearn loads)
from datacentric.columns import LABEL, ROW_ID
from datacentric.dataset import prepare_with_ids
from datacentric.roles import infer_roles


def pytest_xdist_auto_num_workers(config) -> int:
    """One worker more than cores for ``-n auto``: the end-to-end tests spend part of their
    time waiting on the processes they start (DVC stages, JVMs, DVC's queue), which a third
    worker fills on two cores (the suite: 1,021 s with two workers, 722 s with three)."""
    return (os.cpu_count() or 1) + 1


def make_mixed_frame(n_rows: int = 300, *, random_state: int = 0) -> pd.DataFrame:
    """A raw-looking table: numeric with skew and gaps, two categoricals, a 3-class target
    that depends on both kinds of column."""
    rng = np.random.default_rng(random_state)
    income = rng.lognormal(3, 0.5, n_rows)
    age = rng.integers(18, 80, n_rows).astype(float)
    city = rng.choice(["north", "south", "east", "west", "tiny"], n_rows,
                      p=[0.35, 0.3, 0.2, 0.13, 0.02])
    job = rng.choice(["a", "b"], n_rows)
    score = np.log(income) + (city == "north") * 1.5 - (age > 60) * 1.0 + rng.normal(0, .3, n_rows)
    target = np.select([score < 3.0, score < 3.8], ["low", "mid"], "high")
    frame = pd.DataFrame({"income": income, "age": age, "city": city, "job": job,
                          "target": target})
    frame.loc[rng.choice(n_rows, 15, replace=False), "income"] = np.nan
    frame.loc[rng.choice(n_rows, 5, replace=False), "city"] = None
    return frame


@pytest.fixture
def raw_frame() -> pd.DataFrame:
    return make_mixed_frame()


def prepared(raw: pd.DataFrame, target: str = "target", **overrides):
    """A raw table typed by its inferred roles (``overrides`` as ``data.columns``), with row
    ids, as ingest makes it; returns the frame and the roles."""
    return prepare_with_ids(raw, target=target, columns=overrides)


def roles_of(frame: pd.DataFrame):
    """The roles of an already typed frame with a ``label`` column (and maybe ``row_id``)."""
    return infer_roles(frame.drop(columns=[ROW_ID], errors="ignore"), target=LABEL)


def _build_sample_project(where: Path) -> None:
    """The project on a 409-row sample whose fourth class has nine rows (seven for training),
    as users' rare classes do, after its first `dvc repro` and a commit."""
    project = make_project(where)
    (project / "data" / "raw").mkdir(parents=True, exist_ok=True)
    rare = make_mixed_frame(random_state=1).head(9).assign(
        target="rare", income=np.random.default_rng(0).normal(900, 10, 9), city="east")
    pd.concat([make_mixed_frame(400), rare], ignore_index=True).to_csv(
        project / "data" / "raw" / "sample.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/sample.csv"], project)
    set_params(project, {"data": {"source": "data/raw/sample.csv", "target": "target"},
                         "validate": {"suite": "sample"},
                         "audit": {"models": ["hgb", "logreg"], "folds": 3},
                         "compare": {"data_arms": ["raw", "prune", "reviewed+prune"],
                                     "model_arms": ["logreg", "tuned"], "seeds": [0, 1],
                                     "curve_sizes": [0, 20, 40], "bootstrap": 200,
                                     "tune_trials": 3},
                         "train": {"model": "mlp", "torch": {"max_epochs": 5}}})
    commit_all(project, "sample project")
    run(["dvc", "repro"], project)  # drafts gx/expectations/sample.json on the way
    commit_all(project, "first run with its drafted suite")


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory, worker_id) -> Path:
    """This module's own copy of the sample project after its first `dvc repro` (built once
    per test run, however many modules and workers use it)."""
    return built_once(tmp_path_factory, worker_id, "sample_project", _build_sample_project)


@pytest.fixture(scope="module")
def spark_validated(tmp_path_factory, worker_id) -> dict[str, Path]:
    """This module's own copy of the messy table ingested and validated by each engine
    (tests/spark_tables.py), its folder by engine; built once per test run."""
    root = built_once(tmp_path_factory, worker_id, "spark_validated", validate_on_each_engine)
    return {engine: root / engine for engine in ENGINES}
