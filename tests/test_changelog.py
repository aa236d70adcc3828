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
