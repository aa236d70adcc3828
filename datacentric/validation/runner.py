"""The one module that talks to Great Expectations: saves suites, runs a suite on a frame,
renders Data Docs, and turns GX results into our own dataclasses.

Suites live as JSON in the file-based GX project under ``gx/`` (in git). Validation runs in
an ephemeral GX context, so a pipeline run never rewrites anything under ``gx/``; its Data
Docs go to a folder the caller chooses.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from datacentric.columns import ROW_ID
from datacentric.errors import DatacentricError

if TYPE_CHECKING:
    import pyspark.sql

# Row-level expectations whose failing rows are quarantined rather than failing the table;
# not-null is row-level only without `mostly` (with it, it is a null-rate check).
QUARANTINE_TYPES = {
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_be_null",
    "expect_column_value_lengths_to_be_between",
}


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result. A failed row-level expectation names its failing rows either
    by ``failing_row_ids`` or, on Spark, by ``failing_rows_condition``: Great Expectations' own
    Spark SQL condition, true on exactly the ``unexpected_count`` failing rows."""

    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    failing_row_ids: tuple[str, ...] = ()
    message: str = ""
    failing_rows_condition: str = ""

    @property
    def quarantines(self) -> bool:
        return self.expectation in QUARANTINE_TYPES and bool(
            self.failing_row_ids or self.failing_rows_condition)

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


def write_suite(gx_dir: Path, name: str, expectations: list[dict], *, meta: dict,
                force: bool) -> Path:
    """Save a suite into the file-based GX project at ``gx_dir`` (created if absent).

    Raises
    ------
    DatacentricError
        When the suite exists and ``force`` is false, so curated suites are never overwritten.
    """
    gx = _gx()
    path = suite_path(gx_dir, name)
    if path.exists() and not force:
        raise DatacentricError(
            f"{path}: suite exists and may be curated; to draft one for another table set "
            f"validate.suite to a new name (or remove it to use the data file's name), or pass "
            f"--force to overwrite this one.")
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir.parent))
    suite = gx.ExpectationSuite(name=name, expectations=expectations,
                                meta={"generated_by": "datacentric suite", **meta})
    context.suites.add_or_update(suite)
    return path


def suite_path(gx_dir: Path, name: str) -> Path:
    return gx_dir / "expectations" / f"{name}.json"


def read_suite(gx_dir: Path, name: str) -> dict:
    """The suite JSON, checked to exist. Raises DatacentricError naming the file."""
    path = suite_path(gx_dir, name)
    if not path.is_file():
        raise DatacentricError(
            f"{path}: no expectation suite named '{name}'; the `suite` stage drafts it "
            f"(`dvc repro suite`), or `datacentric suite init` does.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatacentricError(f"{path}: not valid JSON (line {exc.lineno}).") from None


class Validator:
    """Runs one suite on named batches in an ephemeral GX context and renders Data Docs.

    ``engine`` is the kind of frame it validates: ``"pandas"`` or ``"spark"`` (Great
    Expectations' Spark datasource; the frames stay on the cluster)."""

    def __init__(self, suite: dict, *, docs_dir: Path | None = None,
                 engine: str = "pandas") -> None:
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
        clean = {k: v for k, v in suite.items() if k not in ("id", "expectations")}
        self._suite = self._context.suites.add(
            gx.ExpectationSuite(**clean, expectations=_expectations(
                for_spark(suite) if engine == "spark" else suite)))
        self._spark = engine == "spark"
        sources = self._context.data_sources
        self._source = sources.add_spark("spark") if self._spark else sources.add_pandas("pandas")

    def validate(self, frame: pd.DataFrame | pyspark.sql.DataFrame, *, batch: str
                 ) -> ValidationOutcome:
        """Validate ``frame`` (a pandas or Spark DataFrame, as the engine says, holding
        ``row_id``) as the batch named ``batch``.

        Two passes of Great Expectations: the whole suite in the BASIC result format (the one
        stored for the Data Docs: counts, observed values and a sample of failing values),
        then only the expectations that failed in the COMPLETE format, whose per-row lists
        name the failing rows. COMPLETE costs most where nothing fails (it materialises every
        row list of every expectation: 86× plain pandas at 200,000 rows, against 16× for
        SUMMARY), and most expectations pass; SUMMARY would add, for every expectation, one
        more pass over the rows for the failing rows' index list. On Spark the
        BASIC pass also returns each expectation's condition on the failing rows, which
        Spark evaluates where the rows are (``failing_rows_condition``); only a failed
        expectation without one is rerun in COMPLETE, whose ids come to the driver. The
        COMPLETE pass reads only ``row_id`` and the columns the failed expectations read
        (:func:`_narrowed`): on pandas Great Expectations copies the whole frame for each
        row-level expectation, so the columns it does not need cost it most of that pass."""
        definition = self._source.add_dataframe_asset(batch).add_batch_definition_whole_dataframe(
            "whole")
        validation = self._context.validation_definitions.add(
            self._gx.ValidationDefinition(name=batch, data=definition, suite=self._suite))
        has_ids = ROW_ID in frame.columns
        complete = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
        if has_ids:
            complete["unexpected_index_column_names"] = [ROW_ID]
        try:
            overview = validation.run(batch_parameters={"dataframe": frame}, result_format={
                "result_format": "BASIC", "return_unexpected_index_query": self._spark})
            conditions = {r.expectation_config.id: condition for r in overview.results
                          if not r.success and has_ids
                          and (condition := _spark_condition(r) if self._spark else "")}
            failed_ids = {r.expectation_config.id for r in overview.results
                          if not r.success} - conditions.keys()
            detailed = {}
            if failed_ids:  # Batch.validate keeps this pass out of the Data Docs' store
                chosen = [e for e in self._suite.expectations if e.id in failed_ids]
                failures = self._gx.ExpectationSuite(
                    name=f"{batch} failures", expectations=[copy.copy(e) for e in chosen])
                for again, original in zip(failures.expectations, chosen, strict=True):
                    again.id = original.id  # GX returns results in its own order
                rerun = definition.get_batch(batch_parameters={
                    "dataframe": _narrowed(frame, chosen)}).validate(failures,
                                                                     result_format=complete)
                detailed = {r.expectation_config.id: r for r in rerun.results}
        except Exception as exc:  # GX's own failure, not an expectation's: say so, in one line
            raise DatacentricError(
                f"{batch}: Great Expectations could not run the suite ({type(exc).__name__}); "
                f"check the suite's JSON against the table's columns.") from None
        return ValidationOutcome(batch, [
            _outcome(detailed.get(r.expectation_config.id, r), has_ids,
                     condition=conditions.get(r.expectation_config.id, ""))
            for r in overview.results])

    def build_docs(self) -> Path:
        """Render Data Docs for every batch validated so far; return index.html's path."""
        self._context.build_data_docs(site_names=["reports"])
        strip_remote_assets(self._docs_dir)
        return self._docs_dir / "index.html"


def _columns_read(expectation) -> set[str] | None:
    """The columns one expectation reads, or None where it reads the whole table (a table-level
    expectation, one with a row condition, or a kind this does not know)."""
    from great_expectations.expectations import expectation as kinds

    kwargs = expectation.configuration.kwargs
    if kwargs.get("row_condition"):
        return None
    if isinstance(expectation, kinds.ColumnMapExpectation | kinds.ColumnAggregateExpectation):
        return {kwargs["column"]}
    if isinstance(expectation, kinds.ColumnPairMapExpectation):
        return {kwargs["column_A"], kwargs["column_B"]}
    if isinstance(expectation, kinds.MulticolumnMapExpectation):
        return set(kwargs["column_list"])
    return None


def _narrowed(frame: pd.DataFrame | pyspark.sql.DataFrame, expectations: list
              ) -> pd.DataFrame | pyspark.sql.DataFrame:
    """``frame`` cut to ``row_id`` and the columns ``expectations`` read, in the frame's order;
    the whole frame where one of them reads the whole table or a column it does not have (Great
    Expectations then reports that column as it would)."""
    wanted = {ROW_ID}
    for expectation in expectations:
        columns = _columns_read(expectation)
        if columns is None or not columns <= set(frame.columns):
            return frame
        wanted |= columns
    kept = [c for c in frame.columns if c in wanted]
    return frame[kept] if isinstance(frame, pd.DataFrame) else frame.select(*kept)


# Spark's names for the pandas types a suite names, so one suite serves both engines
SPARK_TYPES = {
    "str": "StringType", "string": "StringType", "object": "StringType",
    "float64": "DoubleType", "float32": "FloatType", "Float64": "DoubleType",
    "int64": "LongType", "Int64": "LongType", "int32": "IntegerType", "Int32": "IntegerType",
    "bool": "BooleanType", "boolean": "BooleanType", "BooleanDtype": "BooleanType",
    **dict.fromkeys(["datetime64", "datetime64[ns]", "datetime64[us]", "datetime64[ms]",
                     "datetime64[s]"], "TimestampNTZType"),
}
TYPE_CHECKS = ("expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list")


def for_spark(suite: dict) -> dict:
    """``suite`` with each pandas type name in its type checks also given by its Spark name
    (:data:`SPARK_TYPES`): ``of_type`` takes the Spark name, ``in_type_list`` gains it. Other
    names, Spark's own included, are kept as they are."""
    def spark_names(names: list[str]) -> list[str]:
        return list(dict.fromkeys([*names, *(SPARK_TYPES[n] for n in names
                                             if n in SPARK_TYPES)]))

    expectations = []
    for config in suite.get("expectations", []):
        kwargs = dict(config.get("kwargs", {}))
        if config.get("type") == TYPE_CHECKS[0] and kwargs.get("type_") in SPARK_TYPES:
            kwargs["type_"] = SPARK_TYPES[kwargs["type_"]]
        elif config.get("type") == TYPE_CHECKS[1] and isinstance(kwargs.get("type_list"), list):
            kwargs["type_list"] = spark_names(kwargs["type_list"])
        expectations.append({**config, "kwargs": kwargs})
    return {**suite, "expectations": expectations}


def _expectations(suite: dict) -> list:
    """GX expectation objects of a suite's JSON.

    Raises
    ------
    DatacentricError
        Naming the first expectation GX cannot build (it would otherwise log and skip it).
    """
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    built = []
    for number, config in enumerate(suite.get("expectations", []), start=1):
        try:
            built.append(ExpectationConfiguration(
                **{k: v for k, v in config.items() if k != "id"}).to_domain_obj())
        except Exception as exc:  # unknown type, bad arguments: GX raises many kinds
            raise DatacentricError(
                f"suite '{suite.get('name')}': expectation {number} "
                f"({config.get('type')}) cannot be read by Great Expectations "
                f"({type(exc).__name__}); fix it in the suite's JSON or redraft the suite with "
                f"`datacentric suite init --force`.") from None
    return built


_SPARK_QUERY = re.compile(r"df\.filter\(F\.expr\((.+)\)\)", re.DOTALL)


def _spark_condition(result) -> str:
    """The Spark SQL condition of a row-level expectation's ``unexpected_index_query``
    (``df.filter(F.expr('<condition>'))``), or "" when it has none in that form."""
    if result.expectation_config.type not in QUARANTINE_TYPES:
        return ""
    query = (result.result or {}).get("unexpected_index_query")
    found = _SPARK_QUERY.fullmatch(query) if isinstance(query, str) else None
    if found is None:
        return ""
    try:
        condition = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return ""
    return condition if isinstance(condition, str) else ""


def _outcome(result, has_ids: bool, *, condition: str = "") -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    index = details.get("unexpected_index_list") or []
    ids = tuple(str(i[ROW_ID]) for i in index if isinstance(i, dict)) if has_ids else ()
    column = config.kwargs.get("column")
    if config.type == "expect_column_values_to_not_be_null" and \
            config.kwargs.get("mostly") is not None:
        # a null-rate check; missing values are imputed downstream, not quarantined
        ids, condition = (), ""
    return ExpectationOutcome(
        expectation=config.type, column=column, severity=config.severity.value,
        success=bool(result.success), unexpected_count=int(details.get("unexpected_count") or 0),
        failing_row_ids=ids, message=_message(result), failing_rows_condition=condition,
    )


_MISSING_COLUMN = re.compile(r'column "(.+?)" in BatchData does not exist', re.IGNORECASE)


def _message(result) -> str:
    """One phrase on why an expectation failed, in our words: GX's internal errors are named
    by what they mean (a missing column) or pointed to the Data Docs, never shown raw."""
    info = result.exception_info or {}
    infos = [info] if "exception_message" in info else [v for v in info.values()
                                                        if isinstance(v, dict)]
    messages = [i.get("exception_message") for i in infos if i.get("exception_message")]
    if messages:
        missing = _MISSING_COLUMN.search(messages[0])
        return (f"column '{missing.group(1)}' is missing" if missing
                else "Great Expectations could not evaluate it; see the Data Docs")
    details = result.result or {}
    mismatched = (details.get("details") or {}).get("mismatched")
    if mismatched:
        parts = [f"{kind} columns " + ", ".join(f"'{c}'" for c in mismatched[kind])
                 for kind in ("missing", "unexpected") if mismatched.get(kind)]
        return "; ".join(parts)
    if result.expectation_config.type == "expect_column_values_to_be_unique":
        repeated = sorted({str(v) for v in details.get("partial_unexpected_list") or []})
        if repeated:
            return "repeated values " + ", ".join(f"'{v}'" for v in repeated[:5]) + (
                " …" if len(repeated) > 5 else "")
    observed = details.get("observed_value")
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
