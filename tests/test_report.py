"""The report template escapes hostile values taken from the data."""

from __future__ import annotations

import pandas as pd

from datacentric.report import render, review_preview, table_rows

HOSTILE = "<script>alert('x')</script>"


def _context(sheet: pd.DataFrame) -> dict:
    columns, rows = review_preview(sheet)
    quarantine_columns, quarantine = table_rows(pd.DataFrame({"row_id": ["r1"],
                                                              "reasons": [HOSTILE]}))
    return {
        "generated": "now",
        "dataset": {"source": HOSTILE, "target": "y", "rows": 1, "train_rows": 1,
                    "test_rows": 0, "classes": 2, "flipped": 0, "hashes": [(HOSTILE, "abc")],
                    "raw_md5": "abc", "git_revision": "deadbee", "params": HOSTILE,
                    "key": HOSTILE, "columns": [{"column": HOSTILE, "role": "text",
                                                 "type": "object", "distinct": 1,
                                                 "missing": 0.0}]},
        "validation": {"suite": "s", "drifted": [HOSTILE], "quarantine": quarantine,
                       "quarantine_columns": quarantine_columns,
                       "splits": [{"name": "train", "expectations": 1, "failed_critical": 0,
                                   "failed_warning": 0, "rows_quarantined": 1}]},
        "audit": {"label_issues": 1, "label_issue_share": "1%", "noise_rate": "1%",
                  "test_label_issues": 0, "vs_truth": None, "top_columns": columns,
                  "top_rows": rows, "other": [], "leaking": [], "top_leak": HOSTILE,
                  "shared": 0, "noise_by_class": [(HOSTILE, "1%")]},
        "compare": {"verdict": HOSTILE, "effects": []}, "curve": {"summary": "s"},
        "model": {"metrics": [("accuracy", "0.9")]}, "classes": [HOSTILE],
        "figures": {name: "<svg></svg>" for name in
                    ("noise_matrix", "forest", "per_seed", "curve", "confusion")},
    }


def test_hostile_cells_are_escaped_and_formulas_neutralised():
    sheet = pd.DataFrame({"row_id": ["r1"], "given_label": [HOSTILE],
                          "note": ["=HYPERLINK(\"http://evil\")"], "decision": [""]})
    html = render(_context(sheet))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&#39;=HYPERLINK(&#34;http://evil&#34;)" in html
    assert "<svg></svg>" in html  # figures are trusted, server-side renderings
