import pandas as pd

from datacentric.changelog import diff_rows
from datacentric.columns import LABEL, ROW_ID, WEIGHT


def test_added_removed_relabelled_edited_and_reasons():
    before = pd.DataFrame({ROW_ID: ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, 4.0],
                           "k": ["p", "q", "r", "s"], LABEL: ["y", "n", "y", "n"]})
    after = pd.DataFrame({ROW_ID: ["a", "b", "e", "f"], "x": [1.0, 2.0, 3.5, 9.0],
                          "k": ["p", "q", "r", "t"], LABEL: ["y", "y", "y", "y"]})
    table = diff_rows(before, after, reasons=pd.Series({"b": "review decision: relabel:y"}))
    got = {(r, c): (d, why) for r, c, d, why in table.itertuples(index=False)}
    assert got == {
        ("b", "relabelled"): ("n -> y", "review decision: relabel:y"),
        ("e", "edited"): ("was c: x changed", "new delivery"),
        ("f", "added"): ("", "new delivery"),
        ("d", "removed"): ("", "new delivery"),
    }


def test_weights_and_no_change():
    before = pd.DataFrame({ROW_ID: ["a", "b"], "x": [1.0, 2.0], LABEL: ["y", "n"]})
    after = before.assign(**{WEIGHT: [1.0, 0.25]})
    table = diff_rows(before, after, default_reason="cleaning arm")
    assert table[[ROW_ID, "change", "reason"]].values.tolist() == [
        ["b", "reweighted", "cleaning arm"]]
    assert diff_rows(before, before).empty


def test_a_keyed_row_edited_in_place_keeps_its_id_and_names_the_columns():
    before = pd.DataFrame({ROW_ID: ["a", "b", "c"], "x": [1.0, None, 3.0],
                           "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
                           "flag": pd.array([True, None, False], dtype="boolean"),
                           LABEL: [0, 1, 0]})
    after = before.copy()
    after.loc[0, "x"] = 1.5
    after.loc[2, ["when", "flag"]] = [pd.Timestamp("2024-04-01"), True]
    after.loc[1, LABEL] = 0
    table = diff_rows(before, after)
    got = {(r, c): d for r, c, d, _ in table.itertuples(index=False)}
    assert got == {("a", "edited"): "x changed", ("c", "edited"): "when, flag changed",
                   ("b", "relabelled"): "1 -> 0"}
