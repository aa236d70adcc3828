"""The Spark session a stage runs on, built from the ``compute.spark`` params."""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

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


def spark_session(spark: SparkParams) -> SparkSession:
    """A session on ``spark.master`` with ``spark.conf`` over :data:`DEFAULT_CONF`; Python
    workers run this interpreter unless ``PYSPARK_PYTHON`` says otherwise.

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
    conf, written = session_conf(spark, class_archive())
    builder = SparkSession.builder.master(spark.master).appName("datacentric")
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if written is not None:
        atexit.register(_keep_archive, session, written, class_archive())
    return session


def session_conf(spark: SparkParams, archive: Path) -> tuple[dict[str, str], Path | None]:
    """The session's settings: ``spark.conf`` over :data:`DEFAULT_CONF`, the driver JVM told
    to map its classes from ``archive`` when ``spark.class_archive`` is on; and the file this
    session's JVM writes the archive to as it exits, when there is none yet (else None)."""
    conf = {**DEFAULT_CONF, **spark.conf}
    if not spark.class_archive:
        return conf, None
    # Starting the driver JVM is mostly loading Spark's classes; mapped from an archive it
    # takes about 0.6 of the time and CPU (bench/spark_start.py). The first session writes
    # the archive as its JVM exits, under a name of its own, moved into place once complete.
    written = None if archive.exists() else archive.with_name(
        f"{archive.stem}.{os.getpid()}.part")
    option = (f"-XX:SharedArchiveFile={archive}" if written is None
              else f"-XX:ArchiveClassesAtExit={written}")
    conf[JAVA_OPTIONS] = f"{conf.get(JAVA_OPTIONS, '')} {option} -Xlog:cds=off".strip()
    if written is not None:
        archive.parent.mkdir(parents=True, exist_ok=True)
    return conf, written


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


def _keep_archive(session: SparkSession, written: Path, archive: Path) -> None:
    """At the first session's exit: stop its JVM, wait while it writes its classes to
    ``written``, and move a complete archive to ``archive`` (a failed write leaves none)."""
    process = getattr(session.sparkContext._gateway, "proc", None)
    session.stop()
    if process is None:  # a JVM this interpreter did not start
        return
    process.stdin.close()  # the gateway exits when its stdin closes
    try:
        process.wait(timeout=300)
    except subprocess.TimeoutExpired:
        return
    if process.returncode == 0 and written.exists():
        os.replace(written, archive)
    written.unlink(missing_ok=True)


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
