"""Real Great Expectations on small frames: one test per bad input, each with its outcome."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import make_mixed_frame, prepared, roles_of

from datacentric.columns import ROW_ID
from datacentric.dataset import assign_row_ids, conform
from datacentric.errors import DatacentricError
from datacentric.quarantine import critical_failures, drift, quarantine_table, summarise
from datacentric.validation import (
    Validator,
    check_suite_fits,
    range_margin_for,
    read_suite,
    starter_expectations,
    suite_meta,
    without_columns,
    write_suite,
)
from datacentric.validation.runner import _expectations, _narrowed

_names = (f"batch{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def table():
    return prepared(make_mixed_frame(300))


@pytest.fixture(scope="module")
def train(table):
    return table[0]


@pytest.fixture(scope="module")
def roles(table):
    return table[1]


@pytest.fixture(scope="module")
def validator(train, roles, tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    return Validator({"name": "t", "expectations": starter_expectations(train, roles)},
                     docs_dir=docs)


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
    assert problems[0].startswith("expect_table_columns_to_match_set")
    assert "missing columns 'age'" in problems[0]


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


def test_every_expectation_has_a_severity(train, roles):
    severities = {e["severity"] for e in starter_expectations(train, roles)}
    assert severities <= {"critical", "warning", "info"} and "critical" in severities


def test_suite_init_never_overwrites_without_force(train, roles, tmp_path):
    gx_dir = tmp_path / "gx"
    drafted = starter_expectations(train, roles)
    path = write_suite(gx_dir, "s", drafted, meta={}, force=False)
    assert read_suite(gx_dir, "s")["expectations"][0]["severity"] == "critical"
    path.write_text(path.read_text().replace('"warning"', '"info"'))  # curated by hand
    with pytest.raises(DatacentricError, match="set validate.suite to a new name.*--force"):
        write_suite(gx_dir, "s", drafted, meta={}, force=False)
    assert '"info"' in path.read_text()
    write_suite(gx_dir, "s", drafted, meta={}, force=True)
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


def test_drift_flags_a_shifted_column(train, roles):
    shifted = train.assign(income=train["income"] * 3)
    table = drift(train, shifted, roles, threshold=0.1).set_index("column")
    assert table.loc["income", "drifted"] and not table.loc["age", "drifted"]
    assert table["statistic"].between(0, 1).all()


def test_random_splits_of_a_small_table_rarely_drift(train, roles):
    """150 against 50 rows drawn from one table differ by KS or TVD above 0.1 by chance alone
    (more than half the columns, before the test of significance); flagged, at most a tenth."""
    flagged = []
    for seed in range(40):
        order = np.random.default_rng(seed).permutation(len(train))[:200]
        table = drift(train.iloc[order[:150]], train.iloc[order[150:]], roles, threshold=0.1)
        flagged.extend(table["drifted"])
    assert np.mean(flagged) <= 0.1


def _customers(n: int, *, start: int = 0, first_day: str = "2024-01-01", seed: int = 0):
    """A raw customer table with a key, a date, free text, a wide and a narrow category."""
    rng = np.random.default_rng(seed)
    words = ["senior", "junior", "nurse", "engineer", "teacher", "driver", "chef", "clerk"]
    return pd.DataFrame({
        "customer id": [f"C{i:05d}" for i in range(start, start + n)],
        "signup": (pd.Timestamp(first_day) + pd.to_timedelta(rng.integers(0, 365, n), "D")
                   ).strftime("%Y-%m-%d"),
        "job title": [" ".join(rng.choice(words, 2)) + f" {i}" for i in range(start, start + n)],
        "region": rng.choice(["north", "south", "east"], n),
        "branch": [f"b{v}" for v in rng.integers(0, 400, n)],
        "income": rng.lognormal(8, 0.5, n),
        "y": rng.choice(["a", "b"], n),
    })


def _suite_for(train, roles):
    by_column = {}
    for e in starter_expectations(train, roles):
        by_column.setdefault(e["kwargs"].get("column"), []).append(e)
    return by_column


def test_starter_suite_checks_each_column_by_its_role():
    train, roles = prepared(_customers(400), target="y")
    suite = _suite_for(train, roles)
    kinds = {c: {e["type"] for e in es} for c, es in suite.items()}
    assert "expect_column_values_to_be_unique" in kinds["customer id"]
    pattern = next(e for e in suite["customer id"]
                   if e["type"] == "expect_column_values_to_match_regex")["kwargs"]["regex"]
    assert pattern == "^[A-Za-z]+[0-9]+$"
    for column in ("customer id", "signup", "job title", "branch"):  # no value set for these
        assert "expect_column_values_to_be_in_set" not in kinds[column], column
    assert "expect_column_values_to_be_in_set" in kinds["region"]
    assert "expect_column_value_lengths_to_be_between" in kinds["job title"]
    dates = next(e for e in suite["signup"] if e["type"] == "expect_column_values_to_be_between")
    assert dates["kwargs"]["max_value"] > "2029-12-01"  # years past the last training date


def test_test_rows_and_a_later_delivery_pass_the_drafted_suite(tmp_path):
    table, roles = prepared(_customers(600), target="y")
    train, test = table.iloc[:450], table.iloc[450:]
    suite = {"name": "s", "expectations": starter_expectations(train, roles)}
    validator = Validator(suite, docs_dir=tmp_path)
    later = conform(_customers(300, start=5000, first_day="2025-03-01", seed=9), roles)
    later = assign_row_ids(later, key=roles.key)
    for frame in (test, later):
        outcome, quarantined, problems = check(validator, frame, max_fraction=0.05)
        assert problems == [] and quarantined.empty, (problems, quarantined)


def test_a_repeated_key_is_critical_and_names_the_values(tmp_path):
    raw = _customers(200)
    raw.loc[[10, 11], "customer id"] = "C09999"
    table, roles = prepared(raw, target="y", id="customer id")
    train = table.drop(index=[10, 11])
    validator = Validator({"name": "s", "expectations": starter_expectations(train, roles)},
                          docs_dir=tmp_path)
    _, _, problems = check(validator, table)
    assert any("column 'customer id'" in p and "repeated values 'C09999'" in p
               for p in problems), problems


def test_a_suite_for_another_table_is_refused_with_the_fix(train, roles, tmp_path):
    meta = suite_meta(roles, source="data/raw/a.csv", rows=len(train), max_levels=50,
                      range_margin=0.1)
    suite = {"expectations": starter_expectations(train, roles), "meta": meta}
    columns = list(train.columns)
    check_suite_fits(suite, path=tmp_path / "a.json", source="data/raw/a.csv", target="target",
                     columns=columns)
    with pytest.raises(DatacentricError, match=r"a.json: drafted for data/raw/a.csv .*not for "
                                               r"data/raw/b.csv.*validate.suite=b"):
        check_suite_fits(suite, path=tmp_path / "a.json", source="data/raw/b.csv",
                         target="target", columns=columns)
    hand_written = {"expectations": suite["expectations"]}
    with pytest.raises(DatacentricError, match="expects the columns of another table"):
        check_suite_fits(hand_written, path=tmp_path / "a.json", source="data/raw/b.csv",
                         target="y", columns=["row_id", "p", "q", "label"])


def test_gx_internal_errors_never_reach_the_message(validator, train):
    outcome, _, problems = check(validator, train.drop(columns=["income"]))
    messages = " ".join(o.message for o in outcome.outcomes)
    assert "BatchData" not in messages and "Traceback" not in messages
    assert "column 'income' is missing" in messages


def test_an_expectation_gx_cannot_read_is_named_not_skipped(train, roles, tmp_path):
    expectations = [*starter_expectations(train, roles)[:3],
                    {"type": "expect_nonsense", "kwargs": {}, "severity": "critical"}]
    with pytest.raises(DatacentricError, match=r"expectation 4 \(expect_nonsense\) cannot be "
                                               r"read.*suite init --force"):
        Validator({"name": "s", "expectations": expectations}, docs_dir=tmp_path)


def test_training_rows_pass_a_suite_drafted_with_a_nearly_empty_column(tmp_path):
    raw = make_mixed_frame(300).assign(rare_note=np.nan)
    raw.loc[:5, "rare_note"] = 7.0  # 2% present: below validate.null_margin
    train, roles = prepared(raw)
    validator = Validator({"name": "s", "expectations": starter_expectations(train, roles)},
                          docs_dir=tmp_path)
    _, quarantined, problems = check(validator, train, max_fraction=0.0)
    assert problems == [] and quarantined.empty


def test_a_suite_without_columns_trims_table_checks_and_names_what_it_left_out():
    suite = {"name": "t", "expectations": [
        {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "b"]}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "b"}},
        {"type": "expect_column_pair_values_a_to_be_greater_than_b",
         "kwargs": {"column_A": "b", "column_B": "c"}},
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["c", "d"]}},
    ]}
    kept, left_out = without_columns(suite, ["b", "d", "never_checked"])
    assert [e["kwargs"] for e in kept["expectations"]] == [
        {"column_set": ["a"]}, {"column": "a"}]
    assert left_out == ["b", "d"] and kept["name"] == "t" and len(suite["expectations"]) == 5
    assert suite["expectations"][0]["kwargs"] == {"column_set": ["a", "b"]}
    assert without_columns(suite, []) == (suite, [])


def _outside_share(train: pd.DataFrame, fresh: pd.DataFrame, margin: float) -> float:
    """Share of ``fresh`` rows outside one of the ranges a suite drafts from ``train``."""
    frame = train.assign(label="a")
    roles = roles_of(frame)
    ranges = [e["kwargs"] for e in starter_expectations(frame, roles, range_margin=margin)
              if e["type"] == "expect_column_values_to_be_between"]
    assert len(ranges) == train.shape[1]
    return float(np.any([(fresh[r["column"]] < r["min_value"]) | (fresh[r["column"]] >
                                                                  r["max_value"])
                         for r in ranges], axis=0).mean())


def test_ranges_widen_until_few_clean_rows_fall_outside_on_a_wide_table():
    """120 columns, 250 rows (a table like modeldata's ad_data): at the plain margin about
    half of the clean rows fall outside some range and would be quarantined."""
    rng = np.random.default_rng(0)
    columns = [f"x{i}" for i in range(120)]
    train, fresh = (pd.DataFrame(rng.standard_t(5, size=(n, 120)), columns=columns)
                    for n in (250, 5000))
    margin = range_margin_for(train, range_margin=0.1, false_alarm=0.01, random_state=0)
    assert margin > 0.1
    assert margin == range_margin_for(train, range_margin=0.1, false_alarm=0.01, random_state=0)
    assert _outside_share(train, fresh, 0.1) > 0.3
    assert _outside_share(train, fresh, margin) < 0.02


def test_ranges_of_a_grouped_table_allow_for_whole_new_groups():
    """Forty subjects of fifty rows, each subject's values near its own level: a new subject
    lies outside the seen rows' ranges far more often than a new row of a seen subject, so
    halves of the subjects call for a wider margin than halves of the rows."""
    rng = np.random.default_rng(2)
    subjects = np.repeat(np.arange(40), 50)
    levels = rng.normal(size=(40, 3))
    train = pd.DataFrame(levels[subjects] + rng.normal(0, 0.05, (len(subjects), 3)),
                         columns=list("abc"))
    plain = range_margin_for(train, range_margin=0.1, false_alarm=0.01, random_state=0)
    grouped = range_margin_for(train, range_margin=0.1, false_alarm=0.01, random_state=0,
                               groups=subjects)
    assert plain == 0.1 and grouped > plain
    assert range_margin_for(train, range_margin=0.1, false_alarm=0.01, random_state=0,
                            groups=np.arange(len(train))) == plain


def test_ranges_keep_the_plain_margin_where_clean_rows_stay_inside():
    rng = np.random.default_rng(1)
    train = pd.DataFrame(rng.uniform(size=(2000, 3)), columns=["a", "b", "c"])
    assert range_margin_for(train, range_margin=0.1, false_alarm=0.01, random_state=0) == 0.1
    assert range_margin_for(train, range_margin=0.0, false_alarm=0.0, random_state=0) == 0.0


def _built(*configs: dict) -> list:
    return _expectations({"name": "s", "expectations": list(configs)})


def test_failed_expectations_are_rerun_on_the_columns_they_read(train):
    income = {"type": "expect_column_values_to_be_between", "severity": "warning",
              "kwargs": {"column": "income", "min_value": 0, "max_value": 1}}
    pair = {"type": "expect_column_pair_values_a_to_be_greater_than_b", "severity": "warning",
            "kwargs": {"column_A": "age", "column_B": "income"}}
    assert list(_narrowed(train, _built(income, pair)).columns) == [
        c for c in train.columns if c in (ROW_ID, "income", "age")]
    conditioned = {**income, "kwargs": {**income["kwargs"], "row_condition": 'city=="paris"',
                                        "condition_parser": "pandas"}}
    table = {"type": "expect_table_row_count_to_be_between", "severity": "critical",
             "kwargs": {"min_value": 1, "max_value": 2}}
    absent = {**income, "kwargs": {**income["kwargs"], "column": "not_there"}}
    for reads_more in (conditioned, table, absent):
        assert _narrowed(train, _built(income, reads_more)) is train


def test_a_failed_expectation_with_a_row_condition_names_its_rows(train):
    frame = train.copy()
    frame.loc[[2, 6], "income"] = 1e9
    city = frame.loc[2, "city"]
    suite = {"name": "conditioned", "expectations": [
        {"type": "expect_column_values_to_be_between", "severity": "warning",
         "kwargs": {"column": "income", "max_value": 1e6, "row_condition": f'city=="{city}"',
                    "condition_parser": "pandas"}}]}
    [between] = Validator(suite).validate(frame, batch="conditioned").outcomes
    wanted = frame.loc[(frame["city"] == city) & (frame["income"] > 1e6), ROW_ID]
    assert not between.success and sorted(between.failing_row_ids) == sorted(wanted)
