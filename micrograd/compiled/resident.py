"""Parameters resident in numpy: the ``data`` and ``grad`` of many parameters
as two flat arrays, shared by compiled functions and optimizers.

Why: a compiled training step is a few dozen numpy calls, but moving the numbers
of 2,778 parameter Values into an array and back is a Python loop over all of
them each way, and so is the eager optimizers' update: on the digits net those
loops were most of a step.  So :func:`~micrograd.compiled.compile_fn` puts its
parameters in a :class:`ParamStore`; compiled calls read ``data`` from it and
add gradients into it, and :mod:`micrograd.optim` updates it with array
operations (:mod:`micrograd.compiled.updates`).  The Values are brought up to
date only when someone reads them.

The rule a user can rely on: **reading** ``p.data`` or ``p.grad`` always gives
the current number, and **writing** them is seen by the next compiled call or
optimizer step.  How: a resident parameter's class is :class:`ResidentValue`,
a :class:`~micrograd.engine.Value` whose ``data`` and ``grad`` are properties.
Each of the two fields keeps a list of the stores whose array is newer than
their Values (``stale``) and a count of writes to resident Values
(``writes``)::

    read p.data     if any store's data array is newer: copy those arrays
                    into their Values (one loop per store); then read the slot
    write p.data    the same copy first, then write the slot, writes += 1
    numpy side      before using a store's array, if writes changed since the
                    array was last in step with the Values: copy the Values in;
                    after changing it, mark the array newer

so a training loop that never looks at a Value between steps pays for no loop
at all, and one that does pays one loop per step, what eager code pays anyway.
A copy (``copy.copy``, ``deepcopy``, ``pickle``) of a resident parameter is a
plain Value.  :func:`release` makes parameters plain Values again.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from micrograd.compiled.rows import Array, Index, row_index
from micrograd.engine import Value

__all__ = ["DATA", "GRAD", "ParamStore", "ResidentValue", "adopt", "generation", "release"]

# The slots themselves, below the properties: Value's member descriptors.
_DATA_SLOT: Any = Value.__dict__["data"]
_GRAD_SLOT: Any = Value.__dict__["grad"]


class _Field:
    """``data`` or ``grad``: which stores' arrays are newer than their Values."""

    def __init__(self, name: str, slot: Any) -> None:
        self.name = name
        self.read = slot.__get__
        self.write = slot.__set__
        self.stale: list[ParamStore] = []
        self.writes = 0  # writes to resident Values' slots, ever

    def flush(self) -> None:
        """Copy every newer array into its Values."""
        stale, self.stale = self.stale, []
        for store in stale:
            store.write_back(self)


DATA = _Field("data", _DATA_SLOT)
GRAD = _Field("grad", _GRAD_SLOT)
_generation = 0  # changes whenever parameters join or leave a store


def generation() -> int:
    """A number that changes whenever parameters join or leave a store (an
    optimizer re-checks its parameters' home only then)."""
    return _generation


def _plain_leaf(data: float, grad: float, label: str) -> Value:
    v = Value(data, label)
    v.grad = grad
    return v


def _resident(field: _Field) -> property:
    """``data`` or ``grad`` of a resident parameter: copy newer arrays into the
    Values before reading or writing the slot; count the writes."""

    def read(self: Value) -> float:
        if field.stale:
            field.flush()
        value: float = field.read(self)
        return value

    def write(self: Value, value: float) -> None:
        if field.stale:
            field.flush()
        field.write(self, value)
        field.writes += 1

    return property(read, write, doc=f"the current {field.name} (see micrograd.compiled.resident)")


class ResidentValue(Value):
    """A parameter whose numbers live in a :class:`ParamStore` (see the module
    docstring for the rule).  Everything else is an ordinary Value."""

    __slots__ = ()
    store: ParamStore | None = None  # set on the per-store subclass
    data = _resident(DATA)  # type: ignore[assignment]
    grad = _resident(GRAD)  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy is a plain leaf with the current numbers: it is not in the store.
        return (_plain_leaf, (self.data, self.grad, self.label))


class ParamStore:
    """The ``data`` and ``grad`` arrays of ``params`` (in that order).  Use
    :meth:`array` before reading or changing an array, and :meth:`changed`
    after changing one.  ``data``, if given, is the memory to keep the data
    in (a compiled function's own parameter rows: then it reads them with no copy)."""

    def __init__(self, params: Sequence[Value], data: Array | None = None) -> None:
        global _generation
        self.params: list[Value] = list(params)
        self.index = {p: i for i, p in enumerate(self.params)}
        self.alive = True
        DATA.flush()
        GRAD.flush()
        n = len(self.params)
        if data is None:
            data = np.empty(n)
        data[:] = np.fromiter(map(DATA.read, self.params), np.float64, n)
        self.arrays: dict[_Field, Array] = {
            DATA: data,
            GRAD: np.fromiter(map(GRAD.read, self.params), np.float64, n),
        }
        self._newer = {DATA: False, GRAD: False}  # the array is newer than the Values
        self._seen = {DATA: DATA.writes, GRAD: GRAD.writes}  # writes when last in step
        # One subclass per store: a parameter finds its store through its class.
        cls = type("ResidentValue", (ResidentValue,), {"__slots__": (), "store": self})
        for p in self.params:
            p.__class__ = cls
        _generation += 1

    def array(self, field: _Field) -> Array:
        """The current array of ``field`` (copied in from the Values first if one was written)."""
        if self._seen[field] != field.writes:
            if not self._newer[field]:
                arr = self.arrays[field]
                arr[:] = np.fromiter(map(field.read, self.params), np.float64, len(arr))
            self._seen[field] = field.writes
        return self.arrays[field]

    def overwrite(self, field: _Field) -> Array:
        """The array of ``field``, to be overwritten whole (nothing is copied in)."""
        self._seen[field] = field.writes
        return self.arrays[field]

    def changed(self, field: _Field) -> None:
        """The array of ``field`` was changed: the Values are behind it now."""
        if not self._newer[field]:
            self._newer[field] = True
            field.stale.append(self)

    def write_back(self, field: _Field) -> None:
        """Copy the array into the Values (called by ``field.flush``)."""
        if self._newer[field]:
            # deque(map(...), 0): the loop in C, ~40 ns per parameter.
            collections.deque(map(field.write, self.params, self.arrays[field].tolist()), 0)
            self._newer[field] = False

    def retire(self) -> None:
        """Bring the Values up to date and stop: its consumers look for a new home."""
        global _generation
        DATA.flush()
        GRAD.flush()
        self.alive = False
        _generation += 1

    def locate(self, params: Sequence[Value]) -> Index | None:
        """Where ``params`` are in the arrays (a slice when possible), or None
        if one of them is not in this store."""
        try:
            return row_index([self.index[p] for p in params])
        except KeyError:
            return None

    def __repr__(self) -> str:
        return f"ParamStore({len(self.params)} parameters{'' if self.alive else ', retired'})"


def _home(p: Value) -> ParamStore | None:
    store = type(p).store if isinstance(p, ResidentValue) else None
    return store if store is not None and store.alive else None


def adopt(params: Sequence[Value], data: Array | None = None) -> tuple[ParamStore, Index]:
    """The store holding all of ``params`` and where they are in it.  If they
    are not all in one store, one is made for them, taking over every store
    that held some of them (whose consumers then find the new one).  ``data``:
    memory for a new store's data, used if the store holds exactly ``params``."""
    if params:
        store = _home(params[0])
        if store is not None:
            index = store.locate(params)
            if index is not None:
                return store, index
    homes: dict[ParamStore, None] = {}  # insertion-ordered set
    for p in params:
        home = _home(p)
        if home is not None:
            homes[home] = None
    members: dict[Value, None] = {}
    for home in homes:
        members.update(dict.fromkeys(home.params))
        home.retire()
    members.update(dict.fromkeys(params))
    store = ParamStore(list(members), data if not homes else None)
    index = store.locate(params)
    assert index is not None
    return store, index


def release(params: Iterable[Value]) -> None:
    """Make ``params`` (and every parameter sharing a store with them) plain
    Values again, with their current numbers.  Compiled functions and
    optimizers over them keep working (they adopt them again on their next
    call); eager code on plain Values is a little faster than through the
    properties of :class:`ResidentValue`."""
    for p in params:
        store = _home(p)
        if store is not None:
            store.retire()
            for q in store.params:
                q.__class__ = Value
