"""Each data arm on a small frame with planted issues gives exactly the expected rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datacentric.cleaning import CleanOptions, apply_arm, manifest, parse_arm
from datacentric.columns import LABEL, ROW_ID, WEIGHT
from datacentric.dataset import assign_row_ids
from datacentric.errors import DatacentricError
from datacentric.review import DECISION_COLUMNS, merge_decisions

NO_DECISIONS = pd.DataFrame(columns=DECISION_COLUMNS)


@pytest.fixture
def train():
    frame = pd.DataFrame({"x": np.arange(12, dtype=float),
                          LABEL: ["a"] * 6 + ["b"] * 6})
    return assign_row_ids(frame)


@pytest.fixture
def issues(train):
    """Rows 0, 1, 7 are label issues (0 worst); 3 is an outlier; 5 duplicates 4."""
    n = len(train)
    table = pd.DataFrame({
        ROW_ID: train[ROW_ID], "split": "train",
        "is_label_issue": False, "label_score": 0.9, "stability": 0.0,
        "suggested_label": train[LABEL], "suggested_confidence": 0.9,
        "is_outlier_issue": False, "is_near_duplicate_issue": False,
        "near_duplicate_of": pd.Series([None] * n, dtype=object)})
    table.loc[[0, 1, 7], "is_label_issue"] = True
    table.loc[[0, 1, 7], "label_score"] = [0.05, 0.2, 0.1]
    table.loc[[0, 1, 7], "suggested_label"] = ["b", "b", "a"]
    table.loc[[0, 1, 7], "suggested_confidence"] = [0.95, 0.6, 0.9]
    table.loc[3, "is_outlier_issue"] = True
    table.loc[[4, 5], "is_near_duplicate_issue"] = True
    table.loc[5, "near_duplicate_of"] = train.loc[4, ROW_ID]
    return table


def ids(frame, positions):
    return set(frame.loc[positions, ROW_ID])


def test_raw_changes_nothing(train, issues):
    out, changes = apply_arm(train, issues, NO_DECISIONS, "raw")
    pd.testing.assert_frame_equal(out, train)
    assert changes.empty


def test_prune_drops_worst_first_within_the_cap(train, issues):
    out, changes = apply_arm(train, issues, NO_DECISIONS, "prune",
                             CleanOptions(max_prune_fraction=2 / 12, min_per_class=0))
    assert set(changes[ROW_ID]) == ids(train, [0, 7])
    assert len(out) == 10


def test_prune_keeps_the_per_class_minimum(train, issues):
    _, changes = apply_arm(train, issues, NO_DECISIONS, "prune",
                           CleanOptions(max_prune_fraction=1.0, min_per_class=5))
    assert set(changes[ROW_ID]) == ids(train, [0, 7])  # class a may lose only one row


def test_relabel_needs_confidence(train, issues):
    out, changes = apply_arm(train, issues, NO_DECISIONS, "relabel",
                             CleanOptions(relabel_confidence=0.8))
    assert set(changes[ROW_ID]) == ids(train, [0, 7])
    assert out.loc[[0, 1, 7], LABEL].tolist() == ["b", "a", "a"]


def test_reweight_uses_label_quality(train, issues):
    out, changes = apply_arm(train, issues, NO_DECISIONS, "reweight",
                             CleanOptions(weight_floor=0.1))
    assert out[WEIGHT].tolist()[:2] == [0.1, 0.2] and out.loc[7, WEIGHT] == 0.1
    assert len(out) == 12 and set(changes["change"]) == {"reweighted"}


def test_dedupe_and_outliers(train, issues):
    out, _ = apply_arm(train, issues, NO_DECISIONS, "dedupe")
    assert set(train[ROW_ID]) - set(out[ROW_ID]) == ids(train, [5])
    out, _ = apply_arm(train, issues, NO_DECISIONS, "outliers")
    assert set(train[ROW_ID]) - set(out[ROW_ID]) == ids(train, [3])


def test_reviewed_then_prune_composes(train, issues):
    decisions = pd.DataFrame({ROW_ID: train.loc[[0, 2], ROW_ID],
                              "decision": ["relabel:b", "drop"], "reviewer": "ann",
                              "decided_at": "2026-11-25"})
    out, changes = apply_arm(train, issues, decisions, "reviewed+prune",
                             CleanOptions(max_prune_fraction=1.0, min_per_class=0))
    assert changes["reason"].tolist()[:2] == ["review decision: drop",
                                              "review decision: relabel"]
    assert ids(train, [2]).isdisjoint(out[ROW_ID])
    counts = manifest(changes, rows_in=12, rows_out=len(out))
    assert counts["removed"] >= 1 and counts["relabelled"] == 1


def test_decisions_survive_new_and_reordered_raw_rows(train, issues):
    decisions = pd.DataFrame({ROW_ID: [train.loc[9, ROW_ID]], "decision": ["relabel:a"],
                              "reviewer": "ann", "decided_at": "2026-11-25"})
    grown = pd.concat([train.drop(columns=ROW_ID),
                       pd.DataFrame({"x": [100.0, 101.0], LABEL: ["a", "b"]})])
    grown = assign_row_ids(grown.sample(frac=1, random_state=0))
    out, _ = apply_arm(grown, issues, decisions, "reviewed")
    assert out.loc[out["x"] == 9.0, LABEL].item() == "a"


def test_unknown_step():
    with pytest.raises(DatacentricError, match="unknown step 'prnue'"):
        parse_arm("reviewed+prnue")


def merge(sheet, existing=NO_DECISIONS):
    return merge_decisions(sheet, existing, known_ids={"r1", "r2", "r3"}, classes={"a", "b"},
                           reviewer="ann", decided_at="2026-11-25T10:00:00+00:00")


def test_merge_accepts_a_good_sheet():
    sheet = pd.DataFrame({ROW_ID: ["r1", "r2", "r3"], "decision": ["drop", "", "'relabel:b"]})
    merged = merge(sheet)
    assert merged[[ROW_ID, "decision"]].values.tolist() == [["r1", "drop"], ["r3", "relabel:b"]]
    assert (merged["reviewer"] == "ann").all()


@pytest.mark.parametrize(
    ("row_id", "decision", "message"),
    [
        ("r9", "drop", "line 3: unknown row_id 'r9'"),
        ("r2", "relabel:z", "line 3: unknown class 'z'"),
        ("r2", "=HYPERLINK(1)", "line 3: decision '=HYPERLINK(1)' is not keep"),
        ("r1", "keep", "line 3: row_id 'r1' conflicts with the decision 'drop'"),
    ],
)
def test_merge_refuses_the_whole_sheet_for_one_bad_line(row_id, decision, message):
    sheet = pd.DataFrame({ROW_ID: ["r1", row_id], "decision": ["drop", decision]})
    with pytest.raises(DatacentricError, match=message.replace("(", r"\(").replace(")", r"\)")):
        merge(sheet)


def test_merge_refuses_conflicts_with_earlier_decisions():
    existing = pd.DataFrame({ROW_ID: ["r2"], "decision": ["drop"], "reviewer": "bob",
                             "decided_at": "2026-11-01"})
    with pytest.raises(DatacentricError, match="line 2: row_id 'r2' conflicts"):
        merge(pd.DataFrame({ROW_ID: ["r2"], "decision": ["keep"]}), existing)
    assert len(merge(pd.DataFrame({ROW_ID: ["r2"], "decision": ["drop"]}), existing)) == 1
