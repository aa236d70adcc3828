"""The Spark session a stage runs on, built from the ``compute.spark`` params."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from datacentric.errors import DatacentricError
from datacentric.params import SparkParams

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# every timestamp is naive UTC on both engines; Arrow moves the partitions to pandas
DEFAULT_CONF = {"spark.sql.session.timeZone": "UTC",
                "spark.sql.execution.arrow.pyspark.enabled": "true",
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false"}
JAVA_OPTIONS = "spark.driver.extraJavaOptions"
ARCHIVE_WRITER = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
                  "from datacentric.params import SparkParams; "
                  "from datacentric.spark.session import write_class_archive; "
                  "write_class_archive(SparkParams.model_validate_json(sys.argv[2]), "
                  "Path(sys.argv[3]))")


def spark_session(spark: SparkParams) -> SparkSession:
    """A session on ``spark.master`` with ``spark.conf`` over :data:`DEFAULT_CONF`; Python
    workers run this interpreter unless ``PYSPARK_PYTHON`` says otherwise. With
    ``spark.class_archive`` on and no archive yet (:func:`class_archive`), a process of its
    own writes one for the sessions after this one.

    Raises
    ------
    DatacentricError
        When pyspark is not installed or no Java runtime is found.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DatacentricError("params.yaml: compute.engine is spark, but pyspark is not "
                               "installed; pip install 'datacentric[spark]'.") from None
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise DatacentricError("params.yaml: compute.engine is spark, but no Java runtime was "
                               "found; install one (Debian: apt-get install "
                               "default-jre-headless) or set JAVA_HOME.")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    archive = class_archive()
    session = _built(SparkSession.builder.master(spark.master).appName("datacentric"),
                     session_conf(spark, archive))
    session.sparkContext.setLogLevel("ERROR")
    if spark.class_archive and not archive.exists():
        _start_archive_writer(spark, archive)
    return session


def session_conf(spark: SparkParams, archive: Path) -> dict[str, str]:
    """The session's settings: ``spark.conf`` over :data:`DEFAULT_CONF`, and, when
    ``spark.class_archive`` is on and ``archive`` exists, the driver JVM told to map its
    classes from it."""
    conf = {**DEFAULT_CONF, **spark.conf}
    # Starting the driver JVM is mostly loading Spark's classes; mapped from an archive it
    # takes about 0.6 of the time and CPU (bench/spark_start.py).
    if spark.class_archive and archive.exists():
        return _with_class_option(conf, f"-XX:SharedArchiveFile={archive}")
    return conf


def _with_class_option(conf: dict[str, str], option: str) -> dict[str, str]:
    """``conf`` with ``option`` after the driver JVM's own options, its CDS logging off."""
    return {**conf, JAVA_OPTIONS: f"{conf.get(JAVA_OPTIONS, '')} {option} -Xlog:cds=off".strip()}


def _built(builder, conf: dict[str, str]) -> SparkSession:
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def class_archive() -> Path:
    """Where the driver JVM's class archive for this Java runtime and pyspark lives:
    ``$XDG_CACHE_HOME/datacentric`` (``~/.cache/datacentric``), 150-200 MB."""
    import pyspark

    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get(
        "JAVA_HOME") else shutil.which("java") or "java"
    key = hashlib.sha256(f"{os.path.realpath(java)}|{pyspark.__file__}|{pyspark.__version__}"
                         .encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "datacentric" / f"spark-classes-{key}.jsa"


def _start_archive_writer(spark: SparkParams, archive: Path) -> None:
    """Start :func:`write_class_archive` in a detached process, unless another one is at it
    (its id in ``<archive>.writing``, the claim made atomically)."""
    claim = archive.with_suffix(".writing")
    claim.parent.mkdir(parents=True, exist_ok=True)
    try:
        held = claim.read_text()
        if not held and time.time() - claim.stat().st_mtime < 60:
            return  # claimed this moment, its writer's id on the way
        if held.isdigit() and psutil.pid_exists(int(held)):  # os.kill would end it on Windows
            return  # its writer is alive
        claim.unlink(missing_ok=True)  # left by a writer that was killed
    except FileNotFoundError:
        pass
    try:
        descriptor = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return  # claimed a moment ago
    # this very package first on the path, not one a project folder may hold
    package = str(Path(__file__).resolve().parents[2])
    writer = subprocess.Popen(
        [sys.executable, "-c", ARCHIVE_WRITER, package, spark.model_dump_json(), str(archive)],
        cwd=archive.parent, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True)  # outlives this stage, and holds none of its pipes open
    os.write(descriptor, str(writer.pid).encode())
    os.close(descriptor)


def write_class_archive(spark: SparkParams, archive: Path) -> None:
    """Start a session as :func:`spark_session` does, write and read back a small Parquet
    file as stages do, and write the classes its JVM loaded to ``archive`` (through a file of
    its own, moved into place once complete: a failed write leaves none); then give up the
    claim."""
    from pyspark.sql import SparkSession

    written = archive.with_name(f"{archive.stem}.{os.getpid()}.part")
    rows = archive.with_name(f"{archive.stem}.{os.getpid()}.parquet")
    conf = _with_class_option(session_conf(spark.model_copy(update={"class_archive": False}),
                                           archive), f"-XX:ArchiveClassesAtExit={written}")
    try:
        session = _built(SparkSession.builder.master("local[1]").appName("datacentric-classes"),
                         conf)
        session.range(1000).selectExpr("id", "string(id) AS text").write.parquet(str(rows))
        session.read.parquet(str(rows)).toPandas()
        process = session.sparkContext._gateway.proc
        session.stop()
        process.stdin.close()  # the JVM exits when its stdin closes, writing the archive
        if process.wait(timeout=300) == 0 and written.exists():
            os.replace(written, archive)
    finally:
        shutil.rmtree(rows, ignore_errors=True)
        written.unlink(missing_ok=True)
        archive.with_suffix(".writing").unlink(missing_ok=True)


@contextmanager
def task_errors() -> Iterator[None]:
    """Raise a :class:`DatacentricError` that a Spark task raised as that error, its one
    sentence without Spark's wrapping (the executor's traceback inside a JVM exception)."""
    try:
        yield
    except Exception as exc:
        found = re.search(r"DatacentricError: (.+)", str(exc))
        if found is None:
            raise
        raise DatacentricError(found.group(1).strip()) from None
