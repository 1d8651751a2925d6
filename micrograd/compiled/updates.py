"""The optimizers' updates as array operations, for parameters resident in numpy.

:mod:`micrograd.optim` is the readable version: a loop over parameters, one
float at a time.  When its parameters live in a
:class:`~micrograd.compiled.resident.ParamStore` (compiled mode), its
``step()`` and ``zero_grad()`` call :func:`run`, which applies the *same*
rule to whole arrays: every line below is the eager loop's line with ``p``,
``g``, ``m``, ``v`` and the momentum buffer as arrays, in the same order of
floating-point operations, so both give the same numbers bit for bit (tests
check 100 steps of each optimizer).  The optimizer's state (``buffers``,
``m``, ``v``) becomes numpy arrays in place of its lists; ``state_dict()``
turns them back into lists.

An optimizer finds its parameters' store once, and again only when a store
is made or retired (:func:`~micrograd.compiled.resident.generation`).  If any
of its parameters is resident, all of them are made resident, in one store.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from micrograd.compiled import resident
from micrograd.compiled.resident import DATA, GRAD, ParamStore
from micrograd.compiled.rows import Array, Index
from micrograd.optim import SGD, Adam, Optimizer

__all__ = ["run"]


class _Home:
    """An optimizer's cached store and index, valid for one generation."""

    __slots__ = ("generation", "index", "scratch", "store")

    def __init__(self) -> None:
        self.generation = -1
        self.store: ParamStore | None = None
        self.index: Index = slice(0)
        self.scratch = np.empty(0)  # one array per optimizer for the update's intermediate results

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Home, ())  # a copied optimizer looks for its parameters' store again


def _home(opt: Optimizer) -> _Home:
    home = opt.__dict__.get("_resident")
    if not isinstance(home, _Home):
        home = opt.__dict__["_resident"] = _Home()
    if home.generation != resident.generation():
        home.store = None
        if any(isinstance(p, resident.ResidentValue) for p in opt.params):
            home.store, home.index = resident.adopt(opt.params)
            home.scratch = np.empty(len(opt.params))
        home.generation = resident.generation()
    return home


def _as_array(buffer: Any) -> Array:
    """An optimizer state buffer as an array (a list is converted once)."""
    return buffer if isinstance(buffer, np.ndarray) else np.array(buffer, dtype=np.float64)


def sgd(opt: SGD, p: Array, g: Array, tmp: Array) -> None:
    """:meth:`micrograd.optim.SGD.step` on arrays (``p`` updated in place)."""
    lr, mu, wd = opt.lr, opt.momentum, opt.weight_decay
    if wd != 0:
        g = g + wd * p
    if mu != 0:
        if opt.buffers is None:
            buf = g.copy()  # first step: b = g
        else:
            buf = _as_array(opt.buffers)
            buf *= mu
            buf += g  # b = mu * b + g
        opt.buffers = buf
        g = g + mu * buf if opt.nesterov else buf
    np.multiply(g, lr, out=tmp)
    p -= tmp


def adam(opt: Adam, p: Array, g: Array, tmp: Array) -> None:
    """:meth:`micrograd.optim.Adam.step` (and AdamW's) on arrays (``p`` updated
    in place; ``tmp`` holds each intermediate result in turn, so nothing is
    allocated)."""
    lr, (b1, b2), eps, wd = opt.lr, opt.betas, opt.eps, opt.weight_decay
    opt.t += 1
    step_size = lr / (1.0 - b1**opt.t)
    bias2_sqrt = math.sqrt(1.0 - b2**opt.t)
    m, v = _as_array(opt.m), _as_array(opt.v)
    opt.m, opt.v = m, v
    if wd != 0:
        if opt.decoupled:
            p *= 1.0 - lr * wd
        else:
            g = g + wd * p
    np.subtract(g, m, out=tmp)
    tmp *= 1.0 - b1
    m += tmp  # m += (1 - b1) * (g - m)
    v *= b2
    np.multiply(g, 1.0 - b2, out=tmp)
    tmp *= g
    v += tmp  # v = v * b2 + (1 - b2) * g * g
    np.sqrt(v, out=tmp)
    tmp /= bias2_sqrt
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= step_size
    p -= tmp  # p -= step_size * (m / (sqrt(v) / bias2_sqrt + eps))


def _zero_grad(store: ParamStore, index: Index) -> None:
    everything = isinstance(index, slice) and index == slice(0, len(store.params))
    grad = store.overwrite(GRAD) if everything else store.array(GRAD)
    grad[index] = 0.0
    store.changed(GRAD)


def run(opt: Optimizer, what: str) -> bool:
    """Do ``opt.zero_grad()`` or ``opt.step()`` (``what``) on the arrays of
    its parameters' store; False (nothing done) if they are not resident or
    ``opt`` is not an optimizer this module knows."""
    home = _home(opt)
    store, index = home.store, home.index
    if store is None:
        return False
    if what == "zero_grad":
        _zero_grad(store, index)
        return True
    rule = adam if isinstance(opt, Adam) else sgd if isinstance(opt, SGD) else None
    if rule is None:
        return False
    data, grad = store.array(DATA), store.array(GRAD)
    p, g = data[index], grad[index]  # views for a slice, copies for an index array
    rule(opt, p, g, home.scratch)  # type: ignore[arg-type]
    if not isinstance(index, slice):
        data[index] = p
    store.changed(DATA)
    return True
