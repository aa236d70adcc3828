"""The Apache Spark engine (``compute.engine: spark``): the stages' global steps as Spark jobs,
the row-local logic shared with the pandas engine through ``mapInPandas``. pyspark is the
optional ``spark`` extra; nothing here loads it until a stage asks for a session."""
