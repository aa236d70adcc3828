"""The real command line on bad input: exit 1, one sentence naming the problem, no outputs."""

from __future__ import annotations

import pytest
import yaml
from conftest import make_mixed_frame
from helpers import ROOT, run, set_params


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text())
    (tmp_path / "data").mkdir()
    make_mixed_frame(120).to_csv(tmp_path / "data" / "in.csv", index=False)
    set_params(tmp_path, {"data": {"source": "data/in.csv", "target": "target"}})
    return tmp_path


def _fails_cleanly(workdir, command: list[str], message: str) -> None:
    result = run(["datacentric", *command], workdir, check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]
    assert not (workdir / "data" / "prepared").exists()
    assert not (workdir / "metrics").exists()


def test_ingest_succeeds_on_good_input(workdir):
    run(["datacentric", "ingest"], workdir)
    assert (workdir / "data" / "prepared" / "train.parquet").exists()


def test_missing_target_column(workdir):
    set_params(workdir, {"data": {"target": "outcome"}})
    _fails_cleanly(workdir, ["ingest"], "target column 'outcome' not found")


def test_single_class_target(workdir):
    make_mixed_frame(50).assign(target="same").to_csv(workdir / "data/in.csv", index=False)
    _fails_cleanly(workdir, ["ingest"], "single class")


def test_undecodable_file(workdir):
    (workdir / "data" / "in.csv").write_bytes("x,target\n\xe9t\xe9,1\n".encode("latin-1"))
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["data"]["csv"] = {"encoding": "utf-8"}
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    _fails_cleanly(workdir, ["ingest"],
                   "data/in.csv: cannot be decoded as utf-8 text; set data.csv.encoding")


def test_unknown_params_key(workdir):
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["train"]["modle"] = "mlp"
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    _fails_cleanly(workdir, ["ingest"], "unknown key 'train.modle'")


def test_source_outside_the_project(workdir):
    set_params(workdir, {"data": {"source": "../elsewhere.csv"}})
    _fails_cleanly(workdir, ["ingest"], "params key 'data.source'")


def test_help_says_what_each_stage_reads_and_writes():
    result = run(["datacentric", "--help"], ROOT)
    for stage in ("ingest", "featurize", "train", "evaluate"):
        assert stage in result.stdout
