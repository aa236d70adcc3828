"""End to end: the real `dvc repro` in a temporary git repository on a small sample."""

from __future__ import annotations

import json

import pytest
from conftest import make_mixed_frame
from helpers import commit_all, make_project, run, set_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("project"))
    (project / "data" / "raw").mkdir(parents=True)
    make_mixed_frame(400).to_csv(project / "data" / "raw" / "sample.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/sample.csv"], project)
    set_params(project, {"data": {"source": "data/raw/sample.csv", "target": "target"},
                         "train": {"model": "mlp", "torch": {"max_epochs": 5}}})
    commit_all(project, "sample project")
    run(["dvc", "repro"], project)
    return project


def _metrics(project) -> dict:
    return {p.name: json.loads(p.read_text()) for p in sorted((project / "metrics").glob("*.json"))}


def test_repro_writes_metrics_and_plots(project):
    metrics = _metrics(project)
    assert metrics["ingest.json"]["rows"] == 400
    assert 0.4 < metrics["evaluate.json"]["accuracy"] <= 1.0
    assert (project / "reports/train/plots/metrics/val_loss.tsv").exists()
    assert (project / "reports/evaluate/confusion.json").exists()
    shown = run(["dvc", "metrics", "show", "--json"], project).stdout
    assert "balanced_accuracy" in shown


def test_second_repro_does_nothing(project):
    output = run(["dvc", "repro"], project).stdout
    assert "Data and pipelines are up to date." in output
    assert "Running stage" not in output


def test_params_change_reruns_only_what_depends_on_it(project):
    set_params(project, {"train": {"model": "logreg"}})
    output = run(["dvc", "repro"], project).stdout
    assert "Running stage 'train'" in output and "Running stage 'evaluate'" in output
    assert "Running stage 'ingest'" not in output and "Running stage 'featurize'" not in output
    set_params(project, {"train": {"model": "mlp"}})
    run(["dvc", "repro"], project)


def test_same_seed_gives_identical_metrics(project):
    before = _metrics(project)
    run(["dvc", "repro", "-f"], project)
    assert _metrics(project) == before
