"""The Spark session a stage runs on, built from the ``compute.spark`` params."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    builder = SparkSession.builder.master(spark.master).appName("datacentric")
    for key, value in {**DEFAULT_CONF, **spark.conf}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


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
