"""datacentric: decide with evidence whether to improve the data or the model."""

import os

# torch and scikit-learn each load their own libgomp; with the default active wait policy
# their idle threads spin against each other and an HistGradientBoosting fit after a torch
# import can stall for minutes on two cores. It must be set before either runtime starts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
