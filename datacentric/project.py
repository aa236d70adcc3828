"""The project root and the rule that paths from params stay inside it."""

from __future__ import annotations

import os
from pathlib import Path

from datacentric.errors import DatacentricError

ALLOW_OUTSIDE_ENV = "DATACENTRIC_ALLOW_OUTSIDE_PATHS"


def resolve_inside(path: str | Path, *, key: str, root: Path | None = None) -> Path:
    """Resolve ``path`` (from params key ``key``) against the project root.

    Paths that escape the root are refused unless the environment variable
    ``DATACENTRIC_ALLOW_OUTSIDE_PATHS=1`` is set, because DVC can only version files inside
    the project.

    Raises
    ------
    DatacentricError
        Naming ``key`` when the path escapes the project.
    """
    root = (root or Path.cwd()).resolve()
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root) and os.environ.get(ALLOW_OUTSIDE_ENV) != "1":
        raise DatacentricError(
            f"params key '{key}': path '{path}' is outside the project {root}; move the file "
            f"inside and `dvc add` it (or set {ALLOW_OUTSIDE_ENV}=1)."
        )
    return resolved.relative_to(root) if resolved.is_relative_to(root) else resolved
