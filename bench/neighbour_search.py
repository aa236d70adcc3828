"""Approximate against exact neighbour search on featurized rows: time and recall, in one run.

The rows are the synthetic 30-column table, featurized as the audit does (scaled numerics,
one-hot categoricals). Both searches find each row's 10 nearest other rows with the metric
Datalab picks for them (cosine). The approximate index (what the audit uses above
``audit.exact_search_rows``) answers every row; exact brute force (scikit-learn, the baseline)
answers ``--queries`` sampled rows, and its time is scaled to all rows (its cost is linear in
the number of queries). Recall@10 is the share of the exact neighbours the index also returns,
on the sampled rows. Writes bench/results/neighbour_search.json.

    python bench/neighbour_search.py [--rows 100000 1000000] [--queries 2000]
"""

# ruff: noqa: I001  (datacentric first: it sets the OpenMP spin before scikit-learn loads)
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import datacentric  # noqa: F401
import numpy as np
from sklearn.neighbors import NearestNeighbors

from datacentric.columns import LABEL
from datacentric.features import build_featurizer
from datacentric.roles import infer_roles
from datacentric.neighbours import ApproximateNeighbors
from datacentric.synthetic import make_table

K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--out", default="bench/results/neighbour_search.json")
    args = parser.parse_args()

    records = []
    for rows in args.rows:
        table = make_table(rows, random_state=0).rename(columns={"label": LABEL})
        X = build_featurizer(infer_roles(table, target=LABEL)
                             ).fit_transform(table).to_numpy(np.float64)
        sample = np.random.default_rng(0).choice(rows, args.queries, replace=False)

        started = time.perf_counter()
        _, approximate = ApproximateNeighbors(K, metric="cosine").fit(X).kneighbors()
        approximate_seconds = time.perf_counter() - started

        started = time.perf_counter()
        exact = NearestNeighbors(n_neighbors=K + 1, metric="cosine").fit(X)
        _, found = exact.kneighbors(X[sample])
        exact_seconds = (time.perf_counter() - started) * rows / args.queries

        # the exact search is asked for K + 1 because each sampled row finds itself first
        exact_sets = [set(row[row != i][:K]) for row, i in zip(found, sample, strict=True)]
        recall = float(np.mean([len(e & set(approximate[i])) / K
                                for e, i in zip(exact_sets, sample, strict=True)]))
        records.append({"rows": rows, "dimensions": X.shape[1],
                        "approximate_seconds": approximate_seconds,
                        "exact_seconds_scaled": exact_seconds,
                        "speedup": exact_seconds / approximate_seconds, "recall_at_10": recall})
        print(f"{rows:>9,} rows × {X.shape[1]} dims: approximate {approximate_seconds:7.1f} s, "
              f"exact {exact_seconds:8.1f} s (scaled from {args.queries} queries), "
              f"{exact_seconds / approximate_seconds:5.1f}× faster, recall@10 {recall:.3f}",
              flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"k": K, "queries": args.queries, "metric": "cosine",
                                          "records": records}, indent=2) + "\n")


if __name__ == "__main__":
    main()
