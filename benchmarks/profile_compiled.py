#!/usr/bin/env python3
"""Per-step profile of the compiled training loop: numpy calls per step, time per part, cProfile.

The loop is the one a user writes by hand (``opt.zero_grad(); step(X, y); opt.step()``,
see ``benchmarks/compiled_workloads.py``), on the issue-14 workloads.

* **numpy calls per step** (always): the workload is built and run with every
  ``np.<function>`` used by the ``micrograd.compiled`` modules counted (their ``np`` is
  swapped for a counting proxy), and every array they make is a view of a counting
  ``ndarray`` subclass, so that each operation on one counts too: ufuncs including
  operators and reductions (``a + b``, ``a @ b``, ``a.sum()``), indexing reads and
  writes (views included), and the array methods that copy or reshape.  Then the
  calls of one step are counted.  The numbers computed are unchanged.
  ``--lines`` lists them by the line of micrograd that made them.
* ``--phases``: microseconds per step in ``opt.zero_grad()``, ``step(X, y)`` and
  ``opt.step()`` (best of 7 runs of 200 steps, no profiler).
* ``--passes``: each bound kernel of the compiled call, the rest of the call, and
  the optimizer step (needs the replay of issue 14).
* ``--profile NAME``: cProfile of 300 steps, sorted by own time.

All but ``--passes`` also run on the package before issue 14 (benchmarks/README.md's
"before" column is this script on that commit).  Usage::

    python benchmarks/profile_compiled.py                    # counts for both workloads
    python benchmarks/profile_compiled.py --lines            # ... and by source line
    python benchmarks/profile_compiled.py --phases --passes  # where the time goes
    python benchmarks/profile_compiled.py --profile digits   # plus cProfile of digits
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import math
import pstats
import sys
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
from compiled_workloads import build, one_thread  # noqa: E402

# Modules whose ``np`` is swapped for the counting proxy.
COUNTED_MODULES = (
    "micrograd.compiled.function",
    "micrograd.compiled.kernels",
    "micrograd.compiled.linear_kernels",
    "micrograd.compiled.rows",
    "micrograd.compiled.planner",
    "micrograd.compiled.replay",
    "micrograd.compiled.resident",
    "micrograd.compiled.updates",
    "micrograd.compiled.training",
)

_counts: Counter[str] = Counter()
_where: Counter[str] = Counter()  # the same calls by the line of micrograd that made them


def _note(what: str) -> None:
    _counts[what] += 1
    frame = sys._getframe(2)
    while frame is not None and "micrograd" not in frame.f_code.co_filename.replace("profile_compiled", ""):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is not None:
        name = frame.f_code.co_filename.split("micrograd/")[-1]
        _where[f"{name}:{frame.f_lineno} ({frame.f_code.co_name})"] += 1


def _plain(x: Any) -> Any:
    if isinstance(x, Counted):
        return x.view(np.ndarray)
    if isinstance(x, tuple):
        return tuple(_plain(v) for v in x)
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _counted(x: Any) -> Any:
    if type(x) is np.ndarray:
        return x.view(Counted)
    if isinstance(x, tuple):
        return tuple(_counted(v) for v in x)
    return x


class Counted(np.ndarray):
    """An ndarray that counts the operations done on it (into ``_counts``)."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        _note(f"ufunc {ufunc.__name__}{'' if method == '__call__' else '.' + method}")
        if "out" in kwargs:
            kwargs["out"] = _plain(kwargs["out"])
        return _counted(getattr(ufunc, method)(*_plain(inputs), **kwargs))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        _note(f"np.{func.__name__}")
        return _counted(func(*_plain(args), **_plain(kwargs)))

    def __getitem__(self, key: Any) -> Any:
        _note("getitem")
        return _counted(self.view(np.ndarray)[_plain(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        _note("setitem")
        self.view(np.ndarray)[_plain(key)] = _plain(value)


def _method(name: str) -> Callable[..., Any]:
    def method(self: Counted, *args: Any, **kwargs: Any) -> Any:
        _note(f".{name}")
        return _counted(getattr(self.view(np.ndarray), name)(*_plain(args), **_plain(kwargs)))

    return method


for _name in ("reshape", "tolist", "copy", "ravel", "transpose", "astype", "fill", "argmax", "item"):
    setattr(Counted, _name, _method(_name))
Counted.T = property(lambda self: (_note(".T"), _counted(self.view(np.ndarray).T))[1])  # type: ignore[attr-defined]


class _CountingNumpy(types.ModuleType):
    """``np`` for the counted modules: each function call counts, array results are Counted."""

    def __init__(self) -> None:
        super().__init__("numpy")

    def __getattr__(self, name: str) -> Any:
        real = getattr(np, name)
        if isinstance(real, (types.ModuleType, type)) or not callable(real):
            return real
        if isinstance(real, np.ufunc):
            return _CountingUfunc(real)

        def call(*args: Any, **kwargs: Any) -> Any:
            _note(f"np.{name}")
            return _counted(real(*_plain(args), **_plain(kwargs)))

        return call


class _CountingUfunc:
    """``np.add`` and friends called by name: ``np.add(a, b)``, ``np.add.reduceat(...)``."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self.ufunc = ufunc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _note(f"ufunc {self.ufunc.__name__}")
        return _counted(self.ufunc(*_plain(args), **_plain(kwargs)))

    def __getattr__(self, method: str) -> Any:
        real = getattr(self.ufunc, method)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            _note(f"ufunc {self.ufunc.__name__}.{method}")
            return _counted(real(*_plain(args), **_plain(kwargs)))

        return call


@contextmanager
def counting() -> Iterator[Counter[str]]:
    proxy = _CountingNumpy()
    saved: dict[types.ModuleType, Any] = {}
    for name in COUNTED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "np", None) is np:
            saved[module] = module.np
            module.np = proxy  # type: ignore[attr-defined]
    _counts.clear()
    _where.clear()
    try:
        yield _counts
    finally:
        for module, real in saved.items():
            module.np = real  # type: ignore[attr-defined]


def numpy_calls_per_step(workload_name: str, warmup: int = 5) -> tuple[int, Counter[str]]:
    """Build the workload with counting on (so that every array it keeps is
    Counted), run a few steps, then count the numpy calls of one more."""
    with one_thread(), counting() as counts:
        workload = build(workload_name, "micrograd")
        for _ in range(warmup):
            workload.step()
        counts.clear()
        _where.clear()
        workload.step()
        result = Counter(counts)
    return sum(result.values()), result


def numpy_calls_by_line() -> Counter[str]:
    """The last count's calls by the micrograd line that made them."""
    return Counter(_where)


def phases(workload_name: str, steps: int = 200, rounds: int = 7) -> dict[str, float]:
    """Microseconds per step in each part of the hand-written loop (best of ``rounds``
    runs of ``steps`` steps; no profiler)::

        opt.zero_grad()  |  step(X, y)  |  opt.step()
    """
    workload = build(workload_name, "micrograd")
    step, opt = workload.extra["state"]
    next_batch = workload.extra["next_batch"]
    best = {"zero_grad": math.inf, "compiled call": math.inf, "optimizer step": math.inf}
    with one_thread(torch_too=False):
        for _ in range(20):
            workload.step()
        for _ in range(rounds):
            spent = dict.fromkeys(best, 0.0)
            for _ in range(steps):
                batch = next_batch()
                t0 = time.perf_counter()
                opt.zero_grad()
                t1 = time.perf_counter()
                step(*batch)
                t2 = time.perf_counter()
                opt.step()
                t3 = time.perf_counter()
                spent["zero_grad"] += t1 - t0
                spent["compiled call"] += t2 - t1
                spent["optimizer step"] += t3 - t2
            for key, total in spent.items():
                best[key] = min(best[key], total / steps * 1e6)
    best["total"] = sum(best.values())
    return best


def passes(workload_name: str, number: int = 2000) -> list[tuple[str, float]]:
    """Microseconds of each bound forward and backward pass of the compiled call
    (best of 7 runs of ``number`` calls each), then the rest of the call."""
    import timeit

    workload = build(workload_name, "micrograd")
    step, opt = workload.extra["state"]
    batch = workload.extra["next_batch"]()

    def best(fn: Callable[[], object]) -> float:
        return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6

    rows: list[tuple[str, float]] = []
    with one_thread(torch_too=False):
        for _ in range(20):
            workload.step()
        replay = step._last
        for direction, bound in (("forward", replay.forward_passes), ("backward", replay.backward_passes)):
            for group, run in bound:
                rows.append((f"{direction} {type(group).__name__} {group.op}", best(run)))
        whole = best(lambda: step(*batch))
        rest = whole - sum(t for _, t in rows)
        rows.append(("the rest of the call (batch in, zeroing, outputs, ...)", rest))
        rows.append(("whole compiled call", whole))
        rows.append(("optimizer step", best(opt.step)))
    return rows


def profile_steps(workload_name: str, steps: int = 300, top: int = 25) -> str:
    workload = build(workload_name, "micrograd")
    with one_thread():
        for _ in range(10):
            workload.step()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(steps):
            workload.step()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    return (
        f"{workload_name}: {steps} steps, {total / steps * 1e6:.0f} us/step under cProfile\n" + out.getvalue()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["digits", "moons"], action="append", default=[])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--lines", action="store_true", help="also show the calls by source line")
    parser.add_argument("--phases", action="store_true", help="time zero_grad / the call / opt.step")
    parser.add_argument("--passes", action="store_true", help="time each kernel of the compiled call")
    args = parser.parse_args(argv)
    for name in ("digits", "moons"):
        total, counts = numpy_calls_per_step(name)
        print(f"{name}: {total} numpy calls per step")
        for key, n in counts.most_common():
            print(f"    {n:5d}  {key}")
        if args.lines:
            for key, n in sorted(numpy_calls_by_line().items()):
                print(f"    {n:5d}  {key}")
    if args.phases:
        for name in ("digits", "moons"):
            parts = phases(name)
            print(f"{name}: " + ", ".join(f"{key} {us:.0f} us" for key, us in parts.items()))
    if args.passes:
        for name in ("digits", "moons"):
            print(f"{name}:")
            for label, us in passes(name):
                print(f"    {us:6.1f} us  {label}")
    for name in args.profile:
        print(profile_steps(name, top=args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
