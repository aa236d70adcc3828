"""Where each stage reads and writes, relative to the project root; dvc.yaml uses the same."""

from pathlib import Path

# The built-in table has a folder of its own, so a user's file in data/raw/ never collides.
DEFAULT_RAW = Path("data/builtin/credit_data.csv")

PREPARED = Path("data/prepared")
PREPARED_TRAIN = PREPARED / "train.parquet"
PREPARED_TEST = PREPARED / "test.parquet"
LABEL_TRUTH = PREPARED / "label_truth.parquet"
COLUMN_ROLES = PREPARED / "columns.json"
UNLABELLED = PREPARED / "unlabelled.parquet"

VALIDATED = Path("data/validated")
VALIDATED_TRAIN = VALIDATED / "train.parquet"
VALIDATED_TEST = VALIDATED / "test.parquet"
QUARANTINE = VALIDATED / "quarantine.parquet"
GX_DIR = Path("gx")

AUDIT = Path("data/audit")
LABEL_ISSUES = AUDIT / "label_issues.parquet"
PRED_PROBS = AUDIT / "pred_probs.parquet"
REVIEW_SHEET = Path("reports/review_sheet.csv")
NOISE_MATRIX = Path("reports/noise_matrix.json")
LEAKAGE = Path("reports/leakage.json")

DECISIONS = Path("data/review/decisions.csv")
CLEAN = Path("data/clean")

RESULTS = Path("results")
CELLS = RESULTS / "cells"
COMPARISON = RESULTS / "comparison.json"
EFFECTS = RESULTS / "effects.csv"
CURVE = RESULTS / "cleaning_curve.csv"


def arm_dir(data_arm: str, model_arm: str) -> Path:
    """A cell's output folder: one subfolder per seed."""
    return CELLS / f"{data_arm}__{model_arm}"


def cell_dir(data_arm: str, model_arm: str, seed: int) -> Path:
    return arm_dir(data_arm, model_arm) / f"seed_{seed}"


FEATURES = Path("data/features")
FEATURES_TRAIN = FEATURES / "train.parquet"
FEATURES_TEST = FEATURES / "test.parquet"
FEATURIZER = Path("models/featurizer.skops")

MODEL_DIR = Path("models/classifier")
PREDICTIONS = Path("data/predictions/test.parquet")

METRICS = Path("metrics")
REPORTS = Path("reports")
TRAIN_LIVE = REPORTS / "train"
EVALUATE_PLOTS = REPORTS / "evaluate"
DATA_DOCS = REPORTS / "data_docs"
BATCH_DOCS = REPORTS / "batch_data_docs"
FAILED_DATA_DOCS = REPORTS / "failed_data_docs"
DRIFT = REPORTS / "drift.json"

# The stage that writes each input a later stage reads, for "run that stage first" messages.
WRITTEN_BY = {
    **dict.fromkeys([PREPARED_TRAIN, PREPARED_TEST, LABEL_TRUTH, COLUMN_ROLES, UNLABELLED],
                    "ingest"),
    **dict.fromkeys([VALIDATED_TRAIN, VALIDATED_TEST, QUARANTINE, DRIFT], "validate"),
    **dict.fromkeys([LABEL_ISSUES, PRED_PROBS, REVIEW_SHEET, NOISE_MATRIX, LEAKAGE], "audit"),
    **dict.fromkeys([FEATURES_TRAIN, FEATURES_TEST, FEATURIZER], "featurize"),
    CLEAN: "clean", CELLS: "cell", MODEL_DIR: "train", PREDICTIONS: "evaluate",
    COMPARISON: "compare", EFFECTS: "compare", CURVE: "curve",
}
