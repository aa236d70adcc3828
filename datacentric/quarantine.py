"""Turning validation outcomes into decisions: quarantined rows with reasons, a summary,
the critical-failure sentence, and per-column train-versus-test drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, ks_2samp

from datacentric.columns import LABEL, ROW_ID
from datacentric.roles import TableRoles
from datacentric.validation import ExpectationOutcome, ValidationOutcome
from datacentric.values import as_float

# a distance counts as drift only when a random split would rarely give one this large
DRIFT_SIGNIFICANCE = 0.05

SEVERITIES = ("critical", "warning", "info")


def merge_outcomes(batch: str, parts: list[ValidationOutcome]) -> ValidationOutcome:
    """One outcome for a batch validated in chunks with the same suite: an expectation
    succeeds when it succeeds on every chunk; counts add up and failing rows are joined.

    Aggregate expectations (null rates, row counts, uniqueness) are thereby judged per chunk.
    """
    merged = []
    for results in zip(*(part.outcomes for part in parts), strict=True):
        first = results[0]
        merged.append(ExpectationOutcome(
            expectation=first.expectation, column=first.column, severity=first.severity,
            success=all(r.success for r in results),
            unexpected_count=sum(r.unexpected_count for r in results),
            failing_row_ids=tuple(i for r in results for i in r.failing_row_ids),
            message=next((r.message for r in results if not r.success and r.message), "")))
    return ValidationOutcome(batch, merged)


def quarantine_table(outcome: ValidationOutcome) -> pd.DataFrame:
    """One row per quarantined ``row_id``: columns ``row_id``, ``batch``, ``reasons`` (the
    failing row-level expectations, ``; ``-joined, sorted)."""
    pairs = [(row_id, o.reason) for o in outcome.outcomes if o.quarantines
             for row_id in o.failing_row_ids]
    if not pairs:
        return pd.DataFrame({ROW_ID: pd.Series(dtype=str), "batch": pd.Series(dtype=str),
                             "reasons": pd.Series(dtype=str)})
    frame = pd.DataFrame(pairs, columns=[ROW_ID, "reason"]).drop_duplicates()
    table = frame.groupby(ROW_ID, sort=True)["reason"].agg(lambda r: "; ".join(sorted(r)))
    return table.rename("reasons").reset_index().assign(batch=outcome.batch)[
        [ROW_ID, "batch", "reasons"]]


def critical_failures(outcome: ValidationOutcome, quarantined: int, *, n_rows: int,
                      max_quarantine_fraction: float) -> list[str]:
    """Human-readable critical problems, table-level ones first: each failed critical
    expectation with its column and count (the checks of a missing column collapse into one
    problem), plus a quarantine above ``max_quarantine_fraction`` of the rows."""
    failed = outcome.failed("critical")
    missing = {o.column for o in failed
               if o.column and o.message == f"column '{o.column}' is missing"}
    problems = [_describe(o) for o in sorted(failed, key=lambda o: o.column is not None)
                if o.column not in missing]
    if not any(o.expectation == "expect_table_columns_to_match_set" for o in failed):
        problems += [f"column '{c}' is missing" for c in sorted(missing)]
    if n_rows and quarantined / n_rows > max_quarantine_fraction:
        problems.append(
            f"{quarantined} of {n_rows} rows quarantined, above the tolerated "
            f"{max_quarantine_fraction:.1%} (validate.max_quarantine_fraction)")
    return problems


def _describe(failure: ExpectationOutcome) -> str:
    where = f" on column '{failure.column}'" if failure.column else ""
    count = f"{failure.unexpected_count} unexpected" if failure.unexpected_count else ""
    details = "; ".join(d for d in (count, failure.message) if d) or "failed"
    return f"{failure.expectation}{where} ({details})"


def summarise(outcome: ValidationOutcome, quarantined: int) -> dict[str, int]:
    """Counts for the metrics file: expectations evaluated, failed by severity, quarantined."""
    summary = {"expectations": len(outcome.outcomes)}
    for severity in SEVERITIES:
        summary[f"failed_{severity}"] = len(outcome.failed(severity))
    summary["failed_row_level"] = sum(o.quarantines for o in outcome.outcomes)
    summary["rows_quarantined"] = quarantined
    return summary


def drift(train: pd.DataFrame, test: pd.DataFrame, roles: TableRoles, *,
          threshold: float) -> pd.DataFrame:
    """Per-column distribution shift between two frames, for the feature columns and the label.

    Numeric and date columns: the two-sample Kolmogorov–Smirnov statistic. Categorical and
    boolean columns and the label: total variation distance between level shares (missing
    counted as a level). Ids, text and constants are skipped: every row has its own value.
    Both statistics lie in [0, 1]. Columns ``column``, ``kind``, ``statistic``, ``drifted``:
    above ``threshold`` and significant at :data:`DRIFT_SIGNIFICANCE` (the KS test; a
    chi-squared test of the level counts), so that small samples do not drift by chance.
    """
    rows = []
    for name in [*roles.features(), LABEL]:
        if name not in train.columns or name not in test.columns:
            continue
        role = roles.columns[name].role if name in roles.columns else "label"
        if role == "text":
            continue
        a, b = train[name], test[name]
        if role in ("numeric", "date", "datetime"):
            a, b = (as_float(x).dropna() for x in (a, b))
            ks = ks_2samp(a, b) if len(a) and len(b) else None
            stat, p_value = (float(ks.statistic), float(ks.pvalue)) if ks else (0.0, 1.0)
            kind = "ks"
        else:
            counts = pd.concat([x.astype(object).fillna("<missing>").value_counts()
                                for x in (a, b)], axis=1).fillna(0).to_numpy().T
            shares = counts / counts.sum(axis=1, keepdims=True)
            stat = 0.5 * float(np.abs(shares[0] - shares[1]).sum())
            p_value = float(chi2_contingency(counts).pvalue) if counts.shape[1] > 1 else 1.0
            kind = "tvd"
        rows.append({"column": name, "kind": kind, "statistic": round(stat, 6),
                     "drifted": stat > threshold and p_value < DRIFT_SIGNIFICANCE})
    return pd.DataFrame(rows, columns=["column", "kind", "statistic", "drifted"])
