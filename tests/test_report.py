"""The report template escapes hostile values taken from the data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import ROOT

from datacentric.headtohead import curve_note
from datacentric.report import (
    LABEL_ERROR_BENCHMARK,
    curve_summary,
    drift_phrases,
    flagged_classes,
    mostly_duplicates,
    other_issues,
    render,
    review_preview,
    row_order_phrase,
    shared_phrase,
    shown_number,
    table_rows,
)

HOSTILE = "<script>alert('x')</script>"


def _context(sheet: pd.DataFrame) -> dict:
    columns, rows = review_preview(sheet)
    quarantine_columns, quarantine = table_rows(pd.DataFrame({"row_id": ["r1"],
                                                              "reasons": [HOSTILE]}))
    return {
        "generated": "now",
        "dataset": {"source": HOSTILE, "target": "y", "rows": 1, "train_rows": 1, "unlabelled": 0,
                    "test_rows": 0, "classes": 2, "flipped": 0, "hashes": [(HOSTILE, "abc")],
                    "raw_md5": "abc", "git_revision": "deadbee", "params": HOSTILE,
                    "dropped": [HOSTILE], "untested": [HOSTILE], "min_class_rows": 2,
                    "key": HOSTILE, "group": HOSTILE,
                    "columns": [{"column": HOSTILE, "role": "text", "type": "object",
                                 "distinct": 1, "missing": 0.0}]},
        "validation": {"suite": "s", "drifted": [HOSTILE], "quarantine": quarantine,
                       "quarantine_columns": quarantine_columns,
                       "splits": [{"name": "train", "expectations": 1, "failed_critical": 0,
                                   "failed_warning": 0, "rows_quarantined": 1}]},
        "audit": {"label_issues": 1, "label_issue_share": "1%", "disputed_share": "1%",
                  "no_evidence": False, "evidence_p": "0.001", "evidence_significance": 0.05,
                  "label_error_share": "1%", "label_error_interval": "0% to 2%",
                  "label_error_benchmark": HOSTILE,
                  "test_label_issues": 0, "vs_truth": None, "top_columns": columns,
                  "top_rows": rows, "other": [], "row_order": HOSTILE, "leaking": [HOSTILE],
                  "top_leak": HOSTILE,
                  "model_balanced_accuracy": "0.8", "near_perfect": False,
                  "shared": shared_phrase(0, test_rows=1, duplicates=False),
                  "sampled": True,
                  "checked_rows": 1, "audited_rows": 2,
                  "by_class": [(HOSTILE, "1%", "1%")], "whole_classes": [HOSTILE]},
        "compare": {"verdict": HOSTILE, "reference": HOSTILE,
                    "metrics": [("accuracy", "0.9")],
                    "effects": [{"label": HOSTILE, "contrast": "vs reference", "effect": "+1",
                                 "interval": "0 to 2", "p": "0.01", "real": "yes"}]},
        "curve": {"summary": "s", "note": HOSTILE}, "seeds": 2,
        "saved_model": {"accuracy": "0.8"}, "classes": [HOSTILE],
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


def test_labels_without_evidence_against_them_are_said_to_be_undisputed():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    html = " ".join(render(context).split())
    assert "these are the rows to review" in html and "No label is disputed" not in html
    context["audit"].update(no_evidence=True, evidence_p="0.412", label_issues=0)
    html = " ".join(render(context).split())
    assert "these are the rows to review" not in html
    assert ("No label is disputed.</span> The models, trained without seeing each row, give its "
            "given label no more probability than they give the same labels shuffled among the "
            "rows (permutation p-value 0.412, against 0.05)") in html


def test_no_flag_reads_as_a_sentence_not_as_zero_rows_to_review():
    """As on Ecdat's Fishing, where the models are 99% accurate and flag no row."""
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["audit"].update(label_issues=0, label_issue_share="0.0%")
    html = " ".join(render(context).split())
    assert ("No training row has a label that the models, trained without seeing it, "
            "consistently disagree with.") in html
    assert "these are the rows to review" not in html


def test_a_class_flagged_nearly_whole_is_named_with_what_it_may_mean():
    """As on modeldata's stackoverflow: the models barely predict `Remote`, and every one of
    its 431 training rows is flagged."""
    by_label = {"Not remote": {"flagged": 161, "rows": 3764},
                "Remote": {"flagged": 431, "rows": 431}, "tiny": {"flagged": 0, "rows": 0}}
    assert flagged_classes(by_label) == ["Remote (431 of 431)"]
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["audit"].update(whole_classes=flagged_classes(by_label),
                            model_balanced_accuracy="0.502")
    html = " ".join(render(context).split())
    assert ("Nearly every training row labelled Remote (431 of 431) is among them.</span> That "
            "says the models cannot tell this class apart from these columns (balanced "
            "accuracy 0.502 over all classes) at least as much as that its labels are "
            "wrong") in html
    context["audit"]["whole_classes"] = []
    assert "Nearly every training row" not in render(context)


def test_the_dataset_section_names_the_columns_left_out():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["dataset"]["dropped"] = ["share", "expenditure"]
    html = " ".join(render(context).split())
    assert ("<code>data.columns.drop</code> (kept in the prepared rows as text, never features, "
            "their expectations in the suite skipped): <code>share</code>, "
            "<code>expenditure</code>.") in html
    assert "1 row quarantined." in html
    context["dataset"]["dropped"] = []
    assert "Left out by" not in render(context)


def test_the_dataset_section_names_the_classes_kept_whole_for_training():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["dataset"]["untested"] = ["Turbo-prop", "Electric"]
    html = " ".join(render(context).split())
    assert ("No test row carries <code>Turbo-prop</code>, <code>Electric</code> (a class of at "
            "most <code>data.min_class_rows</code>, 2, rows is kept whole for training), so the "
            "test scores below cannot tell how well they are learned.") in html
    context["dataset"]["untested"] = []
    assert "kept whole for training" not in render(context)


def test_the_dataset_section_counts_the_rows_set_aside_without_a_label():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["dataset"]["unlabelled"] = 223
    html = " ".join(render(context).split())
    assert ("223 more rows have no label: set aside in <code>data/prepared/unlabelled.parquet"
            "</code>, not trained on, tested or audited") in html
    context["dataset"]["unlabelled"] = 0
    assert "no label" not in render(context)


def test_the_dataset_section_says_a_subject_s_rows_stay_together():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["dataset"]["group"] = "subject_id"
    html = " ".join(render(context).split())
    assert ("The rows that share a value of <code>subject_id</code> (one subject's rows) are "
            "all on one side of the split and in one fold of the audit") in html
    context["dataset"]["group"] = None
    assert "one subject's rows" not in render(context)


def test_near_perfect_predictions_without_a_single_leak_ask_how_columns_are_filled():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["audit"].update(leaking=[], top_leak="price, balanced accuracy 0.611",
                            model_balanced_accuracy="0.988", near_perfect=True)
    html = " ".join(render(context).split())
    assert ("no single column gives the label away</span> (most predictive: price, balanced "
            "accuracy 0.611, against 0.988 for all columns together). All columns together "
            "predict the label almost perfectly: several columns may give it away together")\
        in html
    context["audit"]["near_perfect"] = False
    assert "almost perfectly" not in render(context)


def test_a_table_of_free_text_alone_says_its_leak_check_had_no_column_to_read():
    context = _context(pd.DataFrame({"row_id": ["r1"], "decision": [""]}))
    context["audit"].update(leaking=[], top_leak=None)
    html = " ".join(render(context).split())
    assert ("Leakage: not checked: it reads one numeric, boolean, date or categorical column at "
            "a time, and every feature of this table is free text (all columns together: "
            "balanced accuracy 0.8).") in html
    assert "no single column gives the label away" not in html


def test_near_duplicates_on_most_rows_are_read_as_columns_that_cannot_tell_rows_apart():
    rows = other_issues({"outlier": 3, "near_duplicate": 1612}, checked_rows=1612)
    assert [(r["name"], r["rows"]) for r in rows] == [
        ("outlier", 3), ("near_duplicate", 1612), ("class_imbalance", 0)]
    assert rows[1]["meaning"] == (
        "rows (almost) identical to another training row: here 100% of the rows, so the "
        "columns take few distinct values together; that says they cannot tell most rows "
        "apart, not that rows were copied")
    few = other_issues({"near_duplicate": 40}, checked_rows=1612)[1]["meaning"]
    assert few == "rows (almost) identical to another training row"


def test_drift_names_each_column_and_the_planted_label_noise():
    drift = [{"column": "income", "kind": "ks", "statistic": 0.31, "drifted": True},
             {"column": "age", "kind": "ks", "statistic": 0.02, "drifted": False},
             {"column": "label", "kind": "tvd", "statistic": 0.12, "drifted": True}]
    phrases = drift_phrases(drift, target="status", flipped=120)
    assert phrases[0] == "income (ks 0.31)"
    assert phrases[1].startswith("the label status (tvd 0.12): 120 training labels were flipped")
    assert drift_phrases(drift, target="status", flipped=0)[1] == "the label status (tvd 0.12)"


def test_the_row_order_is_one_sentence_about_the_table():
    assert row_order_phrase(0.0, significance=0.05).startswith(
        "the rows' order in the file carries a pattern (Datalab's non-IID test, p < 0.001)")
    assert row_order_phrase(0.42, significance=0.05) == (
        "no pattern found (Datalab's non-IID test, p = 0.420).")
    assert row_order_phrase(None, significance=0.05).startswith("not tested")


def test_the_curve_note_speaks_only_when_curve_and_verdict_disagree():
    summary = {"data_gain_real": True, "data_gain": 0.02, "best_data_arm": "prune"}
    agreeing = {"audit_minus_random_low": 0.001, "rows_removed": 400}
    disagreeing = {"audit_minus_random_low": -0.01, "rows_removed": 400}
    assert curve_note(summary, agreeing) is None
    assert "point different ways" in curve_note(summary, disagreeing)
    assert "no data arm beats the reference" in curve_note(
        {**summary, "data_gain_real": False}, agreeing)


def test_the_curve_summary_says_what_to_do_when_the_audit_order_costs_accuracy():
    curve = {"rows_removed": 400, "gain_per_100_rows": -0.006, "gain_per_100_rows_low": -0.009,
             "gain_per_100_rows_high": -0.003, "audit_minus_random": -0.025,
             "audit_minus_random_low": -0.037, "audit_minus_random_high": -0.013}
    worse = curve_summary(curve)
    assert worse.startswith("Removing the 400 rows the audit ranks first changed accuracy by "
                            "-0.6 points per hundred rows (95% interval -0.9 to -0.3); at 400 "
                            "rows that is -2.5 points against removing 400 random rows instead "
                            "(interval -3.7 to -1.3).")
    assert "decide on them in the review sheet" in worse
    unclear = curve_summary({**curve, "audit_minus_random_high": 0.004})
    assert unclear.endswith("(interval -3.7 to +0.4).")


def test_the_benchmark_sentence_matches_the_benchmark_results():
    results = json.loads((ROOT / "bench/results/noise_estimate.json").read_text())["summary"]
    design, kept = (s["estimate"] for s in (results["design"], results["held_out"]))
    assert (
        f"{design['ratio_min']:.1f} to {design['ratio_max']:.1f} times the share flipped "
        f"(median {design['ratio_median']:.1f}) on the tables it was designed on, and "
        f"{kept['ratio_min']:.1f} to {kept['ratio_max']:.1f} times "
        f"(median {kept['ratio_median']:.1f}) on real tables kept back") == LABEL_ERROR_BENCHMARK


@pytest.mark.parametrize(("value", "shown"), [
    (2017.0, "2017"), (-3.0, "-3"), (52431.75, "52432"), (12.345, "12.3"), (0.0015132, "0.00151"),
    (1e20, "100000000000000000000"), (float("inf"), "inf")])
def test_numbers_on_the_page_read_as_in_the_file(value, shown):
    assert shown_number(value) == shown
    assert table_rows(pd.DataFrame({"x": [value]}))[1] == [[shown]]


def test_test_rows_that_copy_training_rows_are_explained_where_most_rows_are_alike():
    assert shared_phrase(12, test_rows=600, duplicates=False) == (
        "12 test rows are copies or near-copies of training rows.")
    phrase = shared_phrase(4504, test_rows=6794, duplicates=True)
    assert phrase.startswith("4504 test rows are copies or near-copies of training rows (66% of "
                             "the test rows): as among the training rows, the columns take few")
    assert mostly_duplicates({"near_duplicate": 13393}, checked_rows=20384)
    assert not mostly_duplicates({"near_duplicate": 14}, checked_rows=1934)
    assert not mostly_duplicates({}, checked_rows=0)
