"""datacentric: decide with evidence whether to improve the data or the model."""

import os
import warnings

# torch and scikit-learn each load their own libgomp. An unbounded spin-wait lets the idle
# threads of one runtime starve the other on two cores, and no spinning at all (the PASSIVE
# policy) makes HistGradientBoosting, whose parallel regions are tiny, six times slower.
# A short bounded spin keeps both fast. It must be set before either runtime starts.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")

__version__ = "0.1.0"

# Great Expectations imports pyspark whenever it is installed, and pyspark warns on every
# import under pandas 3 (the Spark engine's parity tests pass on it); the warning would break
# the one-sentence errors on stderr.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                        category=FutureWarning)
