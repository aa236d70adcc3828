"""The Spark engine as users run it: `dvc repro` of the Spark pipeline in a temporary
repository, and the settings it starts from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pandas as pd
import pytest
from helpers import commit_all, make_project, run, set_params
from spark_tables import SPARK, messy_table

from datacentric import paths
from datacentric.params import SparkParams
from datacentric.spark.session import DEFAULT_CONF, _start_archive_writer, session_conf

pyspark = pytest.importorskip("pyspark")


def test_spark_params_default_to_local():
    assert SparkParams().master == "local[*]" and SparkParams().sample_rows == 100_000


@pytest.mark.slow
def test_dvc_repro_runs_the_spark_stages_and_then_has_nothing_to_do(tmp_path):
    project = make_project(tmp_path)
    (project / "data" / "raw").mkdir(parents=True, exist_ok=True)
    messy_table(3000).to_csv(project / "data" / "raw" / "table.csv", index=False)
    run(["dvc", "add", "-q", "data/raw/table.csv"], project)
    set_params(project, {"data": {"source": "data/raw/table.csv", "target": "status"},
                         "validate": {"suite": "table"},
                         "audit": {"passes": 1, "models": ["logreg"]},
                         # logreg cells read Spark's Parquet with pandas; the xgb and torch
                         # cells on Spark are tested stage by stage in test_spark_engine
                         "compare": {"data_arms": ["raw", "prune"], "model_arms": ["logreg"],
                                     "seeds": [0]},
                         "compute": {"engine": "spark", "spark": SPARK}})
    commit_all(project, "a table on the Spark engine")
    run(["dvc", "repro", "compare"], project)
    for path in (paths.PREPARED_TRAIN, paths.VALIDATED_TRAIN, paths.CLEAN / "prune.parquet"):
        assert (project / path).is_dir()  # written by Spark
    issues = pd.read_parquet(project / paths.LABEL_ISSUES)
    assert len(issues) == sum(len(pd.read_parquet(project / p))
                              for p in (paths.VALIDATED_TRAIN, paths.VALIDATED_TEST))
    comparison = json.loads((project / paths.COMPARISON).read_text())
    assert set(comparison["cells"]) == {"raw__logreg", "prune__logreg"}
    commit_all(project, "ingested, validated, audited and compared")
    output = run(["dvc", "repro", "compare"], project).stdout
    assert "Running stage" not in output
    assert run(["git", "status", "--porcelain"], project).stdout == ""


def test_python_dash_c_still_runs_with_pyspark_installed():
    """pyspark, imported by Great Expectations, exits a `python -c` process early unless its
    connect dependencies are installed (the spark extra brings them)."""
    done = subprocess.run([sys.executable, "-c", "import great_expectations; print('ran')"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ran"


def test_sessions_map_the_class_archive_once_it_exists(tmp_path):
    archive = tmp_path / "classes.jsa"
    own = {"spark.driver.extraJavaOptions": "-Xss4m"}
    assert session_conf(SparkParams(conf=own), archive) == {**DEFAULT_CONF, **own}
    archive.write_bytes(b"classes")
    options = session_conf(SparkParams(conf=own), archive)["spark.driver.extraJavaOptions"]
    assert options.startswith(f"-Xss4m -XX:SharedArchiveFile={archive} ")
    assert session_conf(SparkParams(conf=own, class_archive=False), archive) == {
        **DEFAULT_CONF, **own}


def test_an_archive_writer_at_work_is_left_alone_and_a_dead_ones_claim_taken_over(
        tmp_path, monkeypatch):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    started = []
    monkeypatch.setattr(subprocess, "Popen",
                        lambda *a, **k: started.append(a) or SimpleNamespace(pid=4242))
    archive = tmp_path / "cache" / "classes.jsa"
    claim = archive.with_suffix(".writing")
    claim.parent.mkdir()
    claim.write_text(str(os.getpid()))  # a live writer
    _start_archive_writer(SparkParams(), archive)
    claim.write_text("")  # a claim a moment old, its writer's id not yet written
    _start_archive_writer(SparkParams(), archive)
    assert started == [] and claim.exists()
    claim.write_text(ended)  # a writer that was killed
    _start_archive_writer(SparkParams(), archive)
    assert len(started) == 1 and claim.read_text() == "4242"


@pytest.mark.slow
def test_the_first_session_has_the_class_archive_written_for_later_ones(tmp_path):
    session = ("import json, sys\n"
               "from datacentric.params import SparkParams\n"
               "from datacentric.spark.session import spark_session\n"
               "spark = spark_session(SparkParams(**json.loads(sys.argv[1])))\n"
               "assert spark.range(5).count() == 5\n"
               "print(list(spark._jvm.java.lang.management.ManagementFactory"
               ".getRuntimeMXBean().getInputArguments()))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def start() -> str:
        return subprocess.run([sys.executable, "-c", session, json.dumps(SPARK)],
                              capture_output=True, text=True, env=env, check=True).stdout

    assert "SharedArchiveFile" not in start()
    folder = tmp_path / "datacentric"
    deadline = time.monotonic() + 180
    while {p.suffix for p in folder.iterdir()} != {".jsa"}:  # the writer's claim and part gone
        assert time.monotonic() < deadline, list(folder.iterdir())
        time.sleep(1)
    archive = next(folder.iterdir())
    assert archive.stat().st_size > 10_000_000
    options = start()
    assert f"-XX:SharedArchiveFile={archive}" in options
    assert "-XX:TieredStopAtLevel=1" in options  # the options of SPARK's conf kept beside it
