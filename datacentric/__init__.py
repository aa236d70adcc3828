"""datacentric: decide with evidence whether to improve the data or the model."""

__version__ = "0.1.0"
