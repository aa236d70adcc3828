"""The data team's review sheet: flagged rows, most severe first, ready for a spreadsheet."""

from __future__ import annotations

import pandas as pd

from datacentric.columns import LABEL, ROW_ID

DECISION_HELP = "keep | relabel:CLASS | drop"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy where every text cell a spreadsheet would run as a formula (starting with
    ``= + - @``, tab or carriage return) is prefixed with a single quote."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            text = out[name].astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            out[name] = text.where(~risky, "'" + text.astype(str))
    out.columns = [("'" + c) if str(c).startswith(_FORMULA_START) else c for c in out.columns]
    return out


def review_sheet(issues: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with any issue, most severe first, beside their own values.

    Parameters
    ----------
    issues : the audit's per-row table (``row_id``, ``split``, ``is_*_issue`` flags,
        ``label_score``, ``stability``, ``suggested_label``)
    rows : the rows' values, keyed by ``row_id``, with ``label``

    Order: label issues by descending ``stability`` then ascending ``label_score``, then rows
    with other issues. The last column, ``decision``, is empty; allowed values are
    :data:`DECISION_HELP`.
    """
    flag_columns = [c for c in issues.columns if c.startswith("is_") and c.endswith("_issue")]
    flagged = issues[issues[flag_columns].any(axis=1)].copy()
    flagged["issues"] = flagged[flag_columns].apply(
        lambda r: ", ".join(c[3:-6] for c in flag_columns if r[c]), axis=1)
    flagged = flagged.sort_values(["is_label_issue", "stability", "label_score"],
                                  ascending=[False, False, True], kind="stable")
    head = flagged[[ROW_ID, "split", "issues", "label_score", "stability", "suggested_label"]]
    values = rows.rename(columns={LABEL: "given_label"})
    sheet = head.merge(values, on=ROW_ID, how="left")
    front = [ROW_ID, "split", "issues", "given_label", "suggested_label", "label_score",
             "stability"]
    sheet = sheet[front + [c for c in sheet.columns if c not in front]]
    return neutralise_formulas(sheet.assign(decision=""))
