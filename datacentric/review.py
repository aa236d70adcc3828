"""The data team's review sheet: flagged rows, most severe first, ready for a spreadsheet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError

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


def review_order(table: pd.DataFrame) -> np.ndarray:
    """Row positions of a :func:`~datacentric.label_audit.find_label_errors` table in the order
    a reviewer reads them: flagged rows first, those most runs agree on first, then by
    ascending ``label_score``."""
    return np.lexsort((table["label_score"].to_numpy(), -table["stability"].to_numpy(),
                       ~table["is_label_issue"].to_numpy(dtype=bool)))


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
    flagged = flagged.iloc[review_order(flagged)]
    head = flagged[[ROW_ID, "split", "issues", "label_score", "stability", "suggested_label"]]
    values = rows.rename(columns={LABEL: "given_label"})
    sheet = head.merge(values, on=ROW_ID, how="left")
    front = [ROW_ID, "split", "issues", "given_label", "suggested_label", "label_score",
             "stability"]
    sheet = sheet[front + [c for c in sheet.columns if c not in front]]
    return neutralise_formulas(sheet.assign(decision=""))


DECISION_COLUMNS = [ROW_ID, "decision", "reviewer", "decided_at"]


def _normalise_decision(cell: object) -> str:
    text = "" if pd.isna(cell) else str(cell).strip()
    return text.removeprefix("'").strip() if text.startswith("'") else text


def _check_line(line: int, row_id: str, decision: str, *, known_ids: set[str],
                classes: set[str], earlier: dict[str, str]) -> str | None:
    if row_id not in known_ids:
        return f"line {line}: unknown row_id '{row_id}'"
    if decision not in ("keep", "drop") and not decision.startswith("relabel:"):
        return f"line {line}: decision '{decision}' is not keep, drop or relabel:CLASS"
    if decision.startswith("relabel:") and decision.removeprefix("relabel:") not in classes:
        return (f"line {line}: unknown class '{decision.removeprefix('relabel:')}' "
                f"(classes: {', '.join(sorted(classes))})")
    if earlier.get(row_id, decision) != decision:
        return (f"line {line}: row_id '{row_id}' conflicts with the decision "
                f"'{earlier[row_id]}' already made")
    return None


def merge_decisions(sheet: pd.DataFrame, existing: pd.DataFrame, *, known_ids: set[str],
                    classes: set[str], reviewer: str, decided_at: str,
                    source: str = "sheet") -> pd.DataFrame:
    """Fold a filled review sheet into the decisions table, all or nothing.

    Lines with an empty ``decision`` are skipped. Every other line must name a known
    ``row_id`` and a decision ``keep``, ``drop`` or ``relabel:CLASS`` with a known class, and
    agree with any decision already made for that row (in ``existing`` or earlier in the
    sheet). Line numbers count the header as line 1.

    Raises
    ------
    DatacentricError
        Listing every refused line; nothing is merged.
    """
    missing = [c for c in (ROW_ID, "decision") if c not in sheet.columns]
    if missing:
        raise DatacentricError(f"{source}: column '{missing[0]}' is missing.")
    earlier = dict(zip(existing[ROW_ID], existing["decision"], strict=True))
    problems, new = [], []
    for offset, (row_id, cell) in enumerate(zip(sheet[ROW_ID], sheet["decision"], strict=True)):
        decision = _normalise_decision(cell)
        if not decision:
            continue
        row_id = _normalise_decision(row_id)
        problem = _check_line(offset + 2, row_id, decision, known_ids=known_ids,
                              classes=classes, earlier=earlier)
        if problem:
            problems.append(problem)
            continue
        if row_id not in earlier:
            new.append({ROW_ID: row_id, "decision": decision, "reviewer": reviewer,
                        "decided_at": decided_at})
        earlier[row_id] = decision
    if problems:
        raise DatacentricError(f"{source}: refused, nothing merged: " + "; ".join(problems) + ".")
    return pd.concat([existing, pd.DataFrame(new, columns=DECISION_COLUMNS)],
                     ignore_index=True)
