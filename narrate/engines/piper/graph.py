"""Piper voices run their one-dimensional convolutions as two-dimensional ones, height one.

The same sums, in another shape: onnxruntime has fast blocked ("NCHWc") kernels for 2-D
convolutions only, and a Piper voice's vocoder (HiFi-GAN) spends most of its time in 1-D
convolutions over long stretches of samples. Written as 2-D, a voice speaks about a quarter
faster on one core, and its samples differ from the 1-D graph's by a few parts in a hundred
thousand (rounding in another summation order: a few steps of 16-bit PCM, far below hearing).

``widen`` rewrites the graph in memory (the voice file is never touched):

- each 1-D ``Conv``/``ConvTranspose`` with a constant weight becomes its 2-D twin, reading
  ``[N, C, 1, T]`` instead of ``[N, C, T]``;
- each upsampling (a ``ConvTranspose`` with a stride) becomes a plain convolution with one
  set of output channels per phase, interleaved into time by a reshape and a transpose:
  onnxruntime's transposed convolution is much slower than its blocked plain one;
- element-wise operations between them (activations, residual sums, scaling) work on the
  4-D tensors too, so the blocked layout can run from one convolution to the next;
- ``LeakyRelu`` and the output of each upsampling become a 1x1 identity convolution (times
  one, exactly) with the activation fused, which onnxruntime keeps in the blocked layout;
- a division (or product) by a constant that only ``LeakyRelu`` reads, as in HiFi-GAN's mean
  of its residual blocks, folds into that identity convolution (times one third, say), so it
  does not take the tensor out of the blocked layout and back;
- where anything else reads a widened tensor, a ``Squeeze`` gives it back its 3-D shape.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

_UNARY = frozenset({"LeakyRelu", "Relu", "Tanh", "Sigmoid", "Neg", "Abs", "Exp", "Identity"})
_BINARY = frozenset({"Add", "Sub", "Mul", "Div"})
_BLOCK = 16
"""onnxruntime blocks channels by 8 or 16: identity convolutions only where 16 divide them."""


def widen(model: Any) -> int:
    """Rewrite ``model`` (an ``onnx.ModelProto``) in place; return how many convolutions
    became 2-D (0 leaves the graph as it was)."""
    return _Widening(model).run()


class _Widening:
    """One pass over a graph in topological order, emitting the new node list."""

    def __init__(self, model: Any) -> None:
        self.graph = model.graph
        self.opset = next(
            (o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13
        )
        self.tensors = {i.name: i for i in self.graph.initializer}
        """The graph's initializers by name (the protos themselves: nothing is copied)."""
        self.readers = Counter(name for node in self.graph.node for name in node.input)
        self.ranks = {i.name: len(i.dims) for i in self.graph.initializer}
        constants = {i.name: i for i in self.graph.initializer}
        for node in self.graph.node:
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                self.ranks[node.output[0]] = len(node.attribute[0].t.dims)
                constants[node.output[0]] = node.attribute[0].t
        self.scalars = {name: value for name, t in constants.items() if (value := _scalar(t))}
        """Constants of one (non-zero) number, by name."""
        self.read_by: dict[str, set[str]] = {}
        """The kinds of node that read each tensor (a graph output counts as one)."""
        for node in self.graph.node:
            for name in node.input:
                self.read_by.setdefault(name, set()).add(node.op_type)
        for output in self.graph.output:
            self.read_by.setdefault(output.name, set()).add("output")
        self.scales: dict[str, float] = {}
        """3-D tensor name -> the factor still owed to it, folded into its readers."""
        self.wide: dict[str, str] = {}
        """3-D tensor name -> the name of its 4-D twin."""
        self.channels: dict[str, int] = {}
        """4-D tensor name -> its channel count, where known."""
        self.nodes: list[Any] = []
        self.produced: set[str] = set()
        self.added: dict[str, Any] = {}
        """New initializers by name."""

    def run(self) -> int:
        converted = 0
        for node in self.graph.node:
            if self._convolution(node):
                converted += 1
            elif not (self._unary(node) or self._binary(node)):
                self._narrow_inputs(node.input)
                self._emit(node)
        if not converted:
            return 0
        self._narrow_inputs(o.name for o in self.graph.output)
        read = {name for node in self.nodes for name in node.input}
        del self.graph.node[:]
        self.graph.node.extend(self.nodes)
        initializers = self.graph.initializer
        for index in reversed(range(len(initializers))):
            if initializers[index].name not in read:
                del initializers[index]
        initializers.extend(self.added.values())
        return converted

    def _convolution(self, node: Any) -> bool:
        from onnx import helper

        if node.op_type not in ("Conv", "ConvTranspose") or node.domain not in ("", "ai.onnx"):
            return False
        if len(node.input) < 2 or node.input[1] not in self.tensors:
            return False
        proto = self.tensors[node.input[1]]
        if len(proto.dims) != 3:
            return False
        if node.op_type == "ConvTranspose" and (phased := self._polyphase(node, proto)):
            out, channels = phased
            out = self._identity(out, channels, f"{out}_identity")
            self.wide[node.output[0]] = out
            self.channels[out] = channels
            return True
        shape = tuple(proto.dims)
        name = self._weight_2d(proto)
        attributes: dict[str, Any] = {}
        for attribute in node.attribute:
            value = helper.get_attribute_value(attribute)
            if attribute.name in ("kernel_shape", "dilations", "strides", "output_shape"):
                value = [1, *value]
            elif attribute.name == "output_padding":
                value = [0, *value]
            elif attribute.name == "pads":
                value = [0, value[0], 0, value[1]]
            attributes[attribute.name] = value
        group = int(attributes.get("group", 1))
        out = node.output[0] + "__4d"
        self._emit(
            helper.make_node(
                node.op_type,
                [self._wide_input(node.input[0]), name, *node.input[2:]],
                [out],
                name=node.name,
                **attributes,
            )
        )
        channels = shape[0] if node.op_type == "Conv" else shape[1] * group
        if node.op_type == "ConvTranspose":
            out = self._identity(out, channels, f"{out}_identity")
        self.wide[node.output[0]] = out
        self.channels[out] = channels
        return True

    def _weight_2d(self, proto: Any) -> str:
        """The name of ``proto``'s weights as ``[O, I, 1, K]``: the same bytes, so a weight only
        this convolution reads just gets the new shape; a shared one is copied once."""
        from onnx import numpy_helper

        if self.readers[proto.name] == 1:
            proto.dims.insert(2, 1)
            return str(proto.name)
        name = f"{proto.name}__2d"
        if name not in self.added:
            self.added[name] = self._tensor(numpy_helper.to_array(proto)[:, :, None, :], name)
        return name

    def _polyphase(self, node: Any, proto: Any) -> tuple[str, int] | None:
        """A transposed convolution as a plain one with ``stride`` times the channels (one
        set per output phase), interleaved into time: the same sums, in the blocked kernels.
        Returns the 4-D output and its channels; None where the shape of it does not fit
        (groups, dilation, automatic padding, a given output shape, old opsets)."""
        import numpy as np
        from onnx import helper

        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if self.opset < 10 or "output_shape" in attributes:
            return None
        if attributes.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            return None
        if int(attributes.get("group", 1)) != 1 or list(attributes.get("dilations", [1])) != [1]:
            return None
        stride = int(attributes.get("strides", [1])[0])
        begin, end = (int(p) for p in attributes.get("pads", [0, 0]))
        extra = int(attributes.get("output_padding", [0])[0])
        _, outputs, kernel = (int(d) for d in proto.dims)
        taps = -(-kernel // stride)
        trim = taps * stride - kernel + end - extra  # what the interleaved output has too many
        bias = node.input[2] if len(node.input) > 2 and node.input[2] else ""
        if stride < 2 or trim < 0:
            return None
        if bias and (bias not in self.tensors or len(self.tensors[bias].dims) != 1):
            return None
        label = node.output[0]
        weights = self._phase_weights(label, proto, stride, taps, bias)
        constants = {
            "split": [0, stride, outputs, -1],
            "joined": [0, outputs, 1, -1],
            "starts": [begin],
            "ends": [-trim if trim else np.iinfo(np.int64).max],
            "axis": [3],
        }
        for key, value in constants.items():
            self.added[f"{label}__{key}"] = self._tensor(
                np.array(value, np.int64), f"{label}__{key}"
            )
        return self._interleaved(node, weights, taps), outputs

    def _phase_weights(
        self, label: str, proto: Any, stride: int, taps: int, bias: str
    ) -> list[str]:
        """The names of the plain convolution's weights, one set of output channels per
        phase, and of its bias (``bias`` once per phase), added as initializers."""
        import numpy as np
        from onnx import numpy_helper

        inputs, outputs, kernel = (int(d) for d in proto.dims)
        # Phase r of output sample q * stride + r weighs x[q - j] by tap r + j * stride; as a
        # correlation padded by taps - 1 on both sides, x[q - j] sits at tap taps - 1 - j.
        weight = numpy_helper.to_array(proto)
        phased = np.zeros((stride, outputs, inputs, 1, taps), np.float32)
        for phase in range(stride):
            for place in range(taps):
                tap = phase + (taps - 1 - place) * stride
                if tap < kernel:
                    phased[phase, :, :, 0, place] = weight[:, :, tap].T
        names = [f"{label}__phases"]
        self.added[names[0]] = self._tensor(
            phased.reshape(stride * outputs, inputs, 1, taps), names[0]
        )
        if bias:
            names.append(f"{label}__phase_bias")
            tiled = np.tile(numpy_helper.to_array(self.tensors[bias]).astype(np.float32), stride)
            self.added[names[1]] = self._tensor(tiled, names[1])
        return names

    def _interleaved(self, node: Any, weights: list[str], taps: int) -> str:
        """Emit the plain convolution over ``node``'s input, then the reshape, transpose,
        reshape and slice (by the constants ``_polyphase`` added) that interleave its phases
        into time; return the 4-D output."""
        from onnx import helper

        label = node.output[0]
        phases, ordered, joined, out = (f"{label}__{n}" for n in ("z", "t", "j", "4d"))
        source = self._wide_input(node.input[0])
        self._emit(helper.make_node("Conv", [source, *weights], [phases], kernel_shape=[1, taps],
                                    pads=[0, taps - 1, 0, taps - 1], name=node.name))  # fmt: skip
        self._emit(helper.make_node("Reshape", [phases, f"{label}__split"], [f"{label}__r"]))
        self._emit(helper.make_node("Transpose", [f"{label}__r"], [ordered], perm=[0, 2, 3, 1]))
        self._emit(helper.make_node("Reshape", [ordered, f"{label}__joined"], [joined]))
        self._emit(helper.make_node("Slice", [joined, f"{label}__starts", f"{label}__ends",
                                              f"{label}__axis"], [out]))  # fmt: skip
        return out

    def _unary(self, node: Any) -> bool:
        from onnx import helper

        if node.op_type not in _UNARY or node.domain not in ("", "ai.onnx"):
            return False
        if node.input[0] not in self.wide:
            return False
        source = self.wide[node.input[0]]
        channels = self.channels.get(source)
        if node.op_type == "LeakyRelu" and channels:
            scale = self.scales.get(node.input[0], 1.0)
            source = self._identity(source, channels, f"{node.output[0]}__identity", scale)
        out = node.output[0] + "__4d"
        widened = helper.make_node(node.op_type, [source], [out], name=node.name)
        widened.attribute.extend(node.attribute)
        self._emit(widened)
        self.wide[node.output[0]] = out
        if channels:
            self.channels[out] = channels
        return True

    def _binary(self, node: Any) -> bool:
        from onnx import helper

        if node.op_type not in _BINARY or node.domain not in ("", "ai.onnx"):
            return False
        if not any(name in self.wide for name in node.input):
            return False
        if any(name not in self.wide and name not in self.ranks for name in node.input):
            return False  # an operand of unknown rank: broadcasting might change meaning
        if self._folded(node):
            return True
        inputs = []
        for name in node.input:
            if name in self.wide:
                inputs.append(self.wide[name])
            elif self.ranks[name] >= 2:
                # A rank-r operand lines up with the last r axes: the new axis goes before
                # its last one, as it does for the 3-D tensors (before T).
                inputs.append(self._unsqueeze(name, self.ranks[name] - 1))
            else:
                inputs.append(name)
        out = node.output[0] + "__4d"
        self._emit(helper.make_node(node.op_type, inputs, [out], name=node.name))
        self.wide[node.output[0]] = out
        known = {
            self.channels[w] for n in node.input if (w := self.wide.get(n, "")) in self.channels
        }
        if len(known) == 1:
            self.channels[out] = known.pop()
        return True

    def _folded(self, node: Any) -> bool:
        """Whether ``node`` divides (or multiplies) a widened tensor by a constant that only
        ``LeakyRelu`` reads: then it is not emitted, and the factor is owed to those readers
        (their identity convolution scales by it: leaky ReLU commutes with a positive factor).
        """
        numerator, factor = node.input[0], node.input[1]
        if node.op_type not in ("Div", "Mul") or numerator not in self.wide:
            return False
        value = self.scalars.get(factor, 0.0)
        channels = self.channels.get(self.wide[numerator], 0)
        if value <= 0 or not channels or channels % _BLOCK:
            return False
        if self.read_by.get(node.output[0]) != {"LeakyRelu"}:
            return False
        self.wide[node.output[0]] = self.wide[numerator]
        self.scales[node.output[0]] = 1 / value if node.op_type == "Div" else value
        return True

    def _identity(self, source: str, channels: int, out: str, scale: float = 1.0) -> str:
        """``source`` through a 1x1 depthwise convolution by exactly one (or by ``scale``), so
        onnxruntime keeps it (and what follows) in its blocked layout; a no-op where it could
        not."""
        import numpy as np
        from onnx import helper

        if channels % _BLOCK:
            return source
        name = f"narrate_identity_{channels}" + ("" if scale == 1.0 else f"_x{scale!r}")
        if name not in self.added:
            self.added[name] = self._tensor(np.full((channels, 1, 1, 1), scale, np.float32), name)
        self._emit(
            helper.make_node("Conv", [source, name], [out], group=channels, kernel_shape=[1, 1])
        )
        self.channels[out] = channels
        return out

    def _wide_input(self, name: str) -> str:
        return self.wide.get(name) or self._unsqueeze(name, 2)

    def _unsqueeze(self, name: str, axis: int) -> str:
        out = f"{name}__unsqueezed{axis}"
        if out not in self.produced:
            self._emit(self._reshaping("Unsqueeze", name, out, axis))
        return out

    def _narrow_inputs(self, names: Any) -> None:
        for name in names:
            if name in self.wide and name not in self.produced:
                self._emit(self._reshaping("Squeeze", self.wide[name], name, 2))

    def _reshaping(self, op: str, source: str, out: str, axis: int) -> Any:
        import numpy as np
        from onnx import helper

        if self.opset < 13:
            return helper.make_node(op, [source], [out], axes=[axis])
        axes = f"narrate_axes_{axis}"
        if axes not in self.added:
            self.added[axes] = self._tensor(np.array([axis], np.int64), axes)
        return helper.make_node(op, [source, axes], [out])

    def _emit(self, node: Any) -> None:
        self.nodes.append(node)
        self.produced.update(node.output)

    @staticmethod
    def _tensor(array: Any, name: str) -> Any:
        from onnx import numpy_helper

        return numpy_helper.from_array(array, name)


def _scalar(tensor: Any) -> float:
    """The one number a float constant holds; 0.0 for anything else."""
    from onnx import TensorProto, numpy_helper

    if tensor.data_type != TensorProto.FLOAT or math.prod(tensor.dims) != 1:
        return 0.0
    return float(numpy_helper.to_array(tensor).reshape(-1)[0])
