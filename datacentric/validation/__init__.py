"""Validation with Great Expectations: starter suites drafted by column role (``starter``) and
the one place that runs GX and turns its results into our own dataclasses (``runner``)."""

from datacentric.validation.runner import (
    QUARANTINE_TYPES,
    ExpectationOutcome,
    ValidationOutcome,
    Validator,
    for_spark,
    read_suite,
    strip_remote_assets,
    suite_path,
    write_suite,
)
from datacentric.validation.starter import (
    ROW_ID_PATTERN,
    check_suite_fits,
    drafted_for,
    key_pattern,
    range_margin_for,
    role_changes,
    starter_expectations,
    suite_meta,
    without_columns,
)

__all__ = ["QUARANTINE_TYPES", "ROW_ID_PATTERN", "ExpectationOutcome", "ValidationOutcome",
           "Validator", "check_suite_fits", "drafted_for", "for_spark", "key_pattern",
           "range_margin_for", "read_suite", "role_changes", "starter_expectations",
           "strip_remote_assets", "suite_meta", "suite_path", "without_columns", "write_suite"]
