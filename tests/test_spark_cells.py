"""The Spark engine against the pandas engine on the same validated table (tests/
spark_tables.py), on local Spark (a real JVM): the audit, the data arms, and the xgb and torch
cells."""

from __future__ import annotations

import json
import shutil
from contextlib import chdir

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import set_params
from spark_tables import SPARK, assert_same_values, read

from datacentric import paths
from datacentric.errors import DatacentricError
from datacentric.features import FeatureOptions
from datacentric.params import SparkParams
from datacentric.stages import audit, cell, clean

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def audited(spark_validated):
    for where in spark_validated.values():
        with chdir(where):
            audit.main()
    return spark_validated


AUDIT_OUTPUTS = [paths.LABEL_ISSUES, paths.PRED_PROBS]


@pytest.mark.parametrize("path", AUDIT_OUTPUTS)
def test_both_engines_audit_the_same_rows_alike(audited, path):
    pandas_out, spark_out = (read(audited[e], path) for e in ("pandas", "spark"))
    pd.testing.assert_series_equal(spark_out["row_id"], pandas_out["row_id"])
    flags = [c for c in pandas_out.columns if c.startswith("is_")]
    if flags:  # the issue calls for 95% agreement; the same fold models give every flag
        assert (spark_out[flags] == pandas_out[flags]).to_numpy().mean() >= 0.95
        assert pandas_out["is_label_issue"].any() and pandas_out["is_outlier_issue"].any()
    pd.testing.assert_frame_equal(spark_out, pandas_out, check_exact=False, rtol=1e-9)


def test_both_engines_write_the_same_review_sheet_and_audit_metrics(audited):
    for path in (paths.REVIEW_SHEET, paths.METRICS / "audit.json", paths.LEAKAGE):
        assert (audited["spark"] / path).read_text() == (audited["pandas"] / path).read_text()


def test_datalab_on_a_sample_flags_only_sampled_rows(audited, tmp_path):
    where = tmp_path / "sampled"
    shutil.copytree(audited["spark"], where)
    params = yaml.safe_load((where / "params.yaml").read_text())
    params["compute"]["spark"]["sample_rows"] = 2_000
    params["audit"].update(models=["logreg"], passes=1)  # the label audit is not under test
    (where / "params.yaml").write_text(yaml.safe_dump(params))
    with chdir(where):
        audit.main()
    found = json.loads((where / paths.METRICS / "audit.json").read_text())["train"]
    assert 1_990 <= found["data_check_rows"] <= 2_003  # stratified: one more row per class
    issues = read(where, paths.LABEL_ISSUES)
    train = issues[issues["split"] == "train"]
    assert train["outlier_score"].notna().sum() == found["data_check_rows"]
    assert train["is_outlier_issue"].sum() == found["outlier"]
    datalab = ["is_outlier_issue", "is_near_duplicate_issue", "is_class_imbalance_issue"]
    assert not train.loc[train["outlier_score"].isna(), datalab].any().any()
    assert train["label_score"].notna().all()  # label issues cover every row


ARMS = ["raw", "prune", "relabel", "reweight", "dedupe", "outliers", "reviewed+prune+reweight"]


@pytest.fixture(scope="module")
def cleaned(audited):
    """Every kind of data arm built by both engines, with the same review decisions (a drop
    and a relabel of flagged rows)."""
    issues = read(audited["pandas"], paths.LABEL_ISSUES)
    flagged = issues[(issues["split"] == "train") & issues["is_label_issue"]]
    other = {c: next(o for o in sorted(issues["given_label"].astype(str).unique()) if o != c)
             for c in issues["given_label"].astype(str).unique()}
    decisions = pd.DataFrame({
        "row_id": flagged["row_id"].iloc[:2],
        "decision": ["drop", f"relabel:{other[str(flagged['given_label'].iloc[1])]}"],
        "reviewer": "test", "decided_at": "2026-11-27T00:00:00"})
    for where in audited.values():
        (where / paths.DECISIONS).parent.mkdir(parents=True, exist_ok=True)
        decisions.to_csv(where / paths.DECISIONS, index=False)
        with chdir(where):
            for arm in ARMS:
                clean.main(arm)
    return audited


@pytest.mark.parametrize("arm", ARMS)
def test_both_engines_build_the_same_data_arms(cleaned, arm):
    pandas_rows, spark_rows = (read(cleaned[e], paths.CLEAN / f"{arm}.parquet")
                               for e in ("pandas", "spark"))
    assert (cleaned["spark"] / paths.CLEAN / f"{arm}.parquet").is_dir()  # written by Spark
    assert list(spark_rows.columns) == list(pandas_rows.columns)
    assert_same_values(spark_rows, pandas_rows)
    for path in (paths.CLEAN / f"{arm}_changes.parquet", paths.METRICS / "clean" / f"{arm}.json"):
        assert (cleaned["spark"] / path).read_bytes() == (cleaned["pandas"] / path).read_bytes()


def test_the_data_arms_change_what_they_say(cleaned):
    pandas_rows = read(cleaned["pandas"], paths.CLEAN / "reviewed+prune+reweight.parquet")
    train = read(cleaned["pandas"], paths.VALIDATED_TRAIN)
    changes = read(cleaned["pandas"], paths.CLEAN / "reviewed+prune+reweight_changes.parquet")
    assert set(changes["change"]) == {"removed", "relabelled", "reweighted"}
    removed = set(changes.loc[changes["change"] == "removed", "row_id"])
    assert len(pandas_rows) == len(train) - len(removed)
    assert pandas_rows["sample_weight"].lt(1).any()


@pytest.fixture(scope="module")
def xgb_cells(cleaned):
    for where in cleaned.values():
        with chdir(where):
            cell.main("reweight", "xgb", seeds=[0])
    return cleaned


def _cell_out(where, name: str) -> pd.DataFrame:
    return pd.read_parquet(where / paths.CELLS / "reweight__xgb" / "seed_0" / name)


def test_both_engines_train_the_xgb_arm_on_the_same_rows_alike(xgb_cells):
    found = {e: {n: _cell_out(w, f"{n}.parquet") for n in ("predictions", "selection")}
             for e, w in xgb_cells.items()}
    for name in ("predictions", "selection"):
        pandas_out, spark_out = found["pandas"][name], found["spark"][name]
        assert list(spark_out.columns) == list(pandas_out.columns)
        pd.testing.assert_series_equal(spark_out["row_id"], pandas_out["row_id"])
        assert (spark_out["label"] == pandas_out["label"]).all()
        # one XGBoost on the driver against two Spark workers, early stopping on other rows
        assert (spark_out["predicted"] == pandas_out["predicted"]).mean() > 0.9
        assert abs(spark_out["correct"].mean() - pandas_out["correct"].mean()) < 0.02
    metrics = {e: json.loads((w / paths.CELLS / "reweight__xgb" / "seed_0" / "metrics.json"
                              ).read_text()) for e, w in xgb_cells.items()}
    for key in ("train_rows", "selection_rows"):
        assert metrics["spark"][key] == metrics["pandas"][key]
    # the selection keys' file the executors read goes with the stage
    assert not [p for p in (xgb_cells["spark"] / paths.CELLS).iterdir() if p.name[0] == "."]


def test_the_xgb_cell_on_spark_repeats_itself(xgb_cells):
    first = _cell_out(xgb_cells["spark"], "predictions.parquet")
    with chdir(xgb_cells["spark"]):
        cell.main("reweight", "xgb", seeds=[0])
    pd.testing.assert_frame_equal(_cell_out(xgb_cells["spark"], "predictions.parquet"), first)


# a short schedule: the test compares engines, not networks
TORCH = {"max_epochs": 20, "patience": 4}


@pytest.fixture(scope="module")
def torch_cells(cleaned):
    """The mlp cell on the weighted arm: on pandas, one process per seed for three seeds; on
    Spark, seed 0 through TorchDistributor in two Gloo processes."""
    for engine, where in cleaned.items():
        set_params(where, {"train": {"torch": TORCH, "launch": {
            "processes_per_node": 2 if engine == "spark" else 1}}})
        with chdir(where):
            cell.main("reweight", "mlp", seeds=[0] if engine == "spark" else [0, 1, 2])
    return cleaned


def test_the_torch_cell_on_spark_trains_in_two_processes_as_well_as_one(torch_cells):
    cells = {e: w / paths.CELLS / "reweight__mlp" for e, w in torch_cells.items()}
    spark_out = pd.read_parquet(cells["spark"] / "seed_0" / "predictions.parquet")
    single = [pd.read_parquet(cells["pandas"] / f"seed_{s}" / "predictions.parquet")
              for s in range(3)]
    assert list(spark_out.columns) == list(single[0].columns)
    pd.testing.assert_series_equal(spark_out["row_id"], single[0]["row_id"])
    assert (spark_out["label"] == single[0]["label"]).all()
    accuracy = [frame["correct"].mean() for frame in single]
    # within the spread over seeds of one-process training (three standard deviations, at
    # least a point either side)
    margin = max(3 * np.std(accuracy), 0.01)
    assert abs(spark_out["correct"].mean() - np.mean(accuracy)) <= margin
    metrics = {e: json.loads((c / "seed_0" / "metrics.json").read_text())
               for e, c in cells.items()}
    for key in ("train_rows", "selection_rows"):
        assert metrics["spark"][key] == metrics["pandas"][key]


def test_the_torch_cell_on_spark_repeats_itself(torch_cells):
    found = torch_cells["spark"] / paths.CELLS / "reweight__mlp" / "seed_0" / "predictions.parquet"
    first = pd.read_parquet(found)
    with chdir(torch_cells["spark"]):
        cell.main("reweight", "mlp", seeds=[0])
    pd.testing.assert_frame_equal(pd.read_parquet(found), first)
    assert not list((torch_cells["spark"] / paths.CELLS).glob(".shards.*"))  # scratch removed


@pytest.mark.parametrize("case", ["processes", "validation"])
def test_torch_cells_that_cannot_train_on_spark_are_refused(case, cleaned, tmp_path):
    from datacentric.models.torch_classifier import TorchClassifier
    from datacentric.roles import TableRoles
    from datacentric.spark import tables
    from datacentric.spark.cell import run_torch_cell
    from datacentric.spark.session import spark_session

    rows = read(cleaned["spark"], paths.CLEAN / "raw.parquet").head(3)
    rows.to_parquet(tmp_path / "three.parquet", index=False)
    session = spark_session(SparkParams(**SPARK))
    train_rows = tables.read_parquet(session, tmp_path / "three.parquet")
    roles = TableRoles.from_dict(json.loads((cleaned["spark"] / paths.COLUMN_ROLES).read_text()))
    processes, fraction, expected = {
        "processes": (8, 0.15, r"^train.launch asks for 8 torch processes, but \d+ of them"),
        "validation": (1, 1e-9, r"^train.torch.validation_fraction \(1e-09\) leaves none of "
                                r"the 3 training rows")}[case]
    with pytest.raises(DatacentricError, match=expected):
        run_torch_cell(train_rows, [], roles, model=TorchClassifier(validation_fraction=fraction),
                       classes=np.unique(rows["label"]), options=FeatureOptions(),
                       sample_rows=100, processes=processes, scratch=tmp_path / "rows")




def test_early_stopping_rows_on_spark_hold_out_whole_subjects():
    """The xgb and torch cells on Spark stop on a hashed share of the rows; on a table with a
    group, the hash is of the subject, so a subject's rows are held out together (a row
    without one, by its own row_id)."""
    from datacentric.columns import ROW_ID
    from datacentric.spark.cell import held_out
    from datacentric.spark.session import spark_session

    subject = pd.Series([f"p{i // 10}" for i in range(4000)], dtype=object)
    subject[::7] = None
    rows = pd.DataFrame({ROW_ID: [f"r{i}" for i in range(4000)], "patient": subject})
    out = (spark_session(SparkParams(**SPARK)).createDataFrame(rows)
           .select("patient", held_out(0.2, 3, group="patient").alias("stop"),
                   held_out(0.2, 3).alias("by_row")).toPandas())
    assert (out.dropna().groupby("patient")["stop"].nunique() == 1).all()
    alone = out[out["patient"].isna()]
    assert alone["stop"].equals(alone["by_row"]) and alone["stop"].any()
    assert 0.1 < out["stop"].mean() < 0.3 and not out["stop"].equals(out["by_row"])
