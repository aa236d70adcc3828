"""The one module that talks to Great Expectations: builds starter suites, runs a suite on a
frame, renders Data Docs, and turns GX results into our own dataclasses.

Suites live as JSON in the file-based GX project under ``gx/`` (in git). Validation runs in
an ephemeral GX context, so a pipeline run never rewrites anything under ``gx/``; its Data
Docs go to a folder the caller chooses.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path

import pandas as pd

from datacentric.columns import LABEL, ROW_ID
from datacentric.errors import DatacentricError

# Row-level expectations whose failing rows are quarantined rather than failing the table;
# not-null is row-level only without `mostly` (with it, it is a null-rate check).
QUARANTINE_TYPES = {
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_be_null",
}
ROW_ID_PATTERN = r"^[0-9a-f]{16}(?:-[0-9]+)?$"


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result. ``failing_row_ids`` is filled for row-level expectations."""

    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    failing_row_ids: tuple[str, ...] = ()
    message: str = ""

    @property
    def quarantines(self) -> bool:
        return self.expectation in QUARANTINE_TYPES and bool(self.failing_row_ids)

    @property
    def reason(self) -> str:
        return f"{self.expectation}({self.column})" if self.column else self.expectation


@dataclass(frozen=True)
class ValidationOutcome:
    """All expectation outcomes of one suite on one batch."""

    batch: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    def failed(self, severity: str) -> list[ExpectationOutcome]:
        """Failed expectations of ``severity`` that are not resolved by quarantining rows."""
        return [o for o in self.outcomes
                if not o.success and o.severity == severity and not o.quarantines]


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def starter_expectations(train: pd.DataFrame, *, range_margin: float = 0.1,
                         null_margin: float = 0.05) -> list[dict]:
    """Expectation configurations (GX JSON form, each with a ``severity``) profiled from the
    training rows, for the data team to curate.

    Critical: the exact column set, column types, unique ``row_id``, a row count of at least
    one, and null rates far above training (more than half of a column's present values gone).
    Warning, row-level (failing rows are quarantined): numeric ranges widened by
    ``range_margin`` of the observed span, categorical value sets, the label's value set, and
    the ``row_id`` pattern. Warning: null rates more than ``null_margin`` above training.
    """
    def exp(kind: str, severity: str, **kwargs) -> dict:
        return {"type": kind, "kwargs": kwargs, "severity": severity, "meta": {}}

    expectations = [
        exp("expect_table_columns_to_match_set", "critical", column_set=list(train.columns),
            exact_match=True),
        exp("expect_table_row_count_to_be_between", "critical", min_value=1,
            max_value=max(1000, 100 * len(train))),
        exp("expect_column_values_to_be_unique", "critical", column=ROW_ID),
        exp("expect_column_values_to_match_regex", "warning", column=ROW_ID,
            regex=ROW_ID_PATTERN),
        exp("expect_column_values_to_be_in_set", "warning", column=LABEL,
            value_set=sorted(train[LABEL].dropna().unique().tolist())),
    ]
    for name in train.columns.drop([ROW_ID, LABEL]):
        column = train[name]
        present = float(column.notna().mean())
        if pd.api.types.is_float_dtype(column):
            expectations.append(exp("expect_column_values_to_be_in_type_list", "critical",
                                    column=name, type_list=["float64", "float32"]))
            if present > 0:
                low, high = float(column.min()), float(column.max())
                pad = range_margin * (high - low) or range_margin * max(abs(low), 1.0)
                expectations.append(exp("expect_column_values_to_be_between", "warning",
                                        column=name, min_value=low - pad, max_value=high + pad))
        else:
            expectations.append(exp("expect_column_values_to_be_of_type", "critical",
                                    column=name, type_="str"))
            expectations.append(exp("expect_column_values_to_be_in_set", "warning", column=name,
                                    value_set=sorted(column.dropna().unique().tolist())))
        if present > 0:
            expectations.append(exp("expect_column_values_to_not_be_null", "warning",
                                    column=name, mostly=round(max(0.0, present - null_margin), 4)))
            expectations.append(exp("expect_column_values_to_not_be_null", "critical",
                                    column=name, mostly=round(present / 2, 4)))
    return expectations


def write_suite(gx_dir: Path, name: str, expectations: list[dict], *, force: bool) -> Path:
    """Save a suite into the file-based GX project at ``gx_dir`` (created if absent).

    Raises
    ------
    DatacentricError
        When the suite exists and ``force`` is false, so curated suites are never overwritten.
    """
    gx = _gx()
    path = gx_dir / "expectations" / f"{name}.json"
    if path.exists() and not force:
        raise DatacentricError(
            f"{path}: suite exists and may be curated; pass --force to overwrite it."
        )
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir.parent))
    suite = gx.ExpectationSuite(name=name, expectations=expectations,
                                meta={"generated_by": "datacentric suite init"})
    context.suites.add_or_update(suite)
    return path


def read_suite(gx_dir: Path, name: str) -> dict:
    """The suite JSON, checked to exist. Raises DatacentricError naming the file."""
    path = gx_dir / "expectations" / f"{name}.json"
    if not path.is_file():
        raise DatacentricError(
            f"{path}: no expectation suite named '{name}'; create it with "
            f"`datacentric suite init` and commit it."
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatacentricError(f"{path}: not valid JSON (line {exc.lineno}).") from None


class Validator:
    """Runs one suite on named batches in an ephemeral GX context and renders Data Docs."""

    def __init__(self, suite: dict, *, docs_dir: Path | None = None) -> None:
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        for site in list(self._context.list_data_docs_sites()):
            self._context.delete_data_docs_site(site)
        self._docs_dir = docs_dir
        if docs_dir is not None:
            self._context.add_data_docs_site("reports", {
                "class_name": "SiteBuilder", "show_how_to_buttons": False,
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_dir.resolve())},
            })
        clean = {k: v for k, v in suite.items() if k != "id"}
        clean["expectations"] = [{k: v for k, v in e.items() if k != "id"}
                                 for e in suite.get("expectations", [])]
        self._suite = self._context.suites.add(gx.ExpectationSuite(**clean))
        self._source = self._context.data_sources.add_pandas("pandas")

    def validate(self, frame: pd.DataFrame, *, batch: str) -> ValidationOutcome:
        """Validate ``frame`` (which must hold ``row_id``) as the batch named ``batch``."""
        definition = self._source.add_dataframe_asset(batch).add_batch_definition_whole_dataframe(
            "whole")
        validation = self._context.validation_definitions.add(
            self._gx.ValidationDefinition(name=batch, data=definition, suite=self._suite))
        has_ids = ROW_ID in frame.columns
        result_format = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
        if has_ids:
            result_format["unexpected_index_column_names"] = [ROW_ID]
        result = validation.run(batch_parameters={"dataframe": frame},
                                result_format=result_format)
        return ValidationOutcome(batch, [_outcome(r, has_ids) for r in result.results])

    def build_docs(self) -> Path:
        """Render Data Docs for every batch validated so far; return index.html's path."""
        self._context.build_data_docs(site_names=["reports"])
        strip_remote_assets(self._docs_dir)
        return self._docs_dir / "index.html"


def _outcome(result, has_ids: bool) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    index = details.get("unexpected_index_list") or []
    ids = tuple(str(i[ROW_ID]) for i in index if isinstance(i, dict)) if has_ids else ()
    column = config.kwargs.get("column")
    if config.type == "expect_column_values_to_not_be_null" and config.kwargs.get("mostly"):
        ids = ()  # a null-rate check; missing values are imputed downstream, not quarantined
    return ExpectationOutcome(
        expectation=config.type, column=column, severity=config.severity.value,
        success=bool(result.success), unexpected_count=int(details.get("unexpected_count") or 0),
        failing_row_ids=ids, message=_message(result),
    )


def _message(result) -> str:
    info = result.exception_info or {}
    infos = [info] if "exception_message" in info else [v for v in info.values()
                                                        if isinstance(v, dict)]
    messages = [i.get("exception_message") for i in infos if i.get("exception_message")]
    if messages:
        return messages[0].splitlines()[0]
    observed = (result.result or {}).get("observed_value")
    return "" if observed is None else f"observed {observed}"


_REMOTE = re.compile(
    r"<(script|link|img)\b[^>]*\b(src|href)=\"https?://[^\"]*\"[^>]*>(\s*</script>)?",
    re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_OFFLINE_STYLE = ("<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}"
                  "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;"
                  "padding:.25rem .5rem;vertical-align:top}.collapse{display:block}</style>")


def strip_remote_assets(docs_dir: Path) -> None:
    """Make Data Docs open offline: drop every script, stylesheet and image fetched from the
    network (GX links CDNs and a tracking image) and the inline scripts that need them, and
    inline a small stylesheet instead.

    GX fills its index tables with JavaScript from a CDN, so the index also gets a plain list
    of links to every page."""
    pages = sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.html"))
    links = "".join(f'<li><a href="{html_escape(p)}">{html_escape(p)}</a></li>'
                    for p in pages if p != "index.html")
    for page in docs_dir.rglob("*.html"):
        html = _INLINE_SCRIPT.sub("", _REMOTE.sub("", page.read_text(encoding="utf-8")))
        html = html.replace("</head>", _OFFLINE_STYLE + "</head>", 1)
        if page == docs_dir / "index.html":
            html = html.replace("<body>", f"<body><h2>Pages</h2><ul>{links}</ul>", 1)
        page.write_text(html, encoding="utf-8")
