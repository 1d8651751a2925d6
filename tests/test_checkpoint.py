"""Checkpoints: exact round trip, corruption detection, atomic writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from micrograd import checkpoint
from micrograd.checkpoint import load, load_into, save
from micrograd.engine import Value
from micrograd.losses import mse
from micrograd.nn import MLP, Layer
from micrograd.optim import SGD, Adam

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
Y = [1.0, -0.5, 0.25]


def trained(seed: int = 0) -> tuple[MLP, Adam]:
    model = MLP(2, [5, 4, 1], activation="tanh", final_activation="sigmoid", seed=seed)
    opt = Adam(model.parameters(), lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        mse([model(x) for x in X], Y).backward()
        opt.step()
    return model, opt


def outputs(model: MLP) -> list[float]:
    outs = [model(x) for x in X]
    return [o.data for o in outs if isinstance(o, Value)]


def test_round_trip_is_bit_exact(tmp_path: Path) -> None:
    model, opt = trained()
    # awkward floats: subnormal, negative zero, many digits
    model.layers[0].neurons[0].w[0].data = 5e-324
    model.layers[0].neurons[0].w[1].data = -0.0
    model.layers[0].neurons[1].b.data = 0.1 + 0.2
    path = save(model, tmp_path / "m.json", optimizer=opt)
    ck = load(path)
    assert ck.model is not None
    assert ck.model.config() == model.config()
    for (name, a), (name2, b) in zip(model.named_parameters(), ck.model.named_parameters()):
        assert name == name2
        assert a.data.hex() == b.data.hex()  # bit for bit, including the sign of zero
    assert outputs(ck.model) == outputs(model)
    # the optimizer resumes exactly too
    fresh = Adam(ck.model.parameters(), lr=0.05)
    ck.restore_optimizer(fresh)
    assert fresh.state_dict() == opt.state_dict()


def test_resume_training_matches_uninterrupted(tmp_path: Path) -> None:
    a, opt_a = trained()
    save(a, tmp_path / "m.json", optimizer=opt_a)
    b = MLP(2, [5, 4, 1], activation="tanh", final_activation="sigmoid", seed=99)
    opt_b = Adam(b.parameters(), lr=0.05)
    load_into(tmp_path / "m.json", b, opt_b)
    for model, opt in ((a, opt_a), (b, opt_b)):
        opt.zero_grad()
        mse([model(x) for x in X], Y).backward()
        opt.step()
    assert a.state_dict() == b.state_dict()


def test_file_is_plain_json_with_version_and_architecture(tmp_path: Path) -> None:
    model, _ = trained()
    save(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "micrograd-checkpoint" and doc["version"] == 1
    assert doc["payload"]["architecture"]["nouts"] == [5, 4, 1]
    assert doc["payload"]["optimizer"] is None
    assert len(doc["payload"]["parameters"]) == len(model.parameters())


def test_state_dict_and_non_mlp_module(tmp_path: Path) -> None:
    layer = Layer(3, 2, seed=1)
    save(layer, tmp_path / "layer.json")
    ck = load(tmp_path / "layer.json")
    assert ck.model is None and ck.architecture is None
    other = Layer(3, 2, seed=2)
    other.load_state_dict(ck.parameters)
    assert other.state_dict() == layer.state_dict()
    save({"a": 1, "b": 2.5}, tmp_path / "state.json")
    assert load(tmp_path / "state.json").parameters == {"a": 1.0, "b": 2.5}


def test_truncated_file_is_rejected(tmp_path: Path) -> None:
    model, opt = trained()
    path = save(model, tmp_path / "m.json", optimizer=opt)
    data = path.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 3):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated"):
            load(path)


def test_tampered_file_is_rejected(tmp_path: Path) -> None:
    model, _ = trained()
    path = save(model, tmp_path / "m.json")
    doc = json.loads(path.read_text())
    name = next(iter(doc["payload"]["parameters"]))
    doc["payload"]["parameters"][name] += 1e-9
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="checksum mismatch"):
        load(path)


def test_other_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a micrograd checkpoint"):
        load(path)
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(ValueError, match="JSON"):
        load(path)
    model, _ = trained()
    save(model, path)
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="newer"):
        load(path)
    # consistent checksum but parameters that do not fit the architecture
    doc["version"] = 1
    doc["payload"]["architecture"]["nouts"] = [3, 1]
    doc["sha256"] = checkpoint._checksum(doc["payload"])
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="do not fit the architecture"):
        load(path)


def test_mismatched_model_is_rejected_and_untouched(tmp_path: Path) -> None:
    model, opt = trained()
    save(model, tmp_path / "m.json", optimizer=opt)
    other = MLP(2, [3, 1], seed=0)
    before = other.state_dict()
    with pytest.raises(ValueError, match="architecture"):
        load_into(tmp_path / "m.json", other)
    assert other.state_dict() == before
    same_shape = MLP(2, [5, 4, 1], activation="tanh", final_activation="sigmoid", seed=5)
    before = same_shape.state_dict()
    with pytest.raises(ValueError, match="'Adam', not 'SGD'"):
        load_into(tmp_path / "m.json", same_shape, SGD(same_shape.parameters(), lr=0.1))
    assert same_shape.state_dict() == before


def test_non_finite_parameters_are_refused(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=0)
    model.layers[0].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def assert_old_checkpoint_survives(tmp_path: Path, old: MLP) -> None:
    ck = load(tmp_path / "m.json")
    assert ck.model is not None and ck.model.state_dict() == old.state_dict()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "m.json"]
    assert leftovers == []  # the temp file was cleaned up


@pytest.mark.parametrize("stage", ["write", "fsync", "replace"])
def test_interrupted_save_leaves_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    old, _ = trained(seed=1)
    save(old, tmp_path / "m.json")
    new, opt = trained(seed=2)
    if stage == "write":
        real_write = os.write
        calls = []

        def failing_write(fd: int, data: bytes) -> int:
            calls.append(1)
            if len(calls) > 1:
                raise OSError(28, "No space left on device")
            return real_write(fd, bytes(data)[:100])  # a short write: the loop must continue

        monkeypatch.setattr(os, "write", failing_write)
    else:

        def boom(*args: object) -> None:
            raise OSError(5, f"simulated {stage} failure")

        monkeypatch.setattr(os, stage, boom)
    with pytest.raises(OSError):
        save(new, tmp_path / "m.json", optimizer=opt)
    monkeypatch.undo()
    assert_old_checkpoint_survives(tmp_path, old)


def test_killed_writer_leaves_previous_checkpoint(tmp_path: Path) -> None:
    old, _ = trained(seed=1)
    save(old, tmp_path / "m.json")
    # A child process starts saving a different model and is SIGKILLed while
    # the temp file is half written (its write blocks on our signal).
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from micrograd.checkpoint import save
        from micrograd.nn import MLP
        real_write = os.write
        def slow_write(fd, data):
            n = real_write(fd, bytes(data)[:50])
            print("HALF", flush=True)
            time.sleep(60)
            return n
        os.write = slow_write
        save(MLP(2, [5, 4, 1], seed=7), {str(tmp_path / "m.json")!r})
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "HALF"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    ck = load(tmp_path / "m.json")
    assert ck.model is not None and ck.model.state_dict() == old.state_dict()
    # The kill really happened mid-write: the half-written temp file is
    # still there (a stray file that load never reads), the target is not.
    strays = [p for p in tmp_path.iterdir() if p.name != "m.json"]
    assert len(strays) == 1 and strays[0].name.startswith(".m.json.")
    assert strays[0].stat().st_size == 50


def test_optimizer_of_another_model_is_refused_and_file_untouched(tmp_path: Path) -> None:
    model, opt = trained(seed=0)
    path = save(model, tmp_path / "ckpt.json", optimizer=opt)
    before = path.read_bytes()
    _, other_opt = trained(seed=1)
    with pytest.raises(ValueError, match="none of the optimizer's 44 parameters belongs to this model"):
        save(model, path, optimizer=other_opt)
    assert path.read_bytes() == before
    # An optimizer over the model's parameters and an extra one is fine ...
    temperature = Value(1.0)
    save(model, tmp_path / "extra.json", optimizer=Adam([*model.parameters(), temperature], lr=0.01))
    # ... and so is one over some of them (the rest frozen).
    last_layer = model.layers[-1].parameters()
    partial = SGD(last_layer, lr=0.1, momentum=0.9)
    mse([model(x) for x in X], Y).backward()
    partial.step()
    save(model, tmp_path / "partial.json", optimizer=partial)
    fresh = MLP(2, [5, 4, 1], activation="tanh", final_activation="sigmoid", seed=7)
    restored = SGD(fresh.layers[-1].parameters(), lr=0.1, momentum=0.9)
    load_into(tmp_path / "partial.json", fresh, restored)
    assert restored.state_dict() == partial.state_dict()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        save("model", tmp_path / "m.json")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        save({"a": "1"}, tmp_path / "m.json")  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        save(MLP(2, [1], seed=0), tmp_path / "m.json", optimizer="adam")  # type: ignore[arg-type]


def test_out_of_range_numbers_are_a_clear_value_error(tmp_path: Path) -> None:
    # 1e400 parses as inf (the checksum step then failed with json's bare
    # "Out of range float values" and no file name); a 400-digit integer with
    # a matching checksum raised OverflowError, not the documented ValueError.
    model = MLP(2, [1], seed=0)
    path = save(model, tmp_path / "m.json")
    doc = json.loads(path.read_text())
    name = next(iter(doc["payload"]["parameters"]))
    text = path.read_text().replace(repr(doc["payload"]["parameters"][name]), "1e400", 1)
    path.write_text(text)
    with pytest.raises(ValueError, match=r"m\.json.*1e400"):
        load(path)
    doc["payload"]["parameters"][name] = 10**400
    doc["sha256"] = checkpoint._checksum(doc["payload"])
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=rf"m\.json.*{name}"):
        load(path)
