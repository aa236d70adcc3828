"""Data-parallel training across processes, GPUs and nodes: PyTorch DDP under ``torchrun``.

A stage that trains a torch model reads ``train.launch``; when it asks for more than one
process and the stage is not already running under ``torchrun``, the stage starts itself again
through ``torchrun`` (:func:`torchrun_command`) and waits. Under ``torchrun`` every process
reads the same rows, trains on its shard of each epoch's batches (:class:`Shard`), and the
gradients are averaged by :class:`torch.nn.parallel.DistributedDataParallel`; NCCL carries them
between GPUs, Gloo between CPU processes. Only rank 0 writes outputs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from datacentric.errors import DatacentricError

if TYPE_CHECKING:  # neither loaded at run time: torch only where it trains, pydantic never
    import torch

    from datacentric.params import LaunchParams


@dataclass(frozen=True)
class Shard:
    """This process's place among ``world`` training processes."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def rows(self, order: torch.Tensor) -> torch.Tensor:
        """This rank's rows of an epoch's ``order`` (the same on every rank): every
        ``world``-th row from ``rank``, all shards cut to one length so that every rank runs
        the same number of steps (DDP's collectives would otherwise wait forever)."""
        per_rank = len(order) // self.world
        return order[self.rank::self.world][:per_rank]


def current_shard() -> Shard:
    """The shard ``torchrun``'s environment describes (``RANK``, ``WORLD_SIZE``,
    ``LOCAL_RANK``); one process of one when not under ``torchrun``."""
    return Shard(rank=int(os.environ.get("RANK", 0)), world=int(os.environ.get("WORLD_SIZE", 1)),
                 local_rank=int(os.environ.get("LOCAL_RANK", 0)))


def join_process_group(device: str) -> None:
    """Join the process group ``torchrun`` set up (NCCL on CUDA, Gloo on the CPU), once per
    process; on CUDA, pin this process to its local GPU."""
    import torch
    import torch.distributed as dist

    shard = current_shard()
    if shard.world == 1 or dist.is_initialized():
        return
    if device == "cuda":
        torch.cuda.set_device(shard.local_rank)
    dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")


def leave_process_group() -> None:
    """Leave the process group, if this process joined one (torch is only loaded if so)."""
    if "torch.distributed" in sys.modules and sys.modules["torch.distributed"].is_initialized():
        sys.modules["torch.distributed"].destroy_process_group()


def _reduced(value: float, device: str, op: str) -> float:
    """``value`` reduced over all ranks by ``op`` (a ``ReduceOp`` name); itself when not
    distributed."""
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=getattr(dist.ReduceOp, op))
    return float(tensor.item())


def mean_over_ranks(value: float, device: str) -> float:
    """``value`` averaged over all ranks (itself when not distributed), so decisions taken on
    it, such as early stopping, are identical everywhere."""
    import torch.distributed as dist

    total = _reduced(value, device, "SUM")
    return total / dist.get_world_size() if dist.is_initialized() else total


def sum_over_ranks(value: float, device: str) -> float:
    """``value`` summed over all ranks (itself when not distributed)."""
    return _reduced(value, device, "SUM")


def min_over_ranks(value: int, device: str) -> int:
    """The smallest ``value`` of all ranks (itself when not distributed)."""
    return int(_reduced(value, device, "MIN"))


def torchrun_command(*, processes_per_node: int, nodes: int, rendezvous: str | None,
                     run_id: str, argv: list[str]) -> list[str]:
    """The ``torchrun`` command that runs ``python -m datacentric <argv>`` as
    ``processes_per_node`` × ``nodes`` processes. One node rendezvouses locally; several
    meet at ``rendezvous`` (``host:port``) under ``run_id``, and every node runs this same
    command."""
    command = [sys.executable, "-m", "torch.distributed.run",
               f"--nproc-per-node={processes_per_node}", f"--nnodes={nodes}"]
    if nodes > 1:
        command += ["--rdzv-backend=c10d", f"--rdzv-endpoint={rendezvous}", f"--rdzv-id={run_id}"]
    else:
        command += ["--standalone"]
    return [*command, "-m", "datacentric", *argv]


def run_under_torchrun(launch: LaunchParams, argv: list[str], *, run_id: str) -> bool:
    """Start ``datacentric <argv>`` again under ``torchrun`` when ``launch`` asks for more
    than one process and this process is not already one of them; wait for it.

    Returns True when it did (the caller's work is done), False when the caller should train
    itself. Raises DatacentricError naming the command when ``torchrun`` fails.
    """
    if launch.processes_per_node * launch.nodes == 1 or "TORCHELASTIC_RUN_ID" in os.environ:
        return False
    command = torchrun_command(processes_per_node=launch.processes_per_node,
                               nodes=launch.nodes, rendezvous=launch.rendezvous,
                               run_id=run_id, argv=argv)
    print("running: " + shlex.join(command), file=sys.stderr, flush=True)
    status = subprocess.run(command, check=False).returncode
    if status != 0:
        raise DatacentricError(f"torchrun (train.launch) exited with status {status}: "
                               f"{shlex.join(command)}")
    return True

