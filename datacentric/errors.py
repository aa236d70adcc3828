"""The one exception type that carries a user-facing sentence to the command line."""


class DatacentricError(Exception):
    """A problem with the user's input (file, column, params key), stated in one sentence.

    The CLI prints the message and exits with status 1; no traceback is shown.
    """
