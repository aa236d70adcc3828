"""Training runs through DVC on the sample project (tests/conftest.py): stopped part-way,
queued two at a time, and data-parallel under torchrun."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from helpers import commit_all, metrics_of, restore_last_commit, run, set_params

pytestmark = pytest.mark.slow


def test_interrupted_training_recovers_with_the_same_metrics(sample_project):
    # training long enough to be stopped part-way, by Ctrl-C and by SIGKILL
    set_params(sample_project, {"train": {"torch": {"hidden_size": 512, "max_epochs": 100,
                                                    "patience": 100}}})
    run(["dvc", "repro", "evaluate"], sample_project)
    before = metrics_of(sample_project)
    for signal_number in (signal.SIGINT, signal.SIGKILL):
        # -s: train alone, not also everything upstream of it
        process = subprocess.Popen(["dvc", "repro", "-f", "-s", "train"], cwd=sample_project,
                                   text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        for line in process.stdout:
            if line.startswith("epoch 3/"):  # inside the epochs, well before the last
                break
        os.killpg(process.pid, signal_number)
        process.wait(timeout=60)
        assert process.returncode != 0, signal_number
        run(["dvc", "repro", "evaluate"], sample_project)
        assert metrics_of(sample_project) == before, signal_number
        assert not list((sample_project / "models").glob(".classifier.*")), signal_number
    restore_last_commit(sample_project)


# two experiments, one of each model family, so that `-j 2` runs them at the same time (each
# reruns featurize, train and evaluate)
QUEUED = {"q-hgb": {"train.model": "hgb"}, "q-resnet": {"train.model": "resnet"}}


def _set_flags(settings: dict) -> list[str]:
    return [flag for key, value in settings.items() for flag in ("-S", f"{key}={value}")]


def _experiment_metrics(sample_project) -> dict[str, dict]:
    """Each experiment of :data:`QUEUED` that `dvc exp show` lists: its metrics, by file."""
    shown = json.loads(run(["dvc", "exp", "show", "--json"], sample_project).stdout)
    return {rev["name"]: {path: found.get("data") for path, found in
                          rev["data"]["metrics"].items()}
            for commit in shown for experiment in commit.get("experiments") or []
            for rev in experiment["revs"] if rev.get("name") in QUEUED}


def test_queued_experiments_run_at_the_same_time_match_one_by_one(sample_project):
    commit_all(sample_project, "before the queue")
    for name, settings in QUEUED.items():
        run(["dvc", "exp", "run", "--queue", "-n", name, *_set_flags(settings), "evaluate"],
            sample_project)
    # the workers outlive this command: with captured output they would hold its pipes open
    # (and run() would wait for them) whenever a worker is slow to notice the queue is empty
    subprocess.run(["dvc", "queue", "start", "-j", "2"], cwd=sample_project, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    while "Queued" in (status := run(["dvc", "queue", "status"], sample_project).stdout) or \
            "Running" in status:
        assert time.monotonic() < deadline, status
        time.sleep(3)
    subprocess.run(["dvc", "queue", "stop"], cwd=sample_project, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120, check=False)
    assert status.count("Success") == len(QUEUED), status
    queued = _experiment_metrics(sample_project)
    run(["dvc", "exp", "remove", "--all-commits"], sample_project)
    for name, settings in QUEUED.items():
        run(["dvc", "exp", "run", "-n", name, *_set_flags(settings), "evaluate"], sample_project)
    one_by_one = _experiment_metrics(sample_project)
    assert set(queued) == set(QUEUED) and queued == one_by_one
    assert len({json.dumps(m, sort_keys=True) for m in queued.values()}) == len(QUEUED)
    restore_last_commit(sample_project)


def test_train_runs_data_parallel_when_launch_asks_for_two_processes(sample_project):
    set_params(sample_project, {"train": {"launch": {"processes_per_node": 2}}})
    result = run(["dvc", "repro", "train"], sample_project)
    assert "torch.distributed.run --nproc-per-node=2 --nnodes=1 --standalone" in result.stderr
    assert (sample_project / "models/classifier/model.safetensors").is_file()
    assert json.loads((sample_project / "metrics/train.json").read_text())["model"] == "mlp"
    assert "Running stage 'featurize'" not in result.stdout
    restore_last_commit(sample_project)
