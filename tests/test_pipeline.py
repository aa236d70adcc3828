"""End to end: the real `dvc repro` in a temporary git repository on a small sample whose
fourth class has nine rows (seven for training), as users' rare classes do."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import pytest
from conftest import make_mixed_frame, prepared
from helpers import commit_all, look_at_report, make_project, run, set_params

from datacentric import seeds
from datacentric.stages import cell

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("project"))
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
    return project


def _restore_last_commit(project) -> None:
    """Back to the last commit's params, lock and outputs (from the DVC cache), rerunning
    nothing."""
    run(["git", "checkout", "--", "."], project)
    run(["dvc", "checkout", "-q"], project)


def _metrics(project) -> dict:
    return {p.name: json.loads(p.read_text()) for p in sorted((project / "metrics").glob("*.json"))}


def test_repro_writes_metrics_and_plots(project):
    metrics = _metrics(project)
    assert metrics["ingest.json"]["rows"] == 409
    train = pd.read_parquet(project / "data/validated/train.parquet")
    assert (train["label"] == "rare").sum() == 7
    assert 0.4 < metrics["evaluate.json"]["accuracy"] <= 1.0
    assert (project / "reports/train/plots/metrics/val_loss.tsv").exists()
    assert (project / "reports/evaluate/confusion.json").exists()
    shown = run(["dvc", "metrics", "show", "--json"], project).stdout
    assert "balanced_accuracy" in shown


def test_validation_metrics_and_data_docs(project):
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], project).stdout)
    validate = next(v for k, v in shown.items())["data"]["metrics/validate.json"]["data"]
    assert validate["train"]["failed_critical"] == 0 and validate["train"]["expectations"] > 20
    assert (project / "reports/data_docs/index.html").exists()
    assert "reports/data_docs" not in run(["git", "ls-files"], project).stdout


def test_audit_outputs(project):
    audit = json.loads((project / "metrics/audit.json").read_text())
    assert {"label_issues", "outlier", "near_duplicate", "disputed_label_share"} <= set(
        audit["train"])
    sheet = (project / "reports/review_sheet.csv").read_text().splitlines()
    assert sheet[0].startswith("row_id,split,issues,given_label,suggested_label")
    assert sheet[0].endswith(",decision")


def test_batch_check_passes_a_good_delivery_and_stops_a_bad_one(project):
    good = project / "delivery.csv"
    make_mixed_frame(50, random_state=5).to_csv(good, index=False)
    result = run(["datacentric", "validate", "--batch", str(good)], project)
    assert "delivery.csv: passed" in result.stdout
    bad = project / "broken.csv"
    make_mixed_frame(50).drop(columns=["age"]).to_csv(bad, index=False)
    result = run(["datacentric", "validate", "--batch", str(bad)], project, check=False)
    assert result.returncode == 1
    assert "expect_table_columns_to_match_set" in result.stderr.splitlines()[-1]
    one_class = project / "one_class.csv"
    make_mixed_frame(50, random_state=6).assign(target="low").to_csv(one_class, index=False)
    result = run(["datacentric", "validate", "--batch", str(one_class)], project)
    assert "one_class.csv: passed" in result.stdout  # a delivery may hold one class


def test_critical_failure_stops_repro_and_writes_no_validated_rows(project, tmp_path):
    copy = make_project(tmp_path)
    for name in ("data", "params.yaml", "gx"):
        run(["cp", "-r", str(project / name), str(copy)], tmp_path)
    broken = make_mixed_frame(400).drop(columns=["job"])
    broken.to_csv(copy / "data/raw/sample.csv", index=False)
    run(["rm", "-rf", "data/validated", "data/raw/sample.csv.dvc"], copy)
    commit_all(copy, "broken delivery")
    result = run(["dvc", "repro"], copy, check=False)
    assert result.returncode != 0
    assert "expect_table_columns_to_match_set" in result.stdout + result.stderr
    assert not (copy / "data/validated/train.parquet").exists()


def test_comparison_is_a_dvc_metric_with_a_verdict(project):
    comparison = json.loads((project / "results/comparison.json").read_text())
    for name in ("data_gain", "model_gain", "combined_gain", "interaction", "data_minus_model"):
        assert comparison[f"{name}_low"] <= comparison[name] <= comparison[f"{name}_high"]
    assert "data minus model" in comparison["verdict"]
    # one reference: the verdict's, the reference section's and the curve's n = 0 agree
    reference = comparison["reference"]
    assert reference["metrics"]["accuracy"] == pytest.approx(reference["score"])
    curve = pd.read_csv(project / "results/cleaning_curve.csv")
    assert curve.query("removed == 0")["mean"].tolist() == pytest.approx([reference["score"]] * 2)
    assert f"{reference['score'] * 100:.1f}%" in comparison["verdict"]
    selection = comparison["selection"]
    data_arms = {k: v for k, v in selection.items()
                 if k.endswith("__logreg") and not k.startswith("raw__")}
    assert data_arms[f"{comparison['best_data_arm']}__logreg"] == max(data_arms.values())
    shown = run(["dvc", "exp", "show", "--csv"], project).stdout
    assert "data_gain" in shown.splitlines()[0] and "model_gain" in shown.splitlines()[0]
    cells = sorted(p.relative_to(project / "results/cells").as_posix()
                   for p in (project / "results/cells").glob("*/seed_*"))
    assert len(cells) == 3 * 2 * 2 and "prune__tuned/seed_1" in cells
    assert len(curve) == 3 * 2


def test_report_opens_in_chromium_with_every_section(project, tmp_path):
    page = look_at_report(project / "reports/index.html", "report_sample.png", tmp_path)
    assert "accuracy" in page["verdict"]


def test_second_repro_does_nothing(project):
    output = run(["dvc", "repro"], project).stdout
    assert "Data and pipelines are up to date." in output
    assert "Running stage" not in output


def test_params_change_reruns_only_what_depends_on_it(project):
    set_params(project, {"train": {"model": "logreg"}})
    output = run(["dvc", "repro"], project).stdout
    assert "Running stage 'train'" in output and "Running stage 'evaluate'" in output
    # the feature encoding follows train.model; nothing upstream and no cell reruns
    assert "Running stage 'featurize'" in output
    assert "Running stage 'ingest'" not in output and "Running stage 'audit'" not in output
    assert "Running stage 'cell@" not in output
    _restore_last_commit(project)


def test_same_seed_gives_identical_metrics_and_verdict(project):
    before = _metrics(project), (project / "results/comparison.json").read_text()
    run(["dvc", "repro", "-f"], project)
    assert (_metrics(project), (project / "results/comparison.json").read_text()) == before


def test_seeds_in_worker_processes_write_what_the_pipeline_wrote(project, monkeypatch):
    """A cell's seeds sent to worker processes (as on tables where one seed outlasts a
    worker's start-up) give the files `dvc repro` wrote with every seed in one process."""
    cell_dir = project / "results" / "cells" / "prune__tuned"
    outputs = [f"seed_{seed}/{name}" for seed in (0, 1)
               for name in ("predictions.parquet", "selection.parquet", "metrics.json")]
    before = {path: (cell_dir / path).read_bytes() for path in outputs}
    pools = []

    class Recorded(seeds.Parallel):
        def __call__(self, iterable):
            pools.append(self.n_jobs)
            return super().__call__(iterable)

    monkeypatch.chdir(project)
    monkeypatch.setattr(seeds, "WORKER_START_SECONDS", 0.0)
    monkeypatch.setattr(seeds, "cpu_count", lambda: 2)
    monkeypatch.setattr(seeds, "Parallel", Recorded)
    cell.main("prune", "tuned", seeds=[0, 1, 2])  # seed 0 here, seeds 1 and 2 in two workers
    assert pools == [2]
    assert {path: (cell_dir / path).read_bytes() for path in outputs} == before
    shutil.rmtree(cell_dir / "seed_2")
    assert "up to date" in run(["dvc", "status"], project).stdout


def test_interrupted_training_recovers_with_the_same_metrics(project):
    # training long enough to be stopped part-way, by Ctrl-C and by SIGKILL
    set_params(project, {"train": {"torch": {"hidden_size": 512, "max_epochs": 100,
                                             "patience": 100}}})
    run(["dvc", "repro", "evaluate"], project)
    before = _metrics(project)
    for signal_number in (signal.SIGINT, signal.SIGKILL):
        process = subprocess.Popen(["dvc", "repro", "-f", "train"], cwd=project, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        for line in process.stdout:
            if line.startswith("epoch 3/"):  # inside the epochs, well before the last
                break
        os.killpg(process.pid, signal_number)
        process.wait(timeout=60)
        assert process.returncode != 0, signal_number
        run(["dvc", "repro", "evaluate"], project)
        assert _metrics(project) == before, signal_number
        assert not list((project / "models").glob(".classifier.*")), signal_number
    _restore_last_commit(project)


# two experiments, one of each model family, so that `-j 2` runs them at the same time (each
# reruns featurize, train and evaluate)
QUEUED = {"q-hgb": {"train.model": "hgb"}, "q-resnet": {"train.model": "resnet"}}


def _set_flags(settings: dict) -> list[str]:
    return [flag for key, value in settings.items() for flag in ("-S", f"{key}={value}")]


def _experiment_metrics(project) -> dict[str, dict]:
    """Each experiment of :data:`QUEUED` that `dvc exp show` lists: its metrics, by file."""
    shown = json.loads(run(["dvc", "exp", "show", "--json"], project).stdout)
    return {rev["name"]: {path: found.get("data") for path, found in
                          rev["data"]["metrics"].items()}
            for commit in shown for experiment in commit.get("experiments") or []
            for rev in experiment["revs"] if rev.get("name") in QUEUED}


def test_queued_experiments_run_at_the_same_time_match_one_by_one(project):
    commit_all(project, "before the queue")
    for name, settings in QUEUED.items():
        run(["dvc", "exp", "run", "--queue", "-n", name, *_set_flags(settings), "evaluate"],
            project)
    # the workers outlive this command: with captured output they would hold its pipes open
    # (and run() would wait for them) whenever a worker is slow to notice the queue is empty
    subprocess.run(["dvc", "queue", "start", "-j", "2"], cwd=project, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    while "Queued" in (status := run(["dvc", "queue", "status"], project).stdout) or \
            "Running" in status:
        assert time.monotonic() < deadline, status
        time.sleep(3)
    subprocess.run(["dvc", "queue", "stop"], cwd=project, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120, check=False)
    assert status.count("Success") == len(QUEUED), status
    queued = _experiment_metrics(project)
    run(["dvc", "exp", "remove", "--all-commits"], project)
    for name, settings in QUEUED.items():
        run(["dvc", "exp", "run", "-n", name, *_set_flags(settings), "evaluate"], project)
    one_by_one = _experiment_metrics(project)
    assert set(queued) == set(QUEUED) and queued == one_by_one
    assert len({json.dumps(m, sort_keys=True) for m in queued.values()}) == len(QUEUED)
    _restore_last_commit(project)


def test_diff_reports_exactly_the_planted_rows(project):
    commit_all(project, "v1")
    raw = pd.read_csv(project / "data/raw/sample.csv")
    ids = prepared(raw)[0]["row_id"]
    extra = make_mixed_frame(30, random_state=99).head(3)
    changed = raw.drop(index=[10, 11]).copy()
    changed.loc[[20, 21], "target"] = changed.loc[[20, 21], "target"].map(
        {"low": "high", "mid": "low", "high": "mid"})
    changed = pd.concat([changed, extra], ignore_index=True)
    changed.to_csv(project / "data/raw/sample.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/sample.csv"], project)
    run(["dvc", "repro", "ingest"], project)
    commit_all(project, "v2")
    result = run(["datacentric", "diff", "HEAD~1", "HEAD"], project)
    table = pd.read_csv(io.StringIO(result.stdout))
    new_ids = set(prepared(changed)[0]["row_id"]) - set(ids)
    assert set(table.loc[table["change"] == "removed", "row_id"]) == set(ids[[10, 11]])
    assert set(table.loc[table["change"] == "relabelled", "row_id"]) == set(ids[[20, 21]])
    assert set(table.loc[table["change"] == "added", "row_id"]) == new_ids
    assert set(table["change"]) == {"added", "removed", "relabelled"}
    run(["git", "reset", "-q", "--hard", "HEAD~1"], project)
    run(["dvc", "checkout", "-q"], project)


def test_train_runs_data_parallel_when_launch_asks_for_two_processes(project):
    set_params(project, {"train": {"launch": {"processes_per_node": 2}}})
    result = run(["dvc", "repro", "train"], project)
    assert "torch.distributed.run --nproc-per-node=2 --nnodes=1 --standalone" in result.stderr
    assert (project / "models/classifier/model.safetensors").is_file()
    assert json.loads((project / "metrics/train.json").read_text())["model"] == "mlp"
    assert "Running stage 'featurize'" not in result.stdout
    _restore_last_commit(project)
