"""A battery of bad inputs across the stages, each run through the real command line.

Every case states its expected outcome: either exit 1 with one sentence naming the file,
column or key, and not a single byte of any output changed (nothing half-written, no stray
temporary files); or documented handling, which the case checks.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import make_mixed_frame
from helpers import ROOT, run, set_params

SOURCE = "data/in.csv"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A working folder after ingest, suite init, validate, audit, featurize and train."""
    where = tmp_path_factory.mktemp("base")
    (where / "params.yaml").write_text((ROOT / "params.yaml").read_text())
    shutil.copytree(ROOT / "gx", where / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    (where / "data").mkdir()
    make_mixed_frame(150).to_csv(where / SOURCE, index=False)
    set_params(where, {"data": {"source": SOURCE, "target": "target"},
                       "validate": {"suite": "battery", "max_quarantine_fraction": 0.5},
                       "audit": {"models": ["logreg", "hgb"], "passes": 1},
                       "train": {"model": "logreg"}})
    for command in (["ingest"], ["suite", "draft"], ["validate"], ["audit"], ["featurize"],
                    ["train"]):
        run(["datacentric", *command], where)
    shutil.copy(ROOT / ".gitignore", where / ".gitignore")
    for command in (["init", "-q"], ["config", "user.email", "t@example.com"],
                    ["config", "user.name", "t"]):
        run(["git", *command], where)
    return where


def _frame(workdir: Path) -> pd.DataFrame:
    return pd.read_csv(workdir / SOURCE)


def _write_source(workdir: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(workdir / SOURCE, index=False)


def _edit_parquet(path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    edit(pd.read_parquet(path)).to_parquet(path, index=False)


def _params(workdir: Path, section: str, key: str, value: object) -> None:
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params[section][key] = value
    (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def _ingest(workdir: Path) -> None:
    run(["datacentric", "ingest"], workdir)


# --- how each bad input is planted --------------------------------------------------------

def missing_target(w):
    _write_source(w, _frame(w).drop(columns="target"))


def single_class(w):
    _write_source(w, _frame(w).assign(target="low"))


def nan_labels(w):
    frame = _frame(w)
    frame.loc[[4, 40], "target"] = np.nan
    _write_source(w, frame)


def class_rarer_than_folds(w):
    def rare(train):
        train.loc[train.index[:3], "label"] = "rare"
        return train
    _edit_parquet(w / "data/validated/train.parquet", rare)


def all_nan_column(w):
    _write_source(w, _frame(w).assign(income=np.nan))
    _ingest(w)


def constant_column(w):
    _write_source(w, _frame(w).assign(job="a"))
    _ingest(w)
    run(["datacentric", "validate"], w)


def class_of_one_row(w):
    frame = _frame(w)
    frame.loc[0, "target"] = "rare"
    _write_source(w, frame)


def class_of_two_rows(w):
    frame = _frame(w)
    frame.loc[:1, "target"] = "rare"
    _write_source(w, frame)


def keyed_table_with_a_repeated_key(w):
    frame = _frame(w).assign(**{"customer id": [f"C{i:04d}" for i in range(150)]})
    frame.loc[7, "customer id"] = frame.loc[6, "customer id"]
    _write_source(w, frame)
    _params(w, "data", "columns", {"id": "customer id"})
    _ingest(w)
    run(["datacentric", "suite", "init", "--force"], w)


def semicolons_and_thousands_separators(w):
    frame = _frame(w)
    frame["income"] = [f"{v * 1000:,.0f}" if v == v else "" for v in frame["income"]]
    frame.to_csv(w / SOURCE, sep=";", index=False)


def forced_wrong_delimiter(w):
    _frame(w).to_csv(w / SOURCE, sep=";", index=False)
    _params(w, "data", "csv", {"delimiter": ","})


def windows_1252_file(w):
    frame = _frame(w).replace({"city": {"north": "nörth"}})
    (w / SOURCE).write_bytes(frame.to_csv(index=False).encode("cp1252"))


def unknown_column_in_roles(w):
    _params(w, "data", "columns", {"categorical": ["nope"]})


def stage_before_its_input(w):
    shutil.rmtree(w / "data/validated")


def suite_of_another_table(w):
    make_mixed_frame(150).rename(columns=str.upper).rename(columns={"TARGET": "target"}).to_csv(
        w / "data/other.csv", index=False)
    _params(w, "data", "source", "data/other.csv")
    _ingest(w)


def mixed_types(w):
    frame = _frame(w).astype({"income": object})
    frame.loc[7, "income"] = "n/a (see notes)"
    _write_source(w, frame)
    _ingest(w)


def duplicated_columns(w):
    text = (w / SOURCE).read_text().splitlines()
    text[0] = text[0].replace("age", "income")
    (w / SOURCE).write_text("\n".join(text) + "\n")


def empty_file(w):
    (w / SOURCE).write_bytes(b"")


def header_only(w):
    _write_source(w, _frame(w).head(0))


def zero_byte_parquet(w):
    (w / "data/in.parquet").write_bytes(b"")
    _params(w, "data", "source", "data/in.parquet")


def unseen_category_at_test(w):
    _edit_parquet(w / "data/prepared/test.parquet",
                  lambda test: test.assign(city=["atlantis"] + list(test["city"][1:])))


def infinite_values(w):
    frame = _frame(w)
    frame.loc[[3, 9], "income"] = np.inf
    _write_source(w, frame)
    _ingest(w)


def infinite_values_past_the_suite(w):
    _edit_parquet(w / "data/validated/train.parquet",
                  lambda train: train.assign(age=[np.inf] + list(train["age"][1:])))


def leaking_column(noise: float, names: tuple[str, ...] = ("grade",)
                   ) -> Callable[[Path], None]:
    """Columns (``names``) that each fix the label, then ``noise`` of the training labels
    flipped."""
    def plant(w: Path) -> None:
        rng = np.random.default_rng(0)

        def add_grades(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.assign(**{n: f"{n} " + frame["label"].astype(str) for n in names})

        def add_grade(frame: pd.DataFrame) -> pd.DataFrame:
            frame = add_grades(frame)
            flip = rng.random(len(frame)) < noise
            others = {c: sorted(set(frame["label"]) - {c}) for c in frame["label"].unique()}
            frame.loc[flip, "label"] = [rng.choice(others[c]) for c in frame.loc[flip, "label"]]
            return frame

        _edit_parquet(w / "data/validated/train.parquet", add_grade)
        _edit_parquet(w / "data/validated/test.parquet", add_grades)
        roles = json.loads((w / "data/prepared/columns.json").read_text())
        roles["columns"].update({n: {"role": "categorical"} for n in names})
        (w / "data/prepared/columns.json").write_text(json.dumps(roles))
    return plant


def label_set_changed(w):
    _edit_parquet(w / "data/prepared/test.parquet",
                  lambda test: test.assign(label=["unheard_of"] + list(test["label"][1:])))


def misspelled_params_key(w):
    _params(w, "train", "modle", "mlp")


def negative_seed_count(w):
    _params(w, "compare", "seeds", -3)


def negative_seed(w):
    _params(w, "base", "seed", -1)


def path_outside_project(w):
    _params(w, "data", "source", "../elsewhere.csv")


def missing_source(w):
    _params(w, "data", "source", "data/nowhere.csv")


def corrupted_model(w):
    model = next((w / "models/classifier").glob("model.*"))
    model.write_bytes(b"PK\x03\x04 this is not a model")


class _WritesMarker:
    """Pickles as a call to ``open(marker, "w")``: loading it would create the marker."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def pickled_model_file(w):
    import pickle

    payload = pickle.dumps({"state_dict": _WritesMarker(w / "code_ran")})
    (w / "models/classifier/model.pt").write_bytes(payload)


def corrupted_featurizer(w):
    (w / "models/featurizer.skops").write_bytes(b"\x00" * 64)


def scoring_file_missing_a_column(w):
    _frame(w).drop(columns=["city"]).to_csv(w / "new.csv", index=False)


def scoring_file_with_text_in_a_numeric_column(w):
    frame = _frame(w).astype({"age": object})
    frame.loc[130, "age"] = "forty"
    frame.to_csv(w / "new.csv", index=False)


def delivery_repeating_rows(w):
    frame = _frame(w)
    pd.concat([frame, frame.head(3)]).to_csv(w / "new.csv", index=False)


def review_sheet_with_formulas(w):
    sheet = pd.read_csv(w / "reports/review_sheet.csv", dtype=str)
    sheet["decision"] = "keep"
    sheet.loc[0, "decision"] = '=HYPERLINK("http://evil.example","relabel:high")'
    sheet.to_csv(w / "sheet.csv", index=False)


def review_sheet_unknown_row(w):
    sheet = pd.read_csv(w / "reports/review_sheet.csv", dtype=str)
    sheet["decision"] = "drop"
    sheet.loc[0, "row_id"] = "0123456789abcdef"
    sheet.to_csv(w / "sheet.csv", index=False)


# --- expected outcomes --------------------------------------------------------------------

@dataclass(frozen=True)
class Refused:
    plant: Callable[[Path], None]
    command: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Handled:
    plant: Callable[[Path], None]
    command: tuple[str, ...]
    check: Callable[[Path], None]


def _quarantined_for(reason: str, n_rows: int) -> Callable[[Path], None]:
    def check(w: Path) -> None:
        quarantine = pd.read_parquet(w / "data/validated/quarantine.parquet")
        hits = quarantine[quarantine["reasons"].str.contains(reason, regex=False)]
        assert len(hits) == n_rows, quarantine
        validated = pd.concat([pd.read_parquet(w / f"data/validated/{s}.parquet")
                               for s in ("train", "test")])
        assert not validated["row_id"].isin(hits["row_id"]).any()
    return check


def _constant_column_is_no_feature(w: Path) -> None:
    features = pd.read_parquet(w / "data/features/train.parquet")
    assert np.isfinite(features.drop(columns=["row_id", "label"]).to_numpy()).all()
    assert not [c for c in features if "job" in c]
    roles = json.loads((w / "data/prepared/columns.json").read_text())
    assert roles["columns"]["job"]["role"] == "constant"


def _audited_rare(w: Path) -> None:
    issues = pd.read_parquet(w / "data/audit/label_issues.parquet")
    rare = issues[issues["given_label"] == "rare"]
    assert len(rare) == 3 and rare["label_score"].between(0, 1).all()


def _set_aside(w: Path) -> None:
    unlabelled = pd.read_parquet(w / "data/prepared/unlabelled.parquet")
    assert len(unlabelled) == 2 and unlabelled["label"].isna().all()
    ingest = json.loads((w / "metrics/ingest.json").read_text())
    assert ingest["unlabelled_rows"] == 2 and ingest["rows"] == 148


def _read_as_numbers(w: Path) -> None:
    train = pd.read_parquet(w / "data/prepared/train.parquet")
    assert train["income"].dtype == "float64" and train["income"].max() > 1000
    roles = json.loads((w / "data/prepared/columns.json").read_text())["columns"]
    assert roles["income"] == {"role": "numeric", "decimal": ".", "thousands": ","}


def _kept_for_training(w: Path) -> None:
    """Both rows of the two-row class are training rows, and ingest.json names the class."""
    train = pd.read_parquet(w / "data/prepared/train.parquet")
    test = pd.read_parquet(w / "data/prepared/test.parquet")
    assert (train["label"] == "rare").sum() == 2 and "rare" not in set(test["label"])
    assert json.loads((w / "metrics/ingest.json").read_text())["untested_classes"] == ["rare"]


def _decoded(w: Path) -> None:
    train = pd.read_parquet(w / "data/prepared/train.parquet")
    assert "nörth" in set(train["city"])


CASES = {
    "missing target": Refused(missing_target, ("ingest",), "target column 'target' not found"),
    "single-class target": Refused(single_class, ("ingest",), "has a single class ('low')"),
    "rows without a label": Handled(nan_labels, ("ingest",), _set_aside),
    "class rarer than the folds": Handled(class_rarer_than_folds, ("audit",), _audited_rare),
    "class below data.min_class_rows": Refused(
        class_of_one_row, ("ingest",),
        "class 'rare' has 1 training row, fewer than data.min_class_rows=2"),
    "class of data.min_class_rows rows": Handled(class_of_two_rows, ("ingest",),
                                                  _kept_for_training),
    "repeated key": Refused(keyed_table_with_a_repeated_key, ("validate",),
                            "on column 'customer id' (2 unexpected; repeated values 'C0006')"),
    "semicolons and thousands separators": Handled(
        semicolons_and_thousands_separators, ("ingest",), _read_as_numbers),
    "forced wrong delimiter": Refused(forced_wrong_delimiter, ("ingest",),
                                      "the header looks separated by ';'"),
    "Windows-1252 file": Handled(windows_1252_file, ("ingest",), _decoded),
    "unknown column in data.columns": Refused(
        unknown_column_in_roles, ("ingest",),
        "params key 'data.columns.categorical': column 'nope' is not a feature column"),
    "stage run before its input exists": Refused(
        stage_before_its_input, ("audit",),
        "data/validated/train.parquet: not found; the `validate` stage writes it"),
    "suite drafted for another table": Refused(
        suite_of_another_table, ("suite", "draft"),
        "gx/expectations/battery.json: drafted for data/in.csv (target 'target'), not for "
        "data/other.csv"),
    "all-NaN column": Refused(all_nan_column, ("validate",),
                              "expect_column_values_to_not_be_null on column 'income'"),
    "constant column": Handled(constant_column, ("featurize",), _constant_column_is_no_feature),
    "mixed types in one column": Refused(
        mixed_types, ("validate",), "expect_column_values_to_be_in_type_list on column 'income'"),
    "duplicated column names": Refused(duplicated_columns, ("ingest",),
                                       "data/in.csv: duplicated column names ['income']"),
    "empty file": Refused(empty_file, ("ingest",), "data/in.csv: file is empty"),
    "header only": Refused(header_only, ("ingest",), "data/in.csv: has a header but no data"),
    "0-byte Parquet": Refused(zero_byte_parquet, ("ingest",), "data/in.parquet: file is empty"),
    "unseen category at test time": Handled(
        unseen_category_at_test, ("validate",),
        _quarantined_for("expect_column_values_to_be_in_set(city)", 1)),
    "infinite values": Handled(
        infinite_values, ("validate",),
        _quarantined_for("expect_column_values_to_be_between(income)", 2)),
    "infinite values without a range expectation": Refused(
        infinite_values_past_the_suite, ("featurize",),
        "training rows: column 'age' has 1 infinite values"),
    "a column that gives the label away, 0% label noise": Refused(
        leaking_column(0.0), ("audit",),
        "; drop it (data.columns.drop: [grade]) or, if it is legitimately that predictive, "
        "list it in audit.acknowledged_leaks."),
    "a column that gives the label away, 10% label noise": Refused(
        leaking_column(0.1), ("audit",),
        "; drop it (data.columns.drop: [grade]) or, if it is legitimately that predictive, "
        "list it in audit.acknowledged_leaks."),
    "a column that gives the label away, 20% label noise": Refused(
        leaking_column(0.2), ("audit",),
        "; drop it (data.columns.drop: [grade]) or, if it is legitimately that predictive, "
        "list it in audit.acknowledged_leaks."),
    "two columns that give the label away": Refused(
        leaking_column(0.0, ("grade", "mark")), ("audit",),
        "; drop them (data.columns.drop: [grade, mark]) or, if they are legitimately that "
        "predictive, list them in audit.acknowledged_leaks."),
    "label set changed between train and test": Handled(
        label_set_changed, ("validate",),
        _quarantined_for("expect_column_values_to_be_in_set(label)", 1)),
    "misspelled params key": Refused(misspelled_params_key, ("train",),
                                     "unknown key 'train.modle'"),
    "negative seed count": Refused(negative_seed_count, ("ingest",), "key 'compare.seeds'"),
    "negative seed": Refused(negative_seed, ("ingest",), "key 'base.seed'"),
    "path outside the project": Refused(path_outside_project, ("ingest",),
                                        "params key 'data.source'"),
    "missing source file": Refused(missing_source, ("ingest",),
                                   "data/nowhere.csv: file not found"),
    "corrupted model file": Refused(corrupted_model, ("evaluate",), "models/classifier/model."),
    "pickled model file": Refused(pickled_model_file, ("evaluate",),
                                  "models/classifier/model.pt: not a model format"),
    "corrupted featurizer file": Refused(corrupted_featurizer, ("predict", SOURCE),
                                         "models/featurizer.skops: not a valid skops file"),
    "scoring file missing a column": Refused(
        scoring_file_missing_a_column, ("predict", "new.csv"),
        "new.csv (rows 1-150): column 'city' is missing"),
    "text in a numeric column at scoring": Refused(
        scoring_file_with_text_in_a_numeric_column, ("predict", "new.csv", "--chunk-rows", "50"),
        "new.csv (rows 101-150): column 'age' is numeric at training but holds 'forty'"),
    "delivery repeating rows across chunks": Refused(
        delivery_repeating_rows, ("validate", "--batch", "new.csv", "--chunk-rows", "60"),
        "new: 3 rows repeat rows of an earlier chunk"),
    "review sheet with formulas": Refused(review_sheet_with_formulas,
                                          ("review", "merge", "sheet.csv"),
                                          "line 2: decision '=HYPERLINK("),
    "review sheet naming an unknown row": Refused(
        review_sheet_unknown_row, ("review", "merge", "sheet.csv"), "0123456789abcdef"),
}


FAILED_DOCS = "reports/failed_data_docs"
DIAGNOSIS = (FAILED_DOCS, "reports/batch_data_docs")


def _fingerprint(workdir: Path) -> dict[str, str]:
    """Hash of every file, except the Data Docs that validate writes on purpose to show what
    failed."""
    return {str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(workdir.rglob("*"))
            if p.is_file() and not p.relative_to(workdir).as_posix().startswith(
                (*DIAGNOSIS, ".git/"))}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input(case, base, tmp_path):
    workdir = shutil.copytree(base, tmp_path / "work")
    case.plant(workdir)
    run(["git", "add", "-A"], workdir)
    run(["git", "commit", "-qm", "planted"], workdir)
    before = _fingerprint(workdir)
    result = run(["datacentric", *case.command], workdir, check=False)
    if isinstance(case, Handled):
        assert result.returncode == 0, result.stderr
        case.check(workdir)
        return
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert case.message in lines[0], lines[0]
    assert _fingerprint(workdir) == before, "a refused run changed or left files"
    assert run(["git", "status", "--porcelain"], workdir).stdout == ""
    if case.command == ("validate",):
        assert FAILED_DOCS in lines[0] and (workdir / FAILED_DOCS / "index.html").is_file()


def test_the_battery_covers_twenty_bad_inputs():
    assert len(CASES) >= 20


def test_scoring_in_chunks_matches_evaluate(base, tmp_path):
    workdir = shutil.copytree(base, tmp_path / "work")
    run(["datacentric", "evaluate"], workdir)
    for chunk_rows in (7, 1000):
        run(["datacentric", "predict", SOURCE, "--out", f"scored_{chunk_rows}.parquet",
             "--chunk-rows", str(chunk_rows)], workdir)
    small, whole = (pd.read_parquet(workdir / f"scored_{n}.parquet") for n in (7, 1000))
    pd.testing.assert_frame_equal(small, whole)
    assert len(whole) == 150
    evaluated = pd.read_parquet(workdir / "data/predictions/test.parquet")
    both = evaluated.merge(whole, on="row_id", suffixes=("", "_scored"))
    assert len(both) == len(evaluated)
    assert (both["predicted"] == both["predicted_scored"]).all()
    probabilities = [c for c in evaluated if c.startswith("proba_")]
    np.testing.assert_allclose(both[probabilities].to_numpy(),
                               both[[f"{c}_scored" for c in probabilities]].to_numpy(), rtol=1e-5)


def test_chunked_batch_validation_quarantines_the_same_rows(base, tmp_path):
    workdir = shutil.copytree(base, tmp_path / "work")
    frame = _frame(workdir)
    frame.loc[[5, 70, 140], "income"] = 1e9
    frame.to_csv(workdir / "new.csv", index=False)
    verdicts = [run(["datacentric", "validate", "--batch", "new.csv", *chunking],
                    workdir).stdout.strip().splitlines()[-1]
                for chunking in ([], ["--chunk-rows", "40"])]
    assert verdicts[0] == verdicts[1] == "new.csv: passed; 3 of 150 rows would be quarantined."
