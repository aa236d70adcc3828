"""Real Great Expectations on small frames: one test per bad input, each with its outcome."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import make_mixed_frame

from datacentric.columns import ROW_ID
from datacentric.dataset import assign_row_ids, normalise
from datacentric.errors import DatacentricError
from datacentric.quarantine import critical_failures, drift, quarantine_table, summarise
from datacentric.validation import Validator, read_suite, starter_expectations, write_suite

_names = (f"batch{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def train():
    return assign_row_ids(normalise(make_mixed_frame(300), target="target"))


@pytest.fixture(scope="module")
def validator(train, tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    return Validator({"name": "t", "expectations": starter_expectations(train)}, docs_dir=docs)


def check(validator, frame, *, max_fraction=0.5):
    outcome = validator.validate(frame, batch=next(_names))
    quarantined = quarantine_table(outcome)
    problems = critical_failures(outcome, len(quarantined), n_rows=len(frame),
                                 max_quarantine_fraction=max_fraction)
    return outcome, quarantined, problems


def test_clean_training_rows_pass(validator, train):
    outcome, quarantined, problems = check(validator, train)
    assert problems == [] and quarantined.empty
    assert all(o.success for o in outcome.outcomes)
    assert summarise(outcome, 0)["expectations"] == len(outcome.outcomes) > 20


def test_missing_column_is_critical(validator, train):
    _, _, problems = check(validator, train.drop(columns=["age"]))
    assert any("expect_table_columns_to_match_set" in p for p in problems)
    assert any("column 'age'" in p for p in problems)


def test_wrong_dtype_is_critical(validator, train):
    frame = train.assign(age=train["age"].astype(str))
    _, _, problems = check(validator, frame)
    assert any("expect_column_values_to_be_in_type_list on column 'age'" in p for p in problems)


def test_all_null_column_is_critical(validator, train):
    _, _, problems = check(validator, train.assign(income=np.nan))
    assert any("expect_column_values_to_not_be_null on column 'income'" in p for p in problems)


def test_unexpected_category_is_quarantined_with_reason(validator, train):
    frame = train.copy()
    frame.loc[3, "city"] = "atlantis"
    _, quarantined, problems = check(validator, frame)
    assert problems == []
    assert quarantined[ROW_ID].tolist() == [frame.loc[3, ROW_ID]]
    assert quarantined["reasons"].iloc[0] == "expect_column_values_to_be_in_set(city)"


def test_out_of_range_value_is_quarantined(validator, train):
    frame = train.copy()
    frame.loc[[5, 9], "income"] = 1e9
    frame.loc[9, "city"] = "atlantis"
    _, quarantined, _ = check(validator, frame)
    reasons = dict(zip(quarantined[ROW_ID], quarantined["reasons"], strict=True))
    assert reasons[frame.loc[5, ROW_ID]] == "expect_column_values_to_be_between(income)"
    assert reasons[frame.loc[9, ROW_ID]] == ("expect_column_values_to_be_between(income); "
                                             "expect_column_values_to_be_in_set(city)")


def test_label_outside_its_set_is_quarantined(validator, train):
    frame = train.copy()
    frame.loc[0, "label"] = "unheard-of"
    _, quarantined, _ = check(validator, frame)
    assert quarantined["reasons"].tolist() == ["expect_column_values_to_be_in_set(label)"]


def test_duplicate_row_ids_are_critical(validator, train):
    frame = train.copy()
    frame.loc[1, ROW_ID] = frame.loc[0, ROW_ID]
    _, _, problems = check(validator, frame)
    assert any("expect_column_values_to_be_unique on column 'row_id' (2 unexpected" in p
               for p in problems)


def test_too_many_quarantined_rows_become_critical(validator, train):
    frame = train.copy()
    frame.loc[:40, "city"] = "atlantis"
    _, quarantined, problems = check(validator, frame, max_fraction=0.05)
    assert len(quarantined) == 41
    assert any("41 of 300 rows quarantined" in p for p in problems)


def test_empty_frame_fails_row_count(validator, train):
    _, _, problems = check(validator, train.head(0))
    assert any("expect_table_row_count_to_be_between" in p for p in problems)


def test_every_expectation_has_a_severity(train):
    severities = {e["severity"] for e in starter_expectations(train)}
    assert severities <= {"critical", "warning", "info"} and "critical" in severities


def test_suite_init_never_overwrites_without_force(train, tmp_path):
    gx_dir = tmp_path / "gx"
    path = write_suite(gx_dir, "s", starter_expectations(train), force=False)
    assert read_suite(gx_dir, "s")["expectations"][0]["severity"] == "critical"
    path.write_text(path.read_text().replace('"warning"', '"info"'))  # curated by hand
    with pytest.raises(DatacentricError, match="--force"):
        write_suite(gx_dir, "s", starter_expectations(train), force=False)
    assert '"info"' in path.read_text()
    write_suite(gx_dir, "s", starter_expectations(train), force=True)
    assert '"warning"' in path.read_text()


def test_missing_suite_is_named(tmp_path):
    with pytest.raises(DatacentricError, match="no expectation suite named 'nope'"):
        read_suite(tmp_path, "nope")


def test_data_docs_are_offline_and_list_every_expectation(validator, train):
    outcome, _, _ = check(validator, train)
    index = validator.build_docs()
    pages = list(index.parent.rglob("*.html"))
    assert index.exists() and len(pages) > 2
    for page in pages:
        html = page.read_text()
        assert 'src="http' not in html and 'href="https://cdn' not in html
    page = next(p for p in pages if "validations" in p.parts).read_text()
    assert page.count("<tr") >= len(outcome.outcomes)  # one result row per expectation
    for column in train.columns:
        assert column in page


def test_drift_flags_a_shifted_column(train):
    shifted = train.assign(income=train["income"] * 3)
    table = drift(train, shifted, threshold=0.1).set_index("column")
    assert table.loc["income", "drifted"] and not table.loc["age", "drifted"]
    assert table["statistic"].between(0, 1).all()
