"""The Spark engine against the pandas engine on the same table, on local Spark (a real JVM):
ingest, validate, featurize and predict (tests/test_spark_cells.py: the audit, the data arms
and the cells)."""

from __future__ import annotations

import json
import shutil
from contextlib import chdir
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import set_params
from spark_tables import (
    ENGINES,
    SPARK,
    TIGHTER,
    assert_same_values,
    expectation,
    messy_table,
    read,
    suite_file,
)

from datacentric import chunks, paths, values
from datacentric.errors import DatacentricError
from datacentric.params import SparkParams
from datacentric.stages import featurize, ingest, predict, suite, train, validate
from datacentric.validation import ExpectationOutcome, ValidationOutcome, for_spark

pyspark = pytest.importorskip("pyspark")


@pytest.mark.parametrize("path", [paths.PREPARED_TRAIN, paths.PREPARED_TEST, paths.UNLABELLED,
                                  paths.LABEL_TRUTH])
def test_both_engines_write_the_same_rows_ids_and_values(spark_validated, path):
    pandas_out, spark_out = (read(spark_validated[e], path) for e in ENGINES)
    assert (spark_validated["spark"] / path).is_dir()
    assert list(spark_out.columns) == list(pandas_out.columns)
    pd.testing.assert_series_equal(spark_out["row_id"], pandas_out["row_id"])
    assert_same_values(spark_out, pandas_out)


def test_both_engines_record_the_same_roles_and_counts(spark_validated):
    def metrics(engine):
        found = json.loads((spark_validated[engine] / paths.METRICS / "ingest.json").read_text())
        found.pop("roles_inferred_on_rows", None)
        return found

    roles = {e: json.loads((spark_validated[e] / paths.COLUMN_ROLES).read_text())
             for e in ENGINES}
    assert roles["spark"] == roles["pandas"]
    assert roles["pandas"]["columns"]["code"]["role"] == "categorical"
    assert metrics("spark") == metrics("pandas")
    train = read(spark_validated["spark"], paths.PREPARED_TRAIN)
    assert train["age"].map(type).eq(str).all()  # one unreadable age: the column stays text
    assert train["row_id"].str.contains("-").any()  # duplicates numbered


def test_the_typing_plan_decides_as_the_whole_table_would():
    frame = pd.DataFrame({"n": ["1", "2", "x", "4"], "b": ["yes", "no", "1", None],
                          "y": ["1", "2", "2", None]})
    from datacentric.dataset import prepare

    whole, roles = prepare(frame.iloc[:2], target="y")  # roles from rows that all read
    facts = [chunks.chunk_facts(frame.iloc[i:i + 1], roles) for i in range(len(frame))]
    plan = chunks.typing_plan(facts, roles)
    assert plan.text_columns == {"n", "b"} and plan.label_type == "int"
    typed = pd.concat([chunks.type_chunk(frame.iloc[[i]], roles, plan) for i in range(4)])
    assert typed["n"].tolist()[:3] == ["1", "2", "x"] and typed["label"].tolist()[:3] == [1, 2, 2]


@pytest.mark.parametrize(("broadcast_rows", "group"), [(2_000_000, None), (0, "visit")])
def test_ids_and_split_match_pandas_where_rows_repeat(broadcast_rows, group, monkeypatch):
    """Many repeated rows (some straddling a class's last test row), a one-row class and a
    two-row class (kept whole in training, as the shipped data.min_class_rows keeps it): the
    same ids and the same split as the pandas engine, whether the repeated rows are joined
    back by broadcast or by a shuffle, and with a group column whose rows stay together
    across classes (rows without a value split on their own, a class left short keeps its
    subjects in training)."""
    from datacentric.dataset import assign_row_ids, base_ids, split_groups, split_keys
    from datacentric.dataset import split_train_test as pandas_split
    from datacentric.spark import ingest as spark_ingest
    from datacentric.spark import tables
    from datacentric.spark.session import spark_session

    monkeypatch.setattr(tables, "BROADCAST_ROWS", broadcast_rows)
    rng = np.random.default_rng(3)
    values = rng.integers(0, 40, size=400)  # about ten copies of each value
    labels = np.where(values % 3 == 0, "a", np.where(values % 3 == 1, "b", "c"))
    frame = pd.DataFrame({"x": values.astype(str), "label": labels,
                          "visit": [f"v{i % 90}" if i % 7 else None for i in range(400)]})
    frame.loc[len(frame)] = ["solo", "d", None]
    # the pair shares visits that go to test: it would follow them there, but stays
    frame.loc[len(frame)] = ["pair-1", "e", "v16"]
    frame.loc[len(frame)] = ["pair-2", "e", "v2"]
    expected = assign_row_ids(frame)
    train, test = pandas_split(expected, test_size=0.3, random_state=5, min_train_rows=2,
                               group=group)
    assert not test["label"].isin(["d", "e"]).any()
    if group:
        assert not set(train[group].dropna()) & set(test[group].dropna())

    base = base_ids(expected["row_id"])
    together = split_groups(frame, base=base, group=group)
    rows = frame.assign(**{spark_ingest.BASE: base, spark_ingest.GROUP: together,
                           tables.POSITION: np.arange(len(frame)),
                           spark_ingest.SPLIT_KEY: split_keys(together, random_state=5)})
    session = spark_session(SparkParams(**SPARK))
    threshold = session.conf.get("spark.sql.autoBroadcastJoinThreshold")
    if not broadcast_rows:  # nor may Spark broadcast the small side on its own
        session.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
    try:
        numbered = tables.with_row_ids(session.createDataFrame(rows), spark_ingest.BASE)
        ids = numbered.orderBy(tables.POSITION).toPandas()["row_id"]
        spark_train, spark_test = spark_ingest.split_train_test(numbered, test_size=0.3,
                                                                min_train_rows=2)
        test_ids, train_ids = set(spark_test.toPandas()["row_id"]), set(
            spark_train.toPandas()["row_id"])
    finally:
        session.conf.set("spark.sql.autoBroadcastJoinThreshold", threshold)
    assert ids.tolist() == expected["row_id"].tolist()
    assert test_ids == set(test["row_id"]) and train_ids == set(train["row_id"])


def test_missing_words_are_those_of_pandas_read_csv_but_none():
    from pandas._libs.parsers import STR_NA_VALUES

    assert frozenset(STR_NA_VALUES) - {"None"} == values.MISSING_WORDS


@pytest.mark.parametrize("model", ["symmetric", "class_conditional"])
def test_both_engines_plant_the_same_noise(model, tmp_path):
    """The same training rows flipped to the same labels, the same truth table and count."""
    messy_table(2_000).to_csv(tmp_path / "table.csv", index=False)
    out = {}
    for engine in ("pandas", "spark"):
        where = tmp_path / engine
        (where / "data").mkdir(parents=True)
        shutil.copy(tmp_path / "table.csv", where / "data" / "table.csv")
        (where / "params.yaml").write_text(yaml.safe_dump({
            "data": {"source": "data/table.csv", "target": "status",
                     "label_noise": {"rate": 0.2, "model": model}},
            "compute": {"engine": engine, "spark": SPARK}}))
        with chdir(where):
            ingest.main()
        out[engine] = {name: pd.read_parquet(where / "data" / "prepared" / name)
                       for name in ("train.parquet", "label_truth.parquet")}
        out[engine]["flipped"] = json.loads(
            (where / "metrics" / "ingest.json").read_text())["flipped_labels"]
    for name in ("train.parquet", "label_truth.parquet"):
        assert_same_values(out["spark"][name], out["pandas"][name])
    assert out["spark"]["flipped"] == out["pandas"]["flipped"] > 200


def test_a_parquet_file_keeps_the_words_a_csv_reads_as_missing(tmp_path, monkeypatch):
    """pandas reads 'NA' or 'null' in a Parquet text column as that text (only a CSV has
    missing-value words); so does Spark."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200),
                          "kind": rng.choice(["NA", "", "null", "a", None], 200),
                          "status": rng.choice(["good", "bad"], 200)})
    found = {}
    for engine in ("pandas", "spark"):
        where = tmp_path / engine
        (where / "data").mkdir(parents=True)
        frame.to_parquet(where / "data" / "table.parquet", index=False)
        (where / "params.yaml").write_text(yaml.safe_dump({
            "data": {"source": "data/table.parquet", "target": "status"},
            "compute": {"engine": engine, "spark": SPARK}}))
        monkeypatch.chdir(where)
        ingest.main()
        found[engine] = read(where, paths.PREPARED_TRAIN)
    assert {"NA", "null"} <= set(found["pandas"]["kind"].dropna())
    assert_same_values(found["spark"], found["pandas"])


BAD_TABLES = {
    "no target column": ("x,y\n1,a\n2,b\n", {}),
    "a single class": ("x,status\n1,a\n2,a\n3,a\n", {}),
    "duplicated column names": ("x,x,status\n1,2,a\n3,4,b\n", {}),
    "header only": ("x,status\n", {}),
    "a reserved column name": ("row_id,x,status\n1,2,a\n3,4,b\n", {}),
    "a class below the minimum": ("x,status\n" + "".join(f"{i},a\n" for i in range(20))
                                  + "1,b\n2,b\n", {"min_class_rows": 5}),
    "an unknown forced column": ("x,status\n1,a\n2,b\n", {"columns": {"id": "nope"}}),
    "a line break without quotes": ("x,note,status\n1,fine,a\n2,split\nline,b\n3,ok,a\n", {}),
}


@pytest.mark.parametrize("case", list(BAD_TABLES), ids=list(BAD_TABLES))
def test_bad_tables_get_the_same_sentence_on_both_engines(case, tmp_path, monkeypatch):
    text, data = BAD_TABLES[case]
    found = {}
    for engine in ("pandas", "spark"):
        where = tmp_path / engine
        (where / "data").mkdir(parents=True)
        (where / "data" / "table.csv").write_text(text)
        (where / "params.yaml").write_text(yaml.safe_dump({
            "data": {"source": "data/table.csv", "target": "status", **data},
            "compute": {"engine": engine, "spark": SPARK}}))
        monkeypatch.chdir(where)
        with pytest.raises(DatacentricError) as raised:
            ingest.main()
        found[engine] = str(raised.value)
        assert not (where / "data" / "prepared").exists()
    assert found["spark"] == found["pandas"]


def test_both_engines_quarantine_the_same_rows_for_the_same_reasons(spark_validated):
    pandas_out, spark_out = (read(spark_validated[e], paths.QUARANTINE) for e in ENGINES)
    reasons = set("; ".join(pandas_out["reasons"]).split("; "))
    assert {r.split("(")[0] for r in reasons} >= {e["type"] for e in TIGHTER} - {
        "expect_column_values_to_be_in_set"}
    assert 0.02 < len(pandas_out) / 20_000 < 0.05
    assert (spark_validated["spark"] / paths.QUARANTINE).is_dir()
    assert_same_values(spark_out, pandas_out)


@pytest.mark.parametrize("path", [paths.VALIDATED_TRAIN, paths.VALIDATED_TEST])
def test_both_engines_keep_the_same_rows(spark_validated, path):
    test_both_engines_write_the_same_rows_ids_and_values(spark_validated, path)


def test_both_engines_report_the_same_validation(spark_validated):
    for path in (paths.METRICS / "validate.json", paths.DRIFT):
        assert json.loads((spark_validated["spark"] / path).read_text()) == json.loads(
            (spark_validated["pandas"] / path).read_text())
    assert (spark_validated["spark"] / paths.DATA_DOCS / "index.html").is_file()


VALIDATE_FAILURES = {
    "a critical table check": {**expectation("expect_table_row_count_to_be_between", min_value=1,
                                      max_value=100), "severity": "critical"},
    "too many rows quarantined": expectation("expect_column_values_to_be_between", column="income",
                                      min_value=0, max_value=5_000),
    "a missing column": {**expectation("expect_column_values_to_not_be_null", column="nope"),
                         "severity": "critical"},
}


@pytest.mark.parametrize("case", list(VALIDATE_FAILURES), ids=list(VALIDATE_FAILURES))
def test_validation_failures_read_the_same_on_both_engines(case, spark_validated, tmp_path):
    found = {}
    for engine, where in spark_validated.items():
        copy = tmp_path / engine
        shutil.copytree(where, copy, ignore=shutil.ignore_patterns("validated", "reports"))
        checks = json.loads(suite_file(copy).read_text())
        checks["expectations"].append(VALIDATE_FAILURES[case])
        suite_file(copy).write_text(json.dumps(checks))
        with chdir(copy), pytest.raises(DatacentricError) as raised:
            validate.main()
        found[engine] = str(raised.value)
        assert not (copy / paths.VALIDATED).exists()
    assert found["spark"] == found["pandas"]


def test_a_column_dropped_after_the_suite_was_drafted_is_skipped_alike(spark_validated, tmp_path,
                                                                       capsys):
    """Its expectations are skipped with the same sentence; the rest of the suite still
    judges the table, which passes on both engines."""
    for engine, where in spark_validated.items():
        copy = tmp_path / engine
        shutil.copytree(where, copy, ignore=shutil.ignore_patterns("prepared", "validated",
                                                                   "reports"))
        set_params(copy, {"data": {"columns": {"drop": ["income"]}}})
        with chdir(copy):
            ingest.main()
            validate.main()
        said = capsys.readouterr().out
        assert "expectations skipped on 'income', left out by data.columns.drop" in said, engine
    pandas_out, spark_out = (json.loads((tmp_path / e / paths.METRICS / "validate.json")
                                        .read_text()) for e in ("pandas", "spark"))
    assert spark_out == pandas_out
    assert pandas_out["train"]["failed_critical"] == pandas_out["test"]["failed_critical"] == 0


def test_a_dotted_column_name_is_refused_on_spark(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    messy_table(300).rename(columns={"age": "age.years"}).to_csv(
        tmp_path / "data" / "table.csv", index=False)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({
        "data": {"source": "data/table.csv", "target": "status"},
        "compute": {"engine": "spark", "spark": SPARK}}))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatacentricError, match="column 'age.years' has a dot in its name"):
        ingest.main()
    assert not (tmp_path / paths.PREPARED).exists()


def test_suites_name_pandas_types_that_spark_reads_too():
    checks = {"expectations": [
        expectation("expect_column_values_to_be_of_type", column="a", type_="str"),
        expectation("expect_column_values_to_be_in_type_list", column="b",
             type_list=["float64", "DecimalType"]),
        expectation("expect_column_values_to_be_of_type", column="c", type_="MapType")]}
    kwargs = [e["kwargs"] for e in for_spark(checks)["expectations"]]
    assert kwargs[0]["type_"] == "StringType"
    assert kwargs[1]["type_list"] == ["float64", "DecimalType", "DoubleType"]
    assert kwargs[2]["type_"] == "MapType"


def test_a_condition_that_selects_other_rows_than_counted_is_refused(spark_validated):
    from datacentric.spark import tables
    from datacentric.spark.session import spark_session
    from datacentric.spark.validate import quarantine_rows

    session = spark_session(SparkParams(**SPARK))
    frame = tables.read_parquet(session, spark_validated["spark"] / paths.PREPARED_TEST)
    outcome = ValidationOutcome("test", [ExpectationOutcome(
        "expect_column_values_to_not_be_null", "income", "warning", success=False,
        unexpected_count=3, failing_rows_condition="income IS NULL")])
    with pytest.raises(DatacentricError, match="counted 3 rows failing .* condition selects"):
        quarantine_rows(frame, outcome)


def test_a_suite_drafted_on_spark_sees_every_class_and_the_whole_row_count(
        spark_validated, tmp_path, capsys):
    where = tmp_path / "sampled"
    shutil.copytree(spark_validated["spark"], where, ignore=shutil.ignore_patterns("gx"))
    params = yaml.safe_load((where / "params.yaml").read_text())
    params["compute"]["spark"]["sample_rows"] = 500
    (where / "params.yaml").write_text(yaml.safe_dump(params))
    with chdir(where):
        suite.draft()
    drafted = json.loads(suite_file(where).read_text())
    checks = {(e["type"], e["kwargs"].get("column")): e["kwargs"]
              for e in drafted["expectations"]}
    train = read(where, paths.PREPARED_TRAIN)
    assert checks["expect_column_values_to_be_in_set", "label"]["value_set"] == sorted(
        train["label"].unique())
    assert checks["expect_table_row_count_to_be_between", None]["max_value"] == 100 * len(train)
    assert f"a sample of {len(train)}" in capsys.readouterr().out


def test_a_driver_sample_holds_every_class_in_file_order():
    from datacentric.spark import tables
    from datacentric.spark.session import spark_session

    session = spark_session(SparkParams(**SPARK))
    labels = ["a"] * 10_000
    labels[7_777] = "b"
    frame = session.createDataFrame(pd.DataFrame({"label": labels, "n": range(10_000)}))
    frame = frame.withColumn(tables.POSITION, frame["n"])
    sample = tables.driver_sample(frame, rows=10_000, sample_rows=100, random_state=0,
                                  every_level_of="label")
    # the sample, plus the first row of each class
    assert set(sample["label"]) == {"a", "b"} and 90 <= len(sample) <= 100 + 2
    assert sample["n"].is_monotonic_increasing


def test_numbered_rows_come_to_the_driver_in_parts_as_pandas_reads_them(tmp_path, monkeypatch):
    from datacentric.spark import tables
    from datacentric.spark.session import spark_session

    session = spark_session(SparkParams(**SPARK))
    rows = pd.DataFrame({"row_id": [f"{i:016x}" for i in range(5_000)],
                         "label": np.random.default_rng(0).choice(["a", "b"], 5_000)})
    session.createDataFrame(rows).repartition(3).write.parquet(str(tmp_path / "rows"))
    monkeypatch.setattr(tables, "DRIVER_PART_ROWS", 700)  # eight parts
    numbered = tables.with_ordinal(tables.read_parquet(session, tmp_path / "rows"))
    found = tables.numbered_to_pandas(numbered.select(tables.ORDINAL, "row_id", "label"))
    pd.testing.assert_frame_equal(found, pd.read_parquet(tmp_path / "rows"))


@pytest.mark.parametrize("path", [paths.FEATURES_TRAIN, paths.FEATURES_TEST])
def test_both_engines_featurize_alike(spark_validated, path):
    for where in spark_validated.values():
        if not (where / path).exists():
            with chdir(where):
                featurize.main()
    pandas_out, spark_out = (read(spark_validated[e], path) for e in ENGINES)
    assert (spark_validated["spark"] / path).is_dir()  # written by Spark
    assert list(spark_out.columns) == list(pandas_out.columns)
    pd.testing.assert_frame_equal(spark_out, pandas_out, check_exact=False, rtol=1e-9)
    # every row fits in the driver's sample, so the featurizer is the pandas engine's
    for written in (paths.FEATURIZER, paths.METRICS / "featurize.json"):
        assert (spark_validated["spark"] / written).read_bytes() == (
            spark_validated["pandas"] / written).read_bytes()


@pytest.fixture(scope="module")
def trained(spark_validated, tmp_path_factory):
    """A model trained on the pandas project, and a Spark project holding the same files (so
    both engines score with the same featurizer and model), and a new delivery: rows of
    another draw of the table with duplicates, every value readable."""
    with chdir(spark_validated["pandas"]):
        featurize.main()
        train.main()
    where = tmp_path_factory.mktemp("scoring") / "spark"
    shutil.copytree(spark_validated["pandas"], where)
    params = yaml.safe_load((where / "params.yaml").read_text())
    params["compute"]["engine"] = "spark"
    (where / "params.yaml").write_text(yaml.safe_dump(params))
    batch = where.parent / "new.csv"
    messy_table(3000, random_state=1).to_csv(batch, index=False)
    return {"pandas": spark_validated["pandas"], "spark": where}, batch


def test_both_engines_score_a_delivery_alike(trained):
    projects, batch = trained
    for where in projects.values():
        with chdir(where):
            predict.main(batch, Path("scored.parquet"), chunk_rows=700)
    assert (projects["spark"] / "scored.parquet").is_dir()  # written by Spark
    pandas_out, spark_out = (read(w, "scored.parquet") for w in projects.values())
    assert len(spark_out) == 3000 and list(spark_out.columns) == list(pandas_out.columns)
    assert spark_out["row_id"].str.endswith("-1").sum() == 40  # the duplicated rows, numbered
    pd.testing.assert_frame_equal(spark_out, pandas_out, check_exact=False, rtol=1e-6)


def _unreadable_income(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[2500, "income"] = "lots"
    return frame


SCORING_REFUSALS = {
    "text in a numeric column": (_unreadable_income,
                                 ": column 'income' is numeric at training but holds 'lots'."),
    "a missing column": (lambda frame: frame.drop(columns=["city"]),
                         ": column 'city' is missing; the model was trained with it."),
}


@pytest.mark.parametrize("case", SCORING_REFUSALS)
def test_scoring_refusals_read_the_same_on_both_engines(case, trained, tmp_path):
    projects, _ = trained
    spoil, ending = SCORING_REFUSALS[case]
    batch = tmp_path / "new.csv"
    spoil(messy_table(3000, random_state=1)).to_csv(batch, index=False)
    for where in projects.values():
        with chdir(where), pytest.raises(DatacentricError) as refused:
            predict.main(batch, tmp_path / "scored.parquet", chunk_rows=5000)
        # pandas also names the chunk's rows; a Spark partition does not know its row numbers
        sentence = str(refused.value)
        assert sentence.startswith(str(batch)) and sentence.endswith(ending)
        assert "\n" not in sentence and not (tmp_path / "scored.parquet").exists()
