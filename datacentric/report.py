"""The data team's report: one self-contained HTML page (inline SVG figures, inline CSS, no
scripts, no network). Every value taken from the data is HTML-escaped by the template engine."""

from __future__ import annotations

import jinja2
import numpy as np
import pandas as pd

from datacentric.columns import LABEL
from datacentric.review import neutralise_formulas

OTHER_ISSUES = {
    "outlier": "rows unlike the others in feature space; check for entry errors",
    "near_duplicate": "rows (almost) identical to another training row",
    "class_imbalance": "rows of a class much rarer than the others",
}

# a share of near-duplicate rows from which they say more about the columns than the rows
MOSTLY_DUPLICATES = 0.5


def mostly_duplicates(counts: dict[str, int], *, checked_rows: int) -> bool:
    """Whether at least :data:`MOSTLY_DUPLICATES` of the ``checked_rows`` training rows are
    near-duplicates in the audit's ``counts``: the columns take few distinct values together."""
    near_duplicates = counts.get("near_duplicate", 0)
    return bool(checked_rows) and near_duplicates >= MOSTLY_DUPLICATES * checked_rows


def shared_phrase(shared: int, *, test_rows: int, duplicates: bool) -> str:
    """The page's sentence on the ``shared`` test rows (of ``test_rows`` audited) that copy a
    training row; where the training rows are ``duplicates`` (:func:`mostly_duplicates`) it
    says why so many do."""
    phrase = f"{shared} test rows are copies or near-copies of training rows"
    if shared and duplicates:
        phrase += (f" ({shared / max(test_rows, 1):.0%} of the test rows): as among the "
                   f"training rows, the columns take few distinct values together, so this says "
                   f"that rows cannot be told apart, not that test rows were copied from training")
    return phrase + "."


def other_issues(counts: dict[str, int], *, checked_rows: int) -> list[dict]:
    """The :data:`OTHER_ISSUES` table's rows (``name``, ``rows``, ``meaning``) from the audit's
    ``counts`` on ``checked_rows`` rows. Where at least :data:`MOSTLY_DUPLICATES` of them are
    near-duplicates, the meaning says that the columns take few distinct values together."""
    found = []
    for name, meaning in OTHER_ISSUES.items():
        rows = counts.get(name, 0)
        if name == "near_duplicate" and mostly_duplicates(counts, checked_rows=checked_rows):
            meaning = (f"{meaning}: here {rows / checked_rows:.0%} of the rows, so the columns "
                       f"take few distinct values together; that says they cannot tell most "
                       f"rows apart, not that rows were copied")
        found.append({"name": name, "rows": rows, "meaning": meaning})
    return found


# bench/results/noise_estimate.json: the label-error estimate against the share flipped on
# purpose (tests/test_report.py keeps the two in step)
LABEL_ERROR_BENCHMARK = ("0.5 to 1.8 times the share flipped (median 1.1) on the tables it "
                         "was designed on, and 0.7 to 2.4 times (median 1.2) on real tables "
                         "kept back")


# a class with this share of its training rows flagged is one the models cannot tell apart
# more than one whose labels are nearly all wrong
WHOLE_CLASS_SHARE = 0.9


# out-of-fold balanced accuracy from which the page asks whether columns were filled from
# the label: clean data rarely separates classes this well, derived columns often do
NEAR_PERFECT_ACCURACY = 0.98


def flagged_classes(by_label: dict[str, dict[str, int]]) -> list[str]:
    """The classes of ``by_label`` (``flagged`` and ``rows`` per class) with at least
    :data:`WHOLE_CLASS_SHARE` of their rows flagged, as ``"label (flagged of rows)"``."""
    return [f"{label} ({c['flagged']} of {c['rows']})" for label, c in by_label.items()
            if c["rows"] and c["flagged"] >= WHOLE_CLASS_SHARE * c["rows"]]


def table_rows(frame: pd.DataFrame, *, limit: int = 25, digits: int = 3
               ) -> tuple[list[str], list[list[str]]]:
    """Column names and up to ``limit`` rows as display strings: missing as empty, numbers
    as :func:`shown_number` writes them."""
    head = frame.head(limit)
    rows = [["" if v is None or (isinstance(v, float) and np.isnan(v)) else
             shown_number(v, digits=digits) if isinstance(v, float) else str(v)
             for v in record] for record in head.itertuples(index=False)]
    return [str(c) for c in head.columns], rows


def shown_number(value: float, *, digits: int = 3) -> str:
    """``value`` as a data team reads it in its own file: a whole number whole (a year stays
    2017, not 2.02e+03), every whole digit of a number of more than ``digits`` digits, and
    ``digits`` significant digits otherwise."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 10 ** digits and np.isfinite(value):
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def points(share: float) -> str:
    """A share as signed percentage points, e.g. ``+2.1``."""
    return f"{share * 100:+.1f}"


def row_order_phrase(p_value: float | None, *, significance: float) -> str:
    """What Datalab's non-IID test of the training rows' order (its ``p_value``, None when it
    could not run) says, for the page."""
    if p_value is None:
        return "not tested (too few rows for Datalab's neighbour test)."
    shown = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
    if p_value >= significance:
        return f"no pattern found (Datalab's non-IID test, {shown})."
    return (f"the rows' order in the file carries a pattern (Datalab's non-IID test, {shown}): "
            f"rows near each other in the file are more alike than chance, as in a sorted table "
            f"or data that drift over time. The split is drawn at random, so this leaks "
            f"nothing; but if the order is time, a random split hides drift: check whether "
            f"recent rows differ before trusting the test scores for new data.")


def curve_summary(curve: dict) -> str:
    """The cleaning curve for the page, from metrics/curve.json: the slope of removing the
    audit's first rows, then the difference from removing as many random rows at the largest
    size, and what to do when that difference is surely negative."""
    n = curve["rows_removed"]
    text = (f"Removing the {n} rows the audit ranks first changed accuracy by "
            f"{points(curve['gain_per_100_rows'])} points per hundred rows (95% interval "
            f"{points(curve['gain_per_100_rows_low'])} to "
            f"{points(curve['gain_per_100_rows_high'])}); at {n} rows that is "
            f"{points(curve['audit_minus_random'])} points against removing {n} random rows "
            f"instead (interval {points(curve['audit_minus_random_low'])} to "
            f"{points(curve['audit_minus_random_high'])}).")
    if curve["audit_minus_random_high"] < 0:
        text += (" Removing the audit's first rows costs more than removing random ones: the "
                 "model learns from them (past the flagged rows the order reaches rows that are "
                 "hard rather than wrong, often of the rarer classes), so decide on them in the "
                 "review sheet instead of pruning by the order alone.")
    return text


def render(context: dict) -> str:
    """Render the report template with ``context``; autoescaping is on."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("datacentric", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("report.html.j2").render(**context)


def review_preview(sheet: pd.DataFrame, *, limit: int = 20) -> tuple[list[str], list[list[str]]]:
    """The first rows of the review sheet for the page (formula cells stay neutralised)."""
    return table_rows(neutralise_formulas(sheet.drop(columns=["decision"], errors="ignore")),
                      limit=limit)


def drift_phrases(drift: list[dict], *, target: str, flipped: int) -> list[str]:
    """One phrase per drifting column of reports/drift.json's ``columns`` (the label named
    ``target``); the label's says when ``flipped`` labels planted on purpose explain it."""
    phrases = []
    for d in (d for d in drift if d["drifted"]):
        name = f"the label {target}" if d["column"] == LABEL else d["column"]
        phrase = f"{name} ({d['kind']} {d['statistic']:.2f})"
        if d["column"] == LABEL and flipped:
            phrase += (f": {flipped} training labels were flipped on purpose "
                       "(data.label_noise), which alone moves it")
        phrases.append(phrase)
    return phrases
