"""Column and file-name constants shared by every stage (one place, one spelling)."""

ROW_ID = "row_id"
LABEL = "label"
TRUE_LABEL = "true_label"
IS_FLIPPED = "is_flipped"
WEIGHT = "sample_weight"
