"""Typed view of ``params.yaml``: every section is a frozen pydantic model.

Unknown keys, wrong types and out-of-range values are refused before any stage does work,
with the dotted path of the offending key.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Annotated, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from datacentric.cleaning import STEPS
from datacentric.errors import DatacentricError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseParams(_Section):
    seed: int = Field(0, ge=0)


class LabelNoiseParams(_Section):
    rate: float = Field(0.0, ge=0.0, lt=1.0)
    model: Literal["symmetric", "class_conditional"] = "symmetric"


class ColumnsParams(_Section):
    """Roles forced on named columns, overriding what ingest infers; ``id`` is the key,
    ``group`` an id whose rows of one value stay on one side of the split."""

    id: str | None = None
    group: str | None = None
    drop: list[str] = []
    numeric: list[str] = []
    boolean: list[str] = []
    categorical: list[str] = []
    text: list[str] = []
    date: list[str] = []
    datetime: list[str] = []
    constant: list[str] = []

    @model_validator(mode="after")
    def _one_role_each(self) -> ColumnsParams:
        seen: dict[str, str] = {}
        for role, names in self.model_dump().items():
            for name in [names] if isinstance(names, str) else names or []:
                if name in seen:
                    raise ValueError(f"column '{name}' is given two roles, {seen[name]} and "
                                     f"{role}")
                seen[name] = role
        return self

    def overrides(self) -> dict[str, list[str]]:
        """Role → columns, for :func:`datacentric.roles.infer_roles`."""
        return {role: [names] if isinstance(names, str) else names
                for role, names in self.model_dump().items() if names}


class CsvParams(_Section):
    """How to read a CSV source; ``null`` detects each from the file."""

    delimiter: str | None = Field(None, min_length=1, max_length=1)
    encoding: str | None = None
    decimal: Literal[".", ","] | None = None
    thousands: Literal[",", ".", " ", "'"] | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str | None) -> str | None:
        if encoding is not None:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ValueError(f"unknown text encoding '{encoding}'") from None
        return encoding


class DataParams(_Section):
    source: str = "data/builtin/credit_data.csv"
    target: str = "Status"
    test_size: float = Field(0.25, gt=0.0, lt=1.0)
    min_class_rows: int = Field(2, ge=1)
    columns: ColumnsParams = ColumnsParams()
    csv: CsvParams = CsvParams()
    label_noise: LabelNoiseParams = LabelNoiseParams()


class ValidateParams(_Section):
    suite: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    value_set_max_levels: int = Field(50, ge=1)
    max_quarantine_fraction: float = Field(0.05, ge=0, le=1)
    drift_threshold: float = Field(0.1, gt=0, le=1)
    range_margin: float = Field(0.1, ge=0)
    range_false_alarm: float = Field(0.01, ge=0, le=1)
    null_margin: float = Field(0.05, ge=0, le=1)


AuditModel = Literal["hgb", "logreg", "knn", "rf", "et", "svc", "mlp"]


class AuditParams(_Section):
    models: list[AuditModel] = Field(["hgb", "logreg"], min_length=1)
    folds: int = Field(5, ge=2)
    repeats: int = Field(1, ge=1)
    passes: int = Field(3, ge=1)
    leakage_margin: float = Field(0.01, ge=0, lt=0.5)
    acknowledged_leaks: list[str] = []
    shared_distance_fraction: float = Field(0.05, ge=0)
    exact_search_rows: int = Field(20_000, ge=1)
    tree_sample_rows: int = Field(100_000, ge=1)
    fit_rows: int | None = Field(100_000, ge=10)


class CleanParams(_Section):
    max_prune_fraction: float = Field(0.1, ge=0, le=1)
    min_per_class: int = Field(10, ge=0)
    relabel_confidence: float = Field(0.8, ge=0, le=1)
    weight_floor: float = Field(0.1, gt=0, le=1)


class FeaturizeParams(_Section):
    min_category_frequency: int = Field(10, ge=1)
    text_features: int = Field(16, ge=0)


class LogregParams(_Section):
    C: float = Field(1.0, gt=0)
    max_iter: int = Field(1000, ge=1)


class HgbParams(_Section):
    learning_rate: float = Field(0.1, gt=0)
    max_iter: int = Field(200, ge=1)
    max_leaf_nodes: int = Field(31, ge=2)
    l2_regularization: float = Field(1.0, ge=0)


class XgbParams(_Section):
    n_estimators: int = Field(200, ge=1)
    learning_rate: float = Field(0.1, gt=0)
    max_depth: int = Field(6, ge=1)
    reg_lambda: float = Field(1.0, ge=0)


class TorchParams(_Section):
    hidden_size: int = Field(128, ge=1)
    n_blocks: int = Field(2, ge=1)
    dropout: float = Field(0.1, ge=0, lt=1)
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(1e-5, ge=0)
    batch_size: int = Field(256, ge=1)
    max_epochs: int = Field(100, ge=1)
    patience: int = Field(10, ge=1)
    validation_fraction: float = Field(0.15, gt=0, lt=1)
    device: Literal["auto", "cuda", "cpu"] = "auto"
    precision: Literal["auto", "fp32"] = "auto"
    cuda_graph: bool = True


class LaunchParams(_Section):
    """How many processes train a torch model: ``processes_per_node`` × ``nodes`` under
    ``torchrun`` (DDP), meeting at ``rendezvous`` (``host:port``) when ``nodes`` > 1."""

    processes_per_node: int = Field(1, ge=1)
    nodes: int = Field(1, ge=1)
    rendezvous: str | None = None

    @model_validator(mode="after")
    def _rendezvous_for_nodes(self) -> LaunchParams:
        if self.nodes > 1 and not self.rendezvous:
            raise ValueError("nodes > 1 needs rendezvous: 'host:port' of the first node")
        return self


ModelName = Literal["logreg", "hgb", "mlp", "resnet"]
TORCH_MODELS = ("mlp", "resnet")
TUNED_ARMS = ("tuned", "tuned_mlp")  # Optuna searches over hgb and over the torch MLP
XGB_ARM = "xgb"  # XGBoost: a head-to-head arm only (the train stage saves scikit-learn models)


class TrainParams(_Section):
    model: ModelName = "hgb"
    logreg: LogregParams = LogregParams()
    hgb: HgbParams = HgbParams()
    xgb: XgbParams = XgbParams()
    torch: TorchParams = TorchParams()
    launch: LaunchParams = LaunchParams()


class CompareParams(_Section):
    data_arms: list[str] = Field(["raw", "prune", "relabel", "reweight"], min_length=1)
    model_arms: list[str] = Field(["hgb", "mlp", "tuned"], min_length=1)
    seeds: list[Annotated[int, Field(ge=0)]] = Field([0, 1, 2, 3, 4], min_length=1)
    metric: Literal["accuracy"] = "accuracy"
    tune_trials: int = Field(15, ge=1)
    tune_workers: int = Field(1, ge=1)
    seed_workers: int | None = Field(None, ge=1)
    bootstrap: int = Field(2000, ge=100)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    curve_sizes: list[Annotated[int, Field(ge=0)]] = Field([0, 100, 200, 400], min_length=2)
    selection_fraction: float = Field(0.2, gt=0, lt=0.5)
    head_to_head: list[str] = []

    @model_validator(mode="after")
    def _listed_pairs(self) -> CompareParams:
        for pair, (data_arm, model_arm) in zip(self.head_to_head, self.pairs, strict=True):
            if data_arm not in self.data_arms or model_arm not in self.model_arms:
                raise ValueError(f"head_to_head entry '{pair}' must read '<data arm> vs <model "
                                 f"arm>' with arms from data_arms and model_arms")
        return self

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The ``head_to_head`` entries as (data arm, model arm)."""
        return [tuple(part.strip() for part in pair.partition(" vs ")[::2])
                for pair in self.head_to_head]

    @field_validator("data_arms")
    @classmethod
    def _known_steps(cls, arms: list[str]) -> list[str]:
        steps = set(STEPS)
        for arm in arms:
            parts = arm.split("+")
            if arm != "raw" and not set(parts) <= steps:
                raise ValueError(f"data arm '{arm}' must be raw or steps from "
                                 f"{sorted(steps)} joined by +")
        if "raw" not in arms:
            raise ValueError("the reference data arm 'raw' must be listed")
        return arms

    @field_validator("model_arms")
    @classmethod
    def _known_models(cls, arms: list[str]) -> list[str]:
        allowed = (*get_args(ModelName), *TUNED_ARMS, XGB_ARM)
        for arm in arms:
            if arm not in allowed:
                raise ValueError(f"model arm '{arm}' is not one of {', '.join(allowed)}")
        return arms


class SparkParams(_Section):
    master: str = "local[*]"
    conf: dict[str, str] = {}
    sample_rows: int = Field(100_000, ge=100)
    class_archive: bool = True


class ComputeParams(_Section):
    engine: Literal["pandas", "spark"] = "pandas"
    spark: SparkParams = SparkParams()


class Params(_Section):
    base: BaseParams = BaseParams()
    compute: ComputeParams = ComputeParams()
    data: DataParams = DataParams()
    # "validate" would shadow pydantic's BaseModel.validate; the YAML key stays `validate`.
    validation: ValidateParams = Field(ValidateParams(), alias="validate")
    audit: AuditParams = AuditParams()
    clean: CleanParams = CleanParams()
    featurize: FeaturizeParams = FeaturizeParams()
    train: TrainParams = TrainParams()
    compare: CompareParams = CompareParams()


def suite_name(params: Params) -> str:
    """The expectation suite's name: ``validate.suite``, or else the data source's file name
    (``data/raw/loans.csv`` → ``loans``), so each table gets a suite of its own."""
    if params.validation.suite:
        return params.validation.suite
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(params.data.source).stem).strip("._") or "data"


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    return f"key '{key}': {error['msg']} (got {error.get('input')!r})"


def parse_params(raw: dict, *, source: str = "params.yaml") -> Params:
    """Validate a params mapping.

    Raises
    ------
    DatacentricError
        Naming the first offending key's dotted path and what was expected.
    """
    try:
        return Params.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DatacentricError(f"{source}: {_describe(first)}.") from None


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate ``params.yaml``; a missing or malformed file is a DatacentricError."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatacentricError(f"{path}: params file not found.") from None
    except yaml.YAMLError as exc:
        raise DatacentricError(f"{path}: not valid YAML ({exc.__class__.__name__}).") from None
    if raw is not None and not isinstance(raw, dict):
        raise DatacentricError(f"{path}: expected a mapping of sections at the top level.")
    return parse_params(raw, source=str(path))
