"""End to end: the real `dvc repro` in a temporary git repository, on the sample project of
tests/conftest.py (a fourth class of nine rows, seven for training, as users' rare classes
have)."""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
import pytest
from conftest import make_mixed_frame, prepared
from helpers import (
    commit_all,
    look_at_report,
    make_project,
    metrics_of,
    restore_last_commit,
    run,
    set_params,
)

from datacentric import seeds
from datacentric.stages import cell

pytestmark = pytest.mark.slow


def test_repro_writes_metrics_and_plots(sample_project):
    metrics = metrics_of(sample_project)
    assert metrics["ingest.json"]["rows"] == 409
    train = pd.read_parquet(sample_project / "data/validated/train.parquet")
    assert (train["label"] == "rare").sum() == 7
    assert 0.4 < metrics["evaluate.json"]["accuracy"] <= 1.0
    assert (sample_project / "reports/train/plots/metrics/val_loss.tsv").exists()
    assert (sample_project / "reports/evaluate/confusion.json").exists()
    shown = run(["dvc", "metrics", "show", "--json"], sample_project).stdout
    assert "balanced_accuracy" in shown


def test_validation_metrics_and_data_docs(sample_project):
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], sample_project).stdout)
    validate = next(v for k, v in shown.items())["data"]["metrics/validate.json"]["data"]
    assert validate["train"]["failed_critical"] == 0 and validate["train"]["expectations"] > 20
    assert (sample_project / "reports/data_docs/index.html").exists()
    assert "reports/data_docs" not in run(["git", "ls-files"], sample_project).stdout


def test_audit_outputs(sample_project):
    audit = json.loads((sample_project / "metrics/audit.json").read_text())
    assert {"label_issues", "outlier", "near_duplicate", "disputed_label_share"} <= set(
        audit["train"])
    # the sample's columns predict its labels: the models hold evidence to dispute them with
    assert audit["train"]["label_evidence_p_value"] < audit["train"]["label_evidence_significance"]
    sheet = (sample_project / "reports/review_sheet.csv").read_text().splitlines()
    assert sheet[0].startswith("row_id,split,issues,given_label,suggested_label")
    assert sheet[0].endswith(",decision")


def test_batch_check_passes_a_good_delivery_and_stops_a_bad_one(sample_project):
    good = sample_project / "delivery.csv"
    make_mixed_frame(50, random_state=5).to_csv(good, index=False)
    result = run(["datacentric", "validate", "--batch", str(good)], sample_project)
    assert "delivery.csv: passed" in result.stdout
    bad = sample_project / "broken.csv"
    make_mixed_frame(50).drop(columns=["age"]).to_csv(bad, index=False)
    result = run(["datacentric", "validate", "--batch", str(bad)], sample_project, check=False)
    assert result.returncode == 1
    assert "expect_table_columns_to_match_set" in result.stderr.splitlines()[-1]
    one_class = sample_project / "one_class.csv"
    make_mixed_frame(50, random_state=6).assign(target="low").to_csv(one_class, index=False)
    result = run(["datacentric", "validate", "--batch", str(one_class)], sample_project)
    assert "one_class.csv: passed" in result.stdout  # a delivery may hold one class


def test_critical_failure_stops_repro_and_writes_no_validated_rows(sample_project, tmp_path):
    copy = make_project(tmp_path)
    for name in ("data", "params.yaml", "gx"):
        run(["cp", "-r", str(sample_project / name), str(copy)], tmp_path)
    broken = make_mixed_frame(400).drop(columns=["job"])
    broken.to_csv(copy / "data/raw/sample.csv", index=False)
    run(["rm", "-rf", "data/validated", "data/raw/sample.csv.dvc"], copy)
    commit_all(copy, "broken delivery")
    result = run(["dvc", "repro"], copy, check=False)
    assert result.returncode != 0
    assert "expect_table_columns_to_match_set" in result.stdout + result.stderr
    assert not (copy / "data/validated/train.parquet").exists()


def test_comparison_is_a_dvc_metric_with_a_verdict(sample_project):
    comparison = json.loads((sample_project / "results/comparison.json").read_text())
    for name in ("data_gain", "model_gain", "combined_gain", "interaction", "data_minus_model"):
        assert comparison[f"{name}_low"] <= comparison[name] <= comparison[f"{name}_high"]
    assert "data minus model" in comparison["verdict"]
    # one reference: the verdict's, the reference section's and the curve's n = 0 agree
    reference = comparison["reference"]
    assert reference["metrics"]["accuracy"] == pytest.approx(reference["score"])
    curve = pd.read_csv(sample_project / "results/cleaning_curve.csv")
    assert curve.query("removed == 0")["mean"].tolist() == pytest.approx([reference["score"]] * 2)
    assert f"{reference['score'] * 100:.1f}%" in comparison["verdict"]
    selection = comparison["selection"]
    data_arms = {k: v for k, v in selection.items()
                 if k.endswith("__logreg") and not k.startswith("raw__")}
    assert data_arms[f"{comparison['best_data_arm']}__logreg"] == max(data_arms.values())
    shown = run(["dvc", "exp", "show", "--csv"], sample_project).stdout
    assert "data_gain" in shown.splitlines()[0] and "model_gain" in shown.splitlines()[0]
    cells = sorted(p.relative_to(sample_project / "results/cells").as_posix()
                   for p in (sample_project / "results/cells").glob("*/seed_*"))
    assert len(cells) == 3 * 2 * 2 and "prune__tuned/seed_1" in cells
    assert len(curve) == 3 * 2


def test_report_opens_in_chromium_with_every_section(sample_project, tmp_path):
    page = look_at_report(sample_project / "reports/index.html", "report_sample.png", tmp_path)
    assert "accuracy" in page["verdict"]


def test_second_repro_does_nothing(sample_project):
    output = run(["dvc", "repro"], sample_project).stdout
    assert "Data and pipelines are up to date." in output
    assert "Running stage" not in output


def test_params_change_reruns_only_what_depends_on_it(sample_project):
    set_params(sample_project, {"train": {"model": "logreg"}})
    output = run(["dvc", "repro"], sample_project).stdout
    assert "Running stage 'train'" in output and "Running stage 'evaluate'" in output
    # the feature encoding follows train.model; nothing upstream and no cell reruns
    assert "Running stage 'featurize'" in output
    assert "Running stage 'ingest'" not in output and "Running stage 'audit'" not in output
    assert "Running stage 'cell@" not in output
    restore_last_commit(sample_project)


def test_same_seed_gives_identical_metrics_and_verdict(sample_project):
    """Every stage run again gives the same metrics, verdict and curve. The cells, and train
    with featurize and evaluate, are run again and compared in the tests of worker processes
    below, of interrupted training and of queued experiments (test_pipeline_training)."""
    def outputs() -> tuple:
        results = sample_project / "results"
        return (metrics_of(sample_project), (results / "comparison.json").read_text(),
                (results / "cleaning_curve.csv").read_text())

    before = outputs()
    run(["dvc", "repro", "-f", "-s", "ingest", "validate", "audit", "clean", "compare",
         "curve"], sample_project)
    assert outputs() == before


def test_seeds_in_worker_processes_write_what_the_pipeline_wrote(sample_project, monkeypatch):
    """A cell's seeds sent to worker processes (as on tables where one seed outlasts a
    worker's start-up) give the files `dvc repro` wrote with every seed in one process."""
    cell_dir = sample_project / "results" / "cells" / "prune__tuned"
    outputs = [f"seed_{seed}/{name}" for seed in (0, 1)
               for name in ("predictions.parquet", "selection.parquet", "metrics.json")]
    before = {path: (cell_dir / path).read_bytes() for path in outputs}
    pools = []

    class Recorded(seeds.Parallel):
        def __call__(self, iterable):
            pools.append(self.n_jobs)
            return super().__call__(iterable)

    monkeypatch.chdir(sample_project)
    monkeypatch.setattr(seeds, "WORKER_START_SECONDS", 0.0)
    monkeypatch.setattr(seeds, "cpu_count", lambda: 2)
    monkeypatch.setattr(seeds, "Parallel", Recorded)
    cell.main("prune", "tuned", seeds=[0, 1, 2])  # seed 0 here, seeds 1 and 2 in two workers
    assert pools == [2]
    assert {path: (cell_dir / path).read_bytes() for path in outputs} == before
    shutil.rmtree(cell_dir / "seed_2")
    assert "up to date" in run(["dvc", "status"], sample_project).stdout


def test_diff_reports_exactly_the_planted_rows(sample_project):
    commit_all(sample_project, "v1")
    raw = pd.read_csv(sample_project / "data/raw/sample.csv")
    ids = prepared(raw)[0]["row_id"]
    extra = make_mixed_frame(30, random_state=99).head(3)
    changed = raw.drop(index=[10, 11]).copy()
    changed.loc[[20, 21], "target"] = changed.loc[[20, 21], "target"].map(
        {"low": "high", "mid": "low", "high": "mid"})
    changed = pd.concat([changed, extra], ignore_index=True)
    changed.to_csv(sample_project / "data/raw/sample.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/sample.csv"], sample_project)
    run(["dvc", "repro", "ingest"], sample_project)
    commit_all(sample_project, "v2")
    result = run(["datacentric", "diff", "HEAD~1", "HEAD"], sample_project)
    table = pd.read_csv(io.StringIO(result.stdout))
    new_ids = set(prepared(changed)[0]["row_id"]) - set(ids)
    assert set(table.loc[table["change"] == "removed", "row_id"]) == set(ids[[10, 11]])
    assert set(table.loc[table["change"] == "relabelled", "row_id"]) == set(ids[[20, 21]])
    assert set(table.loc[table["change"] == "added", "row_id"]) == new_ids
    assert set(table["change"]) == {"added", "removed", "relabelled"}
    run(["git", "reset", "-q", "--hard", "HEAD~1"], sample_project)
    run(["dvc", "checkout", "-q"], sample_project)
