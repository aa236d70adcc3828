"""End to end: the real `dvc repro` in a temporary git repository on a small sample."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time

import dvc.api
import pandas as pd
import pytest
from conftest import make_mixed_frame, prepared
from helpers import commit_all, look_at_report, make_project, run, set_params

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("project"))
    (project / "data" / "raw").mkdir(parents=True, exist_ok=True)
    make_mixed_frame(400).to_csv(project / "data" / "raw" / "sample.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/sample.csv"], project)
    set_params(project, {"data": {"source": "data/raw/sample.csv", "target": "target"},
                         "validate": {"suite": "sample"},
                         "audit": {"models": ["hgb", "logreg"], "folds": 3},
                         "compare": {"data_arms": ["raw", "prune", "reviewed+prune"],
                                     "model_arms": ["logreg", "hgb"], "seeds": [0, 1],
                                     "curve_sizes": [0, 20, 40], "bootstrap": 200},
                         "train": {"model": "mlp", "torch": {"max_epochs": 5}}})
    commit_all(project, "sample project")
    run(["dvc", "repro"], project)  # drafts gx/expectations/sample.json on the way
    commit_all(project, "first run with its drafted suite")
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
    assert len(cells) == 3 * 2 * 2 and "prune__hgb/seed_1" in cells


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
    set_params(project, {"train": {"model": "mlp"}})
    run(["dvc", "repro"], project)


def test_same_seed_gives_identical_metrics(project):
    before = _metrics(project)
    run(["dvc", "repro", "-f"], project)
    assert _metrics(project) == before


@pytest.fixture
def slow_training(project):
    """Training of 300 epochs, long enough to be killed part-way; restored afterwards."""
    set_params(project, {"train": {"torch": {"hidden_size": 512, "max_epochs": 300,
                                             "patience": 300}}})
    run(["dvc", "repro", "evaluate"], project)
    yield
    set_params(project, {"train": {"torch": {"hidden_size": 128, "max_epochs": 5,
                                             "patience": 10}}})
    run(["dvc", "repro", "evaluate"], project)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_training_recovers_with_the_same_metrics(project, slow_training,
                                                             signal_number):
    before = _metrics(project)
    process = subprocess.Popen(["dvc", "repro", "-f", "train"], cwd=project, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    for line in process.stdout:
        if line.startswith("epoch 3/"):  # inside the epochs, well before the last
            break
    os.killpg(process.pid, signal_number)
    process.wait(timeout=60)
    assert process.returncode != 0
    run(["dvc", "repro", "evaluate"], project)
    assert _metrics(project) == before
    assert not list((project / "models").glob(".classifier.*"))


# two experiments, one of each model family, so that `-j 2` runs them at the same time
QUEUED = {"q-hgb": {"train.model": "hgb", "train.logreg.C": 1.0},
          "q-resnet": {"train.model": "resnet", "train.logreg.C": 0.2}}


def _set_flags(settings: dict) -> list[str]:
    return [flag for key, value in settings.items() for flag in ("-S", f"{key}={value}")]


def _experiment_metrics(project) -> dict[str, dict]:
    rows = dvc.api.exp_show(repo=str(project))
    return {row["Experiment"]: {k: v for k, v in row.items() if k.startswith("metrics/")}
            for row in rows if row.get("Experiment") in QUEUED}


def test_queued_experiments_run_at_the_same_time_match_one_by_one(project):
    commit_all(project, "before the queue")
    for name, settings in QUEUED.items():
        run(["dvc", "exp", "run", "--queue", "-n", name, *_set_flags(settings)], project)
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
        run(["dvc", "exp", "run", "-n", name, *_set_flags(settings)], project)
    one_by_one = _experiment_metrics(project)
    assert set(queued) == set(QUEUED) and queued == one_by_one
    assert len({json.dumps(m, sort_keys=True) for m in queued.values()}) == len(QUEUED)
    run(["git", "checkout", "--", "params.yaml", "dvc.lock"], project)
    run(["dvc", "checkout", "-q"], project)


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


def test_train_runs_data_parallel_when_launch_asks_for_two_processes(project):
    set_params(project, {"train": {"launch": {"processes_per_node": 2}}})
    result = run(["dvc", "repro", "train"], project)
    assert "torch.distributed.run --nproc-per-node=2 --nnodes=1 --standalone" in result.stderr
    assert (project / "models/classifier/model.safetensors").is_file()
    assert json.loads((project / "metrics/train.json").read_text())["model"] == "mlp"
    set_params(project, {"train": {"launch": {"processes_per_node": 1}}})
    run(["dvc", "repro", "train"], project)
