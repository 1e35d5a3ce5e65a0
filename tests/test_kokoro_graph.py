"""Kokoro's convolutions unfolded (``engines.kokoro.graph``): the same integer sums, exactly."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from narrate.engines.kokoro.engine import _has_vnni
from narrate.engines.kokoro.graph import unfold_convolutions

CHANNELS, LENGTH = 16, 301


def _quantized_convolutions() -> onnx.ModelProto:
    """Float input -> DynamicQuantizeLinear -> three ConvInteger like the int8 export's
    (uint8 weights): plain, dilated and padded unevenly, and one in two groups."""
    rng = np.random.default_rng(7)
    weights = {
        "plain": rng.integers(0, 256, (24, CHANNELS, 3), dtype=np.uint8),
        "dilated": rng.integers(0, 256, (CHANNELS, CHANNELS, 11), dtype=np.uint8),
        "grouped": rng.integers(0, 256, (CHANNELS, CHANNELS // 2, 5), dtype=np.uint8),
    }
    settings = {
        "plain": {"kernel_shape": [3], "pads": [1, 1]},
        "dilated": {"kernel_shape": [11], "pads": [15, 14], "dilations": [3]},
        "grouped": {"kernel_shape": [5], "pads": [2, 2], "group": 2},
    }
    nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"])]
    outputs = []
    for name, attributes in settings.items():
        nodes.append(helper.make_node("ConvInteger", ["xq", f"w_{name}", "xz", f"z_{name}"],
                                      [name], name=f"/conv/{name}", **attributes))  # fmt: skip
        outputs.append(helper.make_tensor_value_info(name, TensorProto.INT32, None))
    initializers = [numpy_helper.from_array(w, f"w_{n}") for n, w in weights.items()]
    initializers += [
        numpy_helper.from_array(np.array(z, dtype=np.uint8), f"z_{n}")
        for n, z in (("plain", 131), ("dilated", 97), ("grouped", 128))
    ]
    graph = helper.make_graph(
        nodes, "convolutions",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, CHANNELS, None])],
        outputs, initializers,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _run(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return list(session.run(None, {"x": x}))


@pytest.mark.skipif(not _has_vnni(), reason="unfolding is used only on processors with VNNI")
def test_unfolded_convolutions_give_the_very_sums_of_conv_integer() -> None:
    model = _quantized_convolutions()
    x = np.random.default_rng(1).normal(0, 2, (1, CHANNELS, LENGTH)).astype(np.float32)
    x[0, 3, 40:90] = 60.0  # a loud stretch: activations reach both ends of uint8
    before = _run(model, x)
    assert unfold_convolutions(model) == 2
    kinds = [node.op_type for node in model.graph.node]
    assert kinds.count("ConvInteger") == 1  # the grouped one stays as it was
    assert kinds.count("MatMulInteger") == 2
    after = _run(model, x)
    for old, new in zip(before, after, strict=True):
        assert old.shape == new.shape
        assert np.array_equal(old, new)
    # Any input length: the slices follow it.
    shorter = x[:, :, :57].copy()
    assert all(
        np.array_equal(a, b)
        for a, b in zip(_run(_quantized_convolutions(), shorter), _run(model, shorter), strict=True)
    )


def test_a_graph_without_quantized_convolutions_is_left_as_it_is() -> None:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )  # fmt: skip
    model = helper.make_model(graph)
    before = model.SerializeToString()
    assert unfold_convolutions(model) == 0
    assert model.SerializeToString() == before
