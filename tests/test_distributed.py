"""Data-parallel training for real: two Gloo processes on the CPU under torchrun."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from sklearn.datasets import make_classification

from datacentric.models.distributed import Shard, torchrun_command
from datacentric.models.torch_classifier import TorchClassifier
from datacentric.params import LaunchParams

pytestmark = pytest.mark.slow

TABLE = {"n_samples": 1200, "n_features": 8, "n_informative": 5, "n_classes": 3,
         "random_state": 0}
MODEL = {"hidden_size": 32, "max_epochs": 30, "patience": 5, "batch_size": 64}

# every rank fits the same table and writes its weights and its test accuracy
RANK_SCRIPT = textwrap.dedent("""
    import json, os, sys
    from safetensors.torch import save_file
    from sklearn.datasets import make_classification
    from datacentric.models.torch_classifier import TorchClassifier
    from datacentric.models.distributed import leave_process_group
    out, table, model = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    X, y = make_classification(**table)
    fitted = TorchClassifier("mlp", **model, device="cpu").fit(X[:900], y[:900])
    leave_process_group()
    rank = os.environ["RANK"]
    save_file(dict(fitted.module_.state_dict()), f"{out}/rank{rank}.safetensors")
    with open(f"{out}/rank{rank}.json", "w") as f:
        json.dump({"accuracy": float((fitted.predict(X[900:]) == y[900:]).mean()),
                   "epochs": len(fitted.history_)}, f)
""")


def test_two_gloo_ranks_end_with_identical_weights_and_usual_accuracy(tmp_path):
    script = tmp_path / "fit.py"
    script.write_text(RANK_SCRIPT)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node=2", str(script), str(tmp_path), json.dumps(TABLE),
               json.dumps(MODEL)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    weights = [load_file(tmp_path / f"rank{r}.safetensors") for r in (0, 1)]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0] == ranks[1]  # same weights, same stopping epoch

    X, y = make_classification(**TABLE)
    single = [float((TorchClassifier("mlp", **MODEL, device="cpu", random_state=seed)
                     .fit(X[:900], y[:900]).predict(X[900:]) == y[900:]).mean())
              for seed in range(5)]
    # within the spread over seeds of one-process training (three standard deviations,
    # at least two test rows either side)
    margin = max(3 * np.std(single), 2 / 300)
    assert np.mean(single) - margin <= ranks[0]["accuracy"] <= np.mean(single) + margin


def test_shards_are_disjoint_equal_and_cover_all_but_a_remainder():
    order = torch.randperm(103, generator=torch.Generator().manual_seed(0))
    shards = [Shard(rank=r, world=3).rows(order) for r in range(3)]
    assert [len(s) for s in shards] == [34, 34, 34]
    assert len(set(torch.cat(shards).tolist())) == 102
    assert torch.equal(Shard().rows(order), order)


def test_torchrun_command_for_one_node_and_for_several():
    one = torchrun_command(processes_per_node=4, nodes=1, rendezvous=None, run_id="x",
                           argv=["train"])
    assert one[1:] == ["-m", "torch.distributed.run", "--nproc-per-node=4", "--nnodes=1",
                       "--standalone", "-m", "datacentric", "train"]
    several = torchrun_command(processes_per_node=8, nodes=2, rendezvous="node0:29400",
                               run_id="datacentric-train", argv=["train"])
    assert "--rdzv-endpoint=node0:29400" in several and "--rdzv-id=datacentric-train" in several
    with pytest.raises(ValueError, match="nodes > 1 needs rendezvous"):
        LaunchParams(nodes=2)
