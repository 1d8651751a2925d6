#!/usr/bin/env python3
"""The timing core of ``benchmarks/compiled.py``: one pyperf run of the issue-14 workloads.

Each benchmark is one full training step (zero_grad, forward, backward, optimizer
update; see ``compiled_workloads.py``) and runs in its own pyperf worker processes,
which pyperf spawns, calibrates (loops per value so that a value takes >= 100 ms),
warms up and collects.  A worker builds only its own engine's workload, so a
micrograd worker never imports torch (whose C++ heap was seen to slow pure-Python
allocation in the same process, see benchmarks/README.md), and limits BLAS and
torch to one thread.

Benchmarks, in this order (``--order torch-first`` swaps each pair)::

    digits-micrograd  digits-torch  moons-micrograd  moons-torch  moons-eager

Usage (any pyperf option works; ``compiled.py`` runs this several times)::

    python benchmarks/compiled_pyperf.py -o round.json --processes 4 --values 3
    python -m pyperf compare_to round1.json round2.json --table
    python -m pyperf show round.json
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import pyperf  # noqa: E402

BENCHMARKS = [
    ("digits", "micrograd"),
    ("digits", "torch"),
    ("moons", "micrograd"),
    ("moons", "torch"),
    ("moons", "eager"),
]

_built: dict[tuple[str, str], Any] = {}


def _one_thread(engine: str) -> None:
    """For the rest of this worker process: BLAS at one thread, and torch too."""
    import threadpoolctl

    threadpoolctl.threadpool_limits(limits=1)
    if engine == "torch":
        import torch

        torch.set_num_threads(1)


def time_steps(loops: int, workload: str, engine: str) -> float:
    """pyperf's time function: seconds for ``loops`` training steps."""
    key = (workload, engine)
    if key not in _built:
        from compiled_workloads import build

        _one_thread(engine)
        _built[key] = build(workload, engine)
    step = _built[key].step
    began = time.perf_counter()
    for _ in range(loops):
        step()
    return time.perf_counter() - began


def _pass_options(cmd: list[str], args: Any) -> None:
    cmd.extend(["--workloads", args.workloads, "--order", args.order])


def main() -> None:
    runner = pyperf.Runner(add_cmdline_args=_pass_options)
    runner.argparser.add_argument("--workloads", default="digits,moons", help="comma-separated")
    runner.argparser.add_argument(
        "--order", choices=["micrograd-first", "torch-first"], default="micrograd-first"
    )
    args = runner.parse_args()
    wanted = args.workloads.split(",")
    order = list(BENCHMARKS)
    if args.order == "torch-first":
        order = [b for pair in zip(order[1::2], order[0::2]) for b in pair] + order[len(order) // 2 * 2 :]
    for workload, engine in order:
        if workload in wanted:
            runner.bench_time_func(
                f"{workload}-{engine}",
                time_steps,
                workload,
                engine,
                metadata={"description": f"one training step, {workload}, {engine}"},
            )


if __name__ == "__main__":
    main()
