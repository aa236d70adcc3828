import pytest
import yaml
from helpers import ROOT, run

from datacentric.errors import DatacentricError
from datacentric.params import Params, load_params, parse_params


def test_defaults_are_valid():
    assert parse_params({}) == Params()


def test_repository_params_file_parses():
    assert load_params("params.yaml").data.target == "Status"


def test_the_lock_file_holds_only_the_pipeline_s_stages():
    """DVC keeps the entry of a stage that left the pipeline (an arm dropped from the matrix,
    a stage renamed), and every `dvc repro` reads it again: the committed lock holds none."""
    stages = run(["dvc", "stage", "list", "--name-only"], ROOT).stdout.split()
    locked = yaml.safe_load((ROOT / "dvc.lock").read_text())["stages"]
    assert set(locked) <= set(stages), sorted(set(locked) - set(stages))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"train": {"modle": "mlp"}}, "unknown key 'train.modle'"),
        ({"trian": {}}, "unknown key 'trian'"),
        ({"train": {"model": "xgboost"}}, "key 'train.model'"),
        ({"data": {"test_size": 1.5}}, "key 'data.test_size'"),
        ({"base": {"seed": -1}}, "key 'base.seed'"),
        ({"data": {"label_noise": {"rate": "lots"}}}, "key 'data.label_noise.rate'"),
    ],
)
def test_bad_params_name_the_key(raw, expected):
    with pytest.raises(DatacentricError, match=expected.replace(".", r"\.")):
        parse_params(raw)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(DatacentricError, match="params file not found"):
        load_params(tmp_path / "nope.yaml")
    bad = tmp_path / "params.yaml"
    bad.write_text("- a list\n- not sections\n")
    with pytest.raises(DatacentricError, match="mapping"):
        load_params(bad)
