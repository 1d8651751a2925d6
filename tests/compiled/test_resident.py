"""Parameters resident in numpy (micrograd.compiled.resident): p.data and p.grad are never stale."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from compiled_support import moons_like

from micrograd.compiled import ParamStore, ResidentValue, compile_fn, release, resident, svm_loss_fn
from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam


def compiled_moons(seed: int = 0, n: int = 12):
    model = MLP(2, [5, 1], seed=seed)
    params = model.parameters()
    X, y = moons_like(n, np.random.default_rng(seed))
    step = compile_fn(svm_loss_fn(model, params), (X[0], y[0]), params=params)
    return model, params, step, X, y


def store_of(params) -> ParamStore:
    store = type(params[0]).store
    assert store is not None and store.alive
    return store


def test_compiling_makes_the_parameters_resident_in_one_store():
    _, params, _, _, _ = compiled_moons()
    assert all(isinstance(p, ResidentValue) and isinstance(p, Value) for p in params)
    store = store_of(params)
    assert store.params == params
    np.testing.assert_array_equal(store.arrays[resident.DATA], [p.data for p in params])


def test_grad_is_current_after_a_step_and_data_after_the_optimizer():
    _, params, step, X, y = compiled_moons()
    opt = Adam(params, lr=0.05)
    store = store_of(params)
    for _ in range(3):
        opt.zero_grad()
        step(X, y)
        # The gradient arrived in the store's array; the Values are updated when read.
        assert resident.GRAD.stale == [store]
        grads = [p.grad for p in params]
        np.testing.assert_array_equal(grads, store.arrays[resident.GRAD])
        assert resident.GRAD.stale == []
        opt.step()
        assert resident.DATA.stale == [store]
        np.testing.assert_array_equal([p.data for p in params], store.arrays[resident.DATA])
    assert any(g != 0 for g in grads)


def test_values_written_between_steps_are_used():
    _, params, step, X, y = compiled_moons(1)
    opt = SGD(params, lr=0.1)
    opt.zero_grad()
    step(X, y)
    # Gradient clipping by hand, then the optimizer: it must see the clipped numbers.
    clipped = [max(-0.01, min(0.01, p.grad)) for p in params]
    for p, g in zip(params, clipped):
        p.grad = g
    before = [p.data for p in params]
    opt.step()
    np.testing.assert_allclose([p.data for p in params], np.array(before) - 0.1 * np.array(clipped), rtol=0)
    # A weight set by hand is what the next compiled call computes with.
    params[0].data = 3.0
    result = step(X, y)
    plain = MLP(2, [5, 1], seed=1)
    for q, p in zip(plain.parameters(), params):
        q.data = p.data
    want = compile_fn(svm_loss_fn(plain, plain.parameters()), (X[0], y[0]), params=plain.parameters())(X, y)
    assert result.loss == want.loss


def test_zero_grad_on_arrays_and_accumulation_across_calls():
    model, params, step, X, y = compiled_moons(2)
    opt = SGD(params, lr=0.1)
    step(X, y)
    once = [p.grad for p in params]
    step(X, y)
    np.testing.assert_allclose([p.grad for p in params], 2 * np.array(once), rtol=1e-15)
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in params)
    # The model's own zero_grad (a loop through the properties) works too, just slower.
    step(X, y)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in params)
    step(X, y)
    assert [p.grad for p in params] == once


def test_eager_backward_on_resident_parameters_accumulates_into_the_same_numbers():
    model, params, step, X, y = compiled_moons(3)
    step(X, y)
    compiled_grads = np.array([p.grad for p in params])
    # An eager graph over the same (resident) parameters adds its gradient on top.
    fn = svm_loss_fn(model, params)
    loss = sum((fn([Value(a) for a in x], Value(t))[0] for x, t in zip(X.tolist(), y.tolist())), Value(0.0))
    (loss / len(y)).backward()
    np.testing.assert_allclose([p.grad for p in params], 2 * compiled_grads, rtol=1e-12, atol=1e-15)
    # ... and the next compiled call reads those numbers back before adding.
    step(X, y)
    np.testing.assert_allclose([p.grad for p in params], 3 * compiled_grads, rtol=1e-12, atol=1e-15)


def test_functions_over_overlapping_parameters_share_one_store():
    model, params, step, X, y = compiled_moons(4)
    first = store_of(params)
    last_layer = model.layers[-1].parameters()
    forward_only = compile_fn(lambda x: model(x), (X[0],), params=last_layer)
    assert store_of(params) is first  # a subset: the same store
    extra = Value(0.5, label="scale")
    scaled = compile_fn(lambda x, t: (1 - t * extra * model(x)).relu(), (X[0], y[0]), params=[*params, extra])
    merged = store_of(params)
    assert merged is not first and not first.alive and store_of([extra]) is merged
    # Every function still computes with current numbers (the first layer is a constant of
    # forward_only's tape: its params are the last layer's), and the first one re-homes.
    last_layer[0].data = -1.0
    want = [model([Value(a) for a in x]).data for x in X.tolist()]
    np.testing.assert_allclose(forward_only.forward(X), want, rtol=1e-13)
    step(X, y)
    scaled(X, y)
    assert step._home() is merged


def test_optimizer_over_more_parameters_takes_them_into_the_store():
    _, params, step, X, y = compiled_moons(5)
    extra = Value(2.0)
    extra.grad = 1.0
    opt = SGD([*params, extra], lr=0.5)
    opt.zero_grad()
    step(X, y)
    extra.grad = 1.0
    opt.step()
    assert isinstance(extra, ResidentValue)
    assert extra.data == 1.5


def test_release_makes_plain_values_with_the_current_numbers():
    _, params, step, X, y = compiled_moons(6)
    opt = Adam(params, lr=0.1)
    opt.zero_grad()
    step(X, y)
    opt.step()
    data, grads = [p.data for p in params], [p.grad for p in params]
    release(params)
    assert all(type(p) is Value for p in params)
    assert [p.data for p in params] == data and [p.grad for p in params] == grads
    # Both keep working (and make the parameters resident again).
    opt.zero_grad()
    step(X, y)
    opt.step()
    assert isinstance(params[0], ResidentValue)


def test_copies_of_resident_parameters_are_plain_values():
    model, params, step, X, y = compiled_moons(7)
    step(X, y)
    p = params[0]
    for duplicate in (copy.copy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(duplicate) is Value
        assert (duplicate.data, duplicate.grad, duplicate.label) == (p.data, p.grad, p.label)
    twin = copy.deepcopy(model)
    assert all(type(q) is Value for q in twin.parameters())
    assert [q.data for q in twin.parameters()] == [q.data for q in params]


def test_optimizer_state_after_array_steps_is_plain_lists():
    _, params, step, X, y = compiled_moons(8)
    opt = Adam(params, lr=0.05)
    for _ in range(2):
        opt.zero_grad()
        step(X, y)
        opt.step()
    assert isinstance(opt.m, np.ndarray)
    state = opt.state_dict()["state"]
    assert type(state["exp_avg"]) is list and all(type(x) is float for x in state["exp_avg"])
    assert state["exp_avg"] == opt.m.tolist() and state["step"] == 2


@pytest.mark.parametrize("shape", ["slice", "index"])
def test_a_subset_optimizer_updates_only_its_parameters(shape):
    _, params, step, X, y = compiled_moons(9)
    chosen = params[::2] if shape == "index" else params[: len(params) // 2]
    opt = SGD(chosen, lr=1.0)
    before = [p.data for p in params]
    opt.zero_grad()
    step(X, y)
    grads = {p: p.grad for p in params}
    opt.step()
    for p, old in zip(params, before):
        assert p.data == (old - grads[p] if p in chosen else old)


def test_replays_run_blas_on_one_thread_and_restore_it():
    import threadpoolctl

    from micrograd.compiled.replay import OneBlasThread

    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]

    guard = OneBlasThread()
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() and set(blas_threads()) == {2}
        with guard:
            assert set(blas_threads()) == {1}
            with guard:  # reentrant: an op of a compiled function may call another one
                pass
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {2}


def test_the_hand_written_loop_touches_no_value_between_steps(monkeypatch):
    # The fast path: zero_grad, the compiled call and the optimizer step work on the
    # store's arrays only; no loop over the parameter Values runs (no flush, no gather).
    from micrograd.compiled import per_sample_loss

    model = MLP(6, [5, 3], seed=10)
    params = model.parameters()
    rng = np.random.default_rng(10)
    X, T = rng.normal(size=(16, 6)), np.eye(3)[rng.integers(0, 3, size=16)]
    step = compile_fn(per_sample_loss(model, "cross_entropy", 3), (X[0], T[0]), params=params)
    opt = Adam(params, lr=0.01)
    opt.zero_grad()
    step(X, T)
    opt.step()
    flushes: list[str] = []
    monkeypatch.setattr(resident._Field, "flush", lambda field: flushes.append(field.name))
    writes = (resident.DATA.writes, resident.GRAD.writes)
    for _ in range(5):
        opt.zero_grad()
        step(X, T)
        opt.step()
    assert flushes == [] and (resident.DATA.writes, resident.GRAD.writes) == writes
    monkeypatch.undo()
    assert all(np.isfinite(p.data) for p in params)  # reading them now brings them up to date
