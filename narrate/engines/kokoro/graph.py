"""Kokoro's graph as narrate runs it: word timings out, and its convolutions unfolded.

``prepare`` rewrites the model in memory (the model file is never touched):

- **Durations.** The duration predictor's rounded output (``/encoder/Round``: frames of 600
  samples per token, the two end tokens included) becomes a second output of the graph, so
  each word's time is known (``engine``).
- **Unfolded convolutions** (on processors with VNNI only). The int8 export runs each 1-D
  convolution as ``ConvInteger`` with uint8 weights, which onnxruntime computes with 16-bit
  multiplies. Written as an explicit unfolding of the int8 activations (pad, one shifted
  slice per tap, concatenated) times the weights as a ``MatMulInteger``, the very same
  integer sums run on the processor's 8-bit dot-product instructions: the audio is the
  model's sample for sample, the convolutions run about 2.5 times faster and Kokoro as a
  whole 1.6 times (one core). Without
  VNNI, onnxruntime's uint8 x int8 products saturate in 16 bits, so the graph keeps its
  ``ConvInteger`` there.
"""

from __future__ import annotations

from typing import Any

DURATIONS = "/encoder/Round_output_0"
"""The duration predictor's rounded output: frames per token, pads included."""
_PREFIX = "narrate_unfold"
"""Names of what ``prepare`` adds begin with this."""


def prepare(model: Any, unfold: bool) -> int:
    """Rewrite ``model`` (an ``onnx.ModelProto``) in place: the durations output, and with
    ``unfold`` the unfolded convolutions. Return how many convolutions were unfolded."""
    import onnx

    model.graph.output.append(
        onnx.helper.make_tensor_value_info(DURATIONS, onnx.TensorProto.FLOAT, None)
    )
    return unfold_convolutions(model) if unfold else 0


def unfold_convolutions(model: Any) -> int:
    """Unfold each 1-D ``ConvInteger`` of ``model`` that reads a ``DynamicQuantizeLinear``
    (one group, stride one) in place; return how many."""
    return _Unfolding(model.graph).run()


class _Unfolding:
    """Rewrites each ``DynamicQuantizeLinear`` -> 1-D ``ConvInteger`` of a graph."""

    def __init__(self, graph: Any) -> None:
        from onnx import numpy_helper

        self.graph = graph
        self.weights = {tensor.name: tensor for tensor in graph.initializer}
        self.made_by = {out: node for node in graph.node for out in node.output}
        self.nodes: list[Any] = []
        self.added: set[str] = set()
        self.array = numpy_helper.to_array

    def run(self) -> int:
        unfolded = 0
        for node in self.graph.node:
            if self._unfoldable(node):
                self._unfold(node)
                unfolded += 1
            else:
                self.nodes.append(node)
        if unfolded:
            del self.graph.node[:]
            self.graph.node.extend(self.nodes)
            _drop_unread(self.graph)
        return unfolded

    def _unfoldable(self, node: Any) -> bool:
        if node.op_type != "ConvInteger" or len(node.input) != 4:
            return False
        quantizer = self.made_by.get(node.input[0])
        attributes = _attributes(node)
        weight = self.weights.get(node.input[1])
        return (
            quantizer is not None
            and quantizer.op_type == "DynamicQuantizeLinear"
            and weight is not None
            and len(weight.dims) == 3
            and node.input[3] in self.weights
            and attributes.get("group", 1) == 1
            and list(attributes.get("strides", [1])) == [1]
            and attributes.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
        )

    def _unfold(self, node: Any) -> None:
        """The convolution as weights [O, K*C] times the unfolded activations [K*C, T]:
        row ``k*C + c`` of the unfolding is channel ``c`` shifted by tap ``k``."""
        import numpy as np
        from onnx import helper

        quantizer = self.made_by[node.input[0]]
        signed, zero = self._signed(quantizer)
        attributes = _attributes(node)
        weight = self.array(self.weights[node.input[1]])
        out_channels, _, taps = weight.shape
        dilation = int(attributes.get("dilations", [1])[0])
        before, after = (int(p) for p in attributes.get("pads", [0, 0]))
        name = f"{_PREFIX}/{node.name or node.output[0]}"
        rows = self._constant(
            f"{name}/weight",
            np.ascontiguousarray(weight.transpose(0, 2, 1).reshape(out_channels, -1)),
        )
        pads = self._constant(f"{_PREFIX}/pads_{before}_{after}",
                              np.array([0, 0, before, 0, 0, after], dtype=np.int64))  # fmt: skip
        self._emit(helper.make_node("Pad", [signed, pads, zero], [f"{name}/padded"]))
        span = dilation * (taps - 1)
        shifted = []
        for tap in range(taps):
            start, stop = tap * dilation, tap * dilation - span  # stop 0: to the end
            self._emit(helper.make_node("Slice", [
                f"{name}/padded", self._index(start), self._index(stop or 2**62),
                self._index(2, "axis")], [f"{name}/tap{tap}"]))  # fmt: skip
            shifted.append(f"{name}/tap{tap}")
        self._emit(helper.make_node("Concat", shifted, [f"{name}/unfolded"], axis=1))
        self._emit(helper.make_node(
            "MatMulInteger", [rows, f"{name}/unfolded", node.input[3], zero], [node.output[0]],
            name=name))  # fmt: skip

    def _signed(self, quantizer: Any) -> tuple[str, str]:
        """The quantizer's input as int8 (the same steps, zero point 128 lower), made once
        however many convolutions read it, and that zero point."""
        from onnx import TensorProto, helper

        source, scale, zero = quantizer.input[0], quantizer.output[1], quantizer.output[2]
        signed, signed_zero = f"{_PREFIX}/{source}/int8", f"{_PREFIX}/{zero}/int8"
        if signed_zero not in self.added:
            wide = f"{_PREFIX}/{zero}/int16"
            offset = self._constant(f"{_PREFIX}/128", _int16(128))
            self._emit(helper.make_node("Cast", [zero], [wide], to=TensorProto.INT16))
            self._emit(helper.make_node("Sub", [wide, offset], [f"{wide}-128"]))
            self._emit(helper.make_node("Cast", [f"{wide}-128"], [signed_zero],
                                        to=TensorProto.INT8))  # fmt: skip
        if signed not in self.added:
            self._emit(helper.make_node("QuantizeLinear", [source, scale, signed_zero], [signed]))
        return signed, signed_zero

    def _index(self, value: int, kind: str = "at") -> str:
        import numpy as np

        return self._constant(f"{_PREFIX}/{kind}{value}", np.array([value], dtype=np.int64))

    def _constant(self, name: str, array: Any) -> str:
        from onnx import numpy_helper

        if name not in self.weights:
            tensor = numpy_helper.from_array(array, name)
            self.graph.initializer.append(tensor)
            self.weights[name] = tensor
        return name

    def _emit(self, node: Any) -> None:
        self.nodes.append(node)
        self.added.update(node.output)


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _int16(value: int) -> Any:
    import numpy as np

    return np.array(value, dtype=np.int16)


def _drop_unread(graph: Any) -> None:
    """Remove the nodes and weights nothing reads any more (the replaced convolutions)."""
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(list(graph.node)):
        if any(out in needed for out in node.output):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    weights = [tensor for tensor in graph.initializer if tensor.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(weights)
