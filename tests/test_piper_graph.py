"""Running 1-D convolutions as 2-D ones changes the shape of the work, never its result."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import narrate.engines.prepared
from narrate.config import EngineSettings
from narrate.engines import load_engine
from narrate.engines.piper import graph
from narrate.engines.piper.graph import widen

RNG = np.random.default_rng(7)


def _weight(name: str, *shape: int) -> onnx.TensorProto:
    return numpy_helper.from_array((RNG.standard_normal(shape) * 0.2).astype(np.float32), name)


def _vocoder_like(opset: int) -> onnx.ModelProto:
    """A small HiFi-GAN-shaped graph: conv, upsampling, a dilated residual block with
    leaky ReLUs, a scale per channel and sample (a rank-2 operand), a sum of two branches,
    tanh; plus a reduction that reads a widened tensor, and two outputs."""
    c = 32
    nodes = [
        helper.make_node("Conv", ["x", "pre_w", "pre_b"], ["pre"], kernel_shape=[7], pads=[3, 3]),
        helper.make_node("LeakyRelu", ["pre"], ["pre_act"], alpha=0.1),
        helper.make_node(
            "ConvTranspose",
            ["pre_act", "up_w", "up_b"],
            ["up"],
            kernel_shape=[4],
            strides=[2],
            pads=[1, 1],
        ),
        helper.make_node("LeakyRelu", ["up"], ["a1"], alpha=0.1),
        helper.make_node(
            "Conv", ["a1", "c1_w", "c1_b"], ["c1"], kernel_shape=[3], dilations=[3], pads=[3, 3]
        ),
        helper.make_node("LeakyRelu", ["c1"], ["a2"], alpha=0.1),
        helper.make_node("Conv", ["a2", "c2_w"], ["c2"], kernel_shape=[3], pads=[1, 1]),
        helper.make_node("Add", ["c2", "up"], ["res"]),
        helper.make_node("Mul", ["res", "scale"], ["scaled"]),
        helper.make_node("Conv", ["up", "side_w"], ["side"], kernel_shape=[1]),
        helper.make_node("Add", ["scaled", "side"], ["sum"]),
        helper.make_node("Div", ["sum", "two"], ["mean"]),
        helper.make_node("ReduceMean", ["mean"], ["level"], keepdims=1, **_axes(opset)),
        helper.make_node("Conv", ["mean", "post_w"], ["post"], kernel_shape=[7], pads=[3, 3]),
        helper.make_node("Tanh", ["post"], ["audio"]),
    ]
    initializers = [
        _weight("pre_w", 2 * c, 8, 7), _weight("pre_b", 2 * c), _weight("up_w", 2 * c, c, 4),
        _weight("up_b", c), _weight("c1_w", c, c, 3), _weight("c1_b", c), _weight("c2_w", c, c, 3),
        _weight("scale", c, 600), _weight("side_w", c, c, 1), _weight("post_w", 1, c, 7),
        numpy_helper.from_array(np.array(2.0, np.float32), "two"),
    ]  # fmt: skip
    if opset >= 18:
        initializers.append(numpy_helper.from_array(np.array([1], np.int64), "reduce_axes"))
    graph = helper.make_graph(
        nodes,
        "vocoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 300])],
        [
            helper.make_tensor_value_info("audio", TensorProto.FLOAT, [1, 1, "T2"]),
            helper.make_tensor_value_info("level", TensorProto.FLOAT, [1, 1, "T2"]),
        ],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _axes(opset: int) -> dict[str, Any]:
    return {} if opset >= 18 else {"axes": [1]}


def _run(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return [np.asarray(out) for out in session.run(None, {"x": x})]


@pytest.mark.parametrize("opset", [11, 15])
def test_widened_graph_computes_the_same(opset: int) -> None:
    model = _vocoder_like(opset)
    x = RNG.standard_normal((1, 8, 300)).astype(np.float32)
    before = _run(model, x)
    wide = onnx.ModelProto()
    wide.CopyFrom(model)
    assert widen(wide) == 6
    onnx.checker.check_model(wide)
    conv_weights = {n.input[1] for n in wide.graph.node if n.op_type in ("Conv", "ConvTranspose")}
    ranks = {i.name: len(i.dims) for i in wide.graph.initializer}
    assert {ranks[w] for w in conv_weights} == {4}
    after = _run(wide, x)
    for old, new in zip(before, after, strict=True):
        assert old.shape == new.shape
        np.testing.assert_allclose(new, old, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("op", "factor"), [("Div", 3.0), ("Mul", 0.25)])
@pytest.mark.parametrize("also_read", [False, True])
def test_a_constant_factor_only_leaky_relus_read_folds_into_their_convolution(
    op: str, factor: float, also_read: bool
) -> None:
    """HiFi-GAN's mean of its residual blocks, (a + b) / 3, before a leaky ReLU: the factor
    moves into the identity convolution, so no Div is left to leave the blocked layout for;
    where anything else reads the quotient too, the Div stays."""
    c = 32
    nodes = [
        helper.make_node("Conv", ["x", "a_w"], ["a"], kernel_shape=[3], pads=[1, 1]),
        helper.make_node("Conv", ["x", "b_w"], ["b"], kernel_shape=[5], pads=[2, 2]),
        helper.make_node("Add", ["a", "b"], ["sum"]),
        helper.make_node(op, ["sum", "factor"], ["mean"]),
        helper.make_node("LeakyRelu", ["mean"], ["act"], alpha=0.1),
        helper.make_node("Conv", ["act", "post_w"], ["y"], kernel_shape=[7], pads=[3, 3]),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 200])]
    if also_read:
        nodes.append(helper.make_node("Tanh", ["mean"], ["side"]))
        outputs.append(helper.make_tensor_value_info("side", TensorProto.FLOAT, [1, c, 200]))
    graph = helper.make_graph(
        nodes,
        "mean",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, 200])],
        outputs,
        [_weight("a_w", c, c, 3), _weight("b_w", c, c, 5), _weight("post_w", 1, c, 7),
         numpy_helper.from_array(np.array(factor, np.float32), "factor")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    x = RNG.standard_normal((1, c, 200)).astype(np.float32)
    before = _run(model, x)
    assert widen(model) == 3
    assert any(n.op_type == op for n in model.graph.node) == also_read
    after = _run(model, x)
    for old, new in zip(before, after, strict=True):
        np.testing.assert_allclose(new, old, rtol=1e-5, atol=1e-6)


def test_a_graph_without_1d_convolutions_is_left_alone() -> None:
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(
        nodes,
        "image",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 8, 8])],
        [_weight("w", 16, 4, 3, 3)],
    )
    model = helper.make_model(graph)
    before = model.SerializeToString()
    assert widen(model) == 0
    assert model.SerializeToString() == before


def test_piper_speaks_through_the_widened_graph_and_sounds_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bundled voice, noise pinned: narrate's engine and plain Piper (1-D graph, its own
    loader) give the same number of samples, each within a few steps of 16-bit PCM."""
    from piper import PiperVoice, SynthesisConfig

    converted: list[int] = []
    real = graph.widen

    def counting(model: Any) -> int:
        converted.append(real(model))
        return converted[-1]

    monkeypatch.setattr(graph, "widen", counting)
    settings = EngineSettings(
        name="piper", voice="", language="en-US", length_scale=1.0,
        options=(("noise_scale", 0.0), ("noise_w", 0.0)),
    )  # fmt: skip
    engine = load_engine(settings)
    text = "Macrophages, not microglia, drive the damage in 2026."
    ours = np.frombuffer(engine.synthesize(text).data, dtype="<i2").astype(np.int32)
    assert converted and converted[0] > 50  # a Piper voice has well over fifty of them

    model = Path(engine.model)  # type: ignore[attr-defined]
    plain = PiperVoice.load(model, config_path=f"{model}.json")
    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    theirs = np.frombuffer(
        b"".join(c.audio_int16_bytes for c in plain.synthesize(text, syn_config=config)),
        dtype="<i2",
    ).astype(np.int32)
    assert len(ours) == len(theirs) > 22050
    assert np.abs(ours - theirs).max() <= 8
    assert json.loads(engine.fingerprint())["graph"] == "2d-convolutions-2"


@pytest.mark.parametrize(
    ("kernel", "stride", "pads", "output_padding", "bias"),
    [(16, 8, [4, 4], 0, True), (8, 4, [2, 2], 0, False), (5, 2, [1, 2], 1, True),
     (3, 3, [0, 0], 0, True), (4, 2, [0, 3], 1, False), (7, 1, [3, 3], 0, True)],
)  # fmt: skip
def test_upsampling_split_into_phases_computes_the_same(
    kernel: int, stride: int, pads: list[int], output_padding: int, bias: bool
) -> None:
    """A transposed convolution becomes a plain one per output phase, interleaved."""
    c_in, c_out = 32, 16
    names = ["x", "w", "b"] if bias else ["x", "w"]
    node = helper.make_node(
        "ConvTranspose", names, ["y"], kernel_shape=[kernel], strides=[stride], pads=pads,
        output_padding=[output_padding],
    )  # fmt: skip
    weights = [_weight("w", c_in, c_out, kernel)] + ([_weight("b", c_out)] if bias else [])
    graph = helper.make_graph(
        [node],
        "upsampling",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in, 57])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c_out, "T"])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    x = RNG.standard_normal((1, c_in, 57)).astype(np.float32)
    (before,) = _run(model, x)
    assert widen(model) == 1
    assert any(n.op_type == "Transpose" for n in model.graph.node) == (stride > 1)
    (after,) = _run(model, x)
    assert after.shape == before.shape
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-5)


def _pinned(prepared: Path) -> EngineSettings:
    return EngineSettings(
        name="piper", voice="", language="en-US", length_scale=1.0,
        options=(("noise_scale", 0.0), ("noise_w", 0.0)), threads=1, prepared_dir=str(prepared),
    )  # fmt: skip


def _spoken(settings: EngineSettings) -> bytes:
    return load_engine(settings).synthesize("Not medical advice.").data


def test_a_prepared_voice_is_kept_in_the_cache_and_sounds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first load keeps the optimized graph; the next loads it without preparing it
    again, and speaks the very same samples."""
    prepared = tmp_path / "voices"
    converted: list[int] = []
    real = graph.widen
    monkeypatch.setattr(graph, "widen", lambda model: converted.append(1) or real(model))
    first = _spoken(_pinned(prepared))
    (kept,) = prepared.glob("*.onnx")
    assert kept.stat().st_size > 10_000_000 and converted == [1]
    assert [p.name for p in prepared.iterdir()] == [kept.name]  # no claim or temporary left
    again = _spoken(_pinned(prepared))
    assert converted == [1]  # not prepared again
    assert again == first
    assert _spoken(dataclasses.replace(_pinned(prepared), prepared_dir="")) == first


def test_a_damaged_prepared_voice_is_prepared_again(tmp_path: Path) -> None:
    prepared = tmp_path / "voices"
    first = _spoken(_pinned(prepared))
    (kept,) = prepared.glob("*.onnx")
    kept.write_bytes(b"not a graph")
    assert _spoken(_pinned(prepared)) == first
    assert kept.stat().st_size > 10_000_000


def _another_worker_preparing(
    prepared: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[bytes, threading.Thread, list[int]]:
    """A voice kept in ``prepared``, taken away again while another (live) process holds the
    claim on writing it, which it finishes half a second later, as the real writer does:
    whole, or not at all. Returns what the voice says, that writer, and a list that grows by
    one each time this process reshapes the graph (prepares the voice)."""
    first = _spoken(_pinned(prepared))
    (kept,) = prepared.glob("*.onnx")
    ready = kept.read_bytes()
    kept.unlink()
    claim = prepared / f".claim-{kept.name}"
    claim.write_text(str(os.getpid()))

    def finishes() -> None:
        time.sleep(0.5)
        staged = prepared / f".tmp-{kept.name}"
        staged.write_bytes(ready)
        staged.replace(kept)
        claim.unlink()

    converted: list[int] = []
    real = graph.widen
    monkeypatch.setattr(graph, "widen", lambda model: converted.append(1) or real(model))
    writer = threading.Thread(target=finishes)
    writer.start()
    return first, writer, converted


def test_a_worker_waits_for_the_voice_another_is_preparing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers load the voice at once: one prepares and keeps it, the other waits and
    loads what the first kept, instead of preparing it too."""
    first, writer, converted = _another_worker_preparing(tmp_path / "voices", monkeypatch)
    assert _spoken(_pinned(tmp_path / "voices")) == first
    assert converted == []  # it waited and loaded, it did not prepare
    writer.join()


def test_a_worker_with_a_core_of_its_own_prepares_the_voice_beside_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told not to wait, a worker that finds another preparing the voice prepares its own
    copy at once, where a waiting one would load what the other keeps; it sounds the same."""
    first, writer, converted = _another_worker_preparing(tmp_path / "voices", monkeypatch)
    alone = dataclasses.replace(_pinned(tmp_path / "voices"), wait_for_preparation=False)
    assert _spoken(alone) == first
    assert converted == [1]  # prepared its own, did not wait to load the other's
    writer.join()


def test_a_claim_that_comes_to_nothing_does_not_stop_the_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = tmp_path / "voices"
    _spoken(_pinned(prepared))
    (kept,) = prepared.glob("*.onnx")
    kept.unlink()
    claim = prepared / f".claim-{kept.name}"
    claim.touch()  # held by a writer that never finishes
    monkeypatch.setattr(narrate.engines.prepared, "WAIT_S", 0.3)
    assert _spoken(_pinned(prepared))  # waited a while, then prepared it alone
    assert not kept.exists() and claim.exists()
    stale = claim.stat().st_mtime - 3600
    os.utime(claim, (stale, stale))  # ... or was killed an hour ago: its claim lapsed
    _spoken(_pinned(prepared))
    assert kept.exists() and not claim.exists()


def test_the_claim_of_a_killed_build_lapses_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed while preparing the voice left its claim: the next one does not wait
    for it (the claiming process is gone) and keeps the voice itself."""
    prepared = tmp_path / "voices"
    _spoken(_pinned(prepared))
    (kept,) = prepared.glob("*.onnx")
    kept.unlink()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    claim = prepared / f".claim-{kept.name}"
    claim.write_text(gone, encoding="utf-8")
    waited: list[Path] = []
    monkeypatch.setattr(narrate.engines.prepared, "_written", waited.append)
    _spoken(_pinned(prepared))
    assert waited == []  # it did not wait for the dead
    assert kept.exists() and not claim.exists()
