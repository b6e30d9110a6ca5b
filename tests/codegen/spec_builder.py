"""Random valid specs: a `Builder` grows a graph node by node with the strategies of
`layer_strategies.py` (and `sequence_strategies.py`), tracking the shape of every value, so
the spec's analysis must agree with what it built. With `definitions`, pieces of the graph
become definitions in `modules` and instances of them (`definition_strategies.py`).
"""

from __future__ import annotations

import math
from typing import Any

from definition_strategies import instance, nestable
from hypothesis import strategies as st
from layer_strategies import _each, _flat_layer, _sizes, _spatial_layer
from sequence_strategies import cross, sequence_end, sequence_layer

SAFE_PREFIXES = ("n", "layer", "fc", "conv", "block", "h", "Tensor", "INPUT_SHAPE", "nn_", "x_")
# Fine as ids although they are names the generated files use elsewhere.
TRICKY_IDS = ("Tensor", "INPUT_SHAPE", "build_model", "init_weights", "args", "data", "print")


class Builder:
    """Grows a spec node by node, tracking the sample shape of every value itself."""

    def __init__(
        self,
        draw: Any,
        input_shape: tuple[int, ...],
        input_name: str = "input",
        modules: dict[str, Any] | None = None,
        depth: int = 0,
    ):
        self.draw = draw
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, str]] = []
        self.shapes: dict[str, tuple[int, ...]] = {input_name: input_shape}
        self.used: set[str] = set()
        self.merged = False
        self.modules: dict[str, Any] | None = modules
        """The spec's definitions; None: grow no definitions."""
        self.depth = depth

    def nested(self, input_name: str, input_shape: tuple[int, ...]) -> Builder:
        """A builder for the graph of a new definition, on an input of `input_shape`."""
        return Builder(self.draw, input_shape, input_name, self.modules, self.depth + 1)

    def new_id(self) -> str:
        if self.draw(st.integers(0, 9)) == 0:
            free = [t for t in TRICKY_IDS if t not in self.used]
            if free:
                name = self.draw(st.sampled_from(free))
                self.used.add(name)
                return name
        prefix = self.draw(st.sampled_from(SAFE_PREFIXES))
        k = len(self.used)
        while f"{prefix}{k}" in self.used:
            k += 1
        self.used.add(f"{prefix}{k}")
        return f"{prefix}{k}"

    def add(
        self, sources: list[str], type_: str, params: dict[str, Any], shape: tuple[int, ...]
    ) -> str:
        node_id = self.new_id()
        node: dict[str, Any] = {"id": node_id, "type": type_}
        if params or self.draw(st.booleans()):
            node["params"] = params
        self.nodes.append(node)
        self.edges.extend({"source": s, "target": node_id} for s in sources)
        self.shapes[node_id] = shape
        return node_id


def _branches(builder: Builder, source: str, layer: Any) -> str:
    """A residual (Add) or a two-way Concat starting at `source`; returns the merge id."""
    draw = builder.draw
    shape = builder.shapes[source]
    merge = draw(st.sampled_from(["Add", "Concat"]))
    ends = []
    count = draw(st.integers(2, 3)) if merge == "Add" else 2
    for branch in range(count):
        if branch > 0 and draw(st.booleans()) and source not in ends:
            ends.append(source)  # a skip connection
            continue
        current = source
        for step in range(draw(st.integers(1, 2))):
            last = step == 1 or draw(st.booleans())
            keep = merge == "Add" or not last
            type_, params, out = layer(draw, builder.shapes[current], keep)
            if merge == "Concat" and out[1:] != shape[1:]:
                type_, params, out = layer(draw, builder.shapes[current], True)
            current = builder.add([current], type_, params, out)
            if last:
                break
        ends.append(current)
    if merge == "Add":
        builder.merged = True
        return builder.add(ends, "Add", {}, shape)
    dim = draw(st.sampled_from([1, -len(shape)]))
    channels = sum(builder.shapes[e][0] for e in ends)
    builder.merged = True
    params = {"dim": dim} if dim != 1 or draw(st.booleans()) else {}
    return builder.add(ends, "Concat", params, (channels, *shape[1:]))


def _stack(builder: Builder, source: str, layer: Any, length: int) -> str:
    draw = builder.draw
    for _ in range(length):
        if builder.modules is not None and nestable(builder) and draw(st.integers(0, 3)) == 0:
            source = instance(builder, source, layer, _stack)
        elif draw(st.integers(0, 4)) == 0:
            source = _branches(builder, source, layer)
        else:
            type_, params, out = layer(draw, builder.shapes[source], False)
            source = builder.add([source], type_, params, out)
    return source


TRAININGS = ("none", "regression", "classification")
ADAPTIVE_POOLS = {
    1: ["AdaptiveAvgPool1d", "AdaptiveMaxPool1d"],
    2: ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d"],
    3: ["AdaptiveAvgPool3d"],
}


def _gate(builder: Builder, source: str) -> str:
    """Squeeze-excitation: a channel gate from global pooling, multiplied into `source`."""
    shape = builder.shapes[source]
    dims = len(shape) - 1
    ones = (1,) * dims
    pooled = builder.add([source], f"AdaptiveAvgPool{dims}d", {"output_size": 1}, (shape[0], *ones))
    conv = {"out_channels": shape[0], "kernel_size": 1}
    squeezed = builder.add([pooled], f"Conv{dims}d", conv, (shape[0], *ones))
    gate = builder.add(
        [squeezed], builder.draw(st.sampled_from(["Sigmoid", "Hardsigmoid"])), {}, (shape[0], *ones)
    )
    builder.merged = True
    return builder.add([source, gate], "Multiply", {}, shape)


def _image_part(builder: Builder, rank: int) -> str:
    """Spatial layers on (C, L), (C, H, W) or (C, D, H, W), pooled and flattened."""
    draw = builder.draw
    dims = rank - 1
    source = _stack(builder, "input", _spatial_layer, draw(st.integers(1, 4)))
    if draw(st.integers(0, 3)) == 0:
        source = _gate(builder, source)
    if draw(st.booleans()) or math.prod(builder.shapes[source]) > 4096:
        size = _sizes(draw, 1, 2, dims)
        channels = builder.shapes[source][0]
        out = (channels, *_each(size, dims))
        pool = draw(st.sampled_from(ADAPTIVE_POOLS[dims]))
        source = builder.add([source], pool, {"output_size": size}, out)
    if draw(st.integers(0, 3)) == 0:
        return _as_sequence(builder, source)
    flat = (math.prod(builder.shapes[source]),)
    return builder.add([source], "Flatten", {}, flat)


def _as_sequence(builder: Builder, source: str) -> str:
    """Positions of a feature map as a sequence (ViT-style): (C, ...) -> (C, P) -> (P, C)."""
    draw = builder.draw
    channels, positions = builder.shapes[source][0], math.prod(builder.shapes[source][1:])
    source = builder.add([source], "Reshape", {"shape": [channels, -1]}, (channels, positions))
    source = builder.add([source], "Transpose", {"dim0": 1, "dim1": 2}, (positions, channels))
    source = _stack(builder, source, sequence_layer, draw(st.integers(1, 2)))
    type_, params, out = sequence_end(draw, builder.shapes[source])
    return builder.add([source], type_, params, out)


def _convolved(builder: Builder, source: str) -> str:
    """A 1-d convolution over a sequence: (L, E) -> (E, L) -> Conv1d -> (L, E')."""
    draw = builder.draw
    length, width = builder.shapes[source]
    source = builder.add([source], "Permute", {"dims": [0, 2, 1]}, (width, length))
    out = draw(st.integers(1, 8))
    conv = {"out_channels": out, "kernel_size": 3, "padding": 1}
    source = builder.add([source], "Conv1d", conv, (out, length))
    return builder.add([source], "Transpose", {"dim0": -1, "dim1": -2}, (length, out))


def _sequence_part(builder: Builder) -> str:
    """Token ids embedded, sequence layers (with branches and cross-attention), pooled."""
    draw = builder.draw
    width = draw(st.integers(1, 4)) * draw(st.sampled_from([1, 2, 4]))
    length = builder.shapes["input"][0]
    params: dict[str, Any] = {"embedding_dim": width}
    if draw(st.booleans()):
        params["padding_idx"] = 0
    source = builder.add(["input"], "Embedding", params, (length, width))
    source = _stack(builder, source, sequence_layer, draw(st.integers(1, 3)))
    if draw(st.integers(0, 3)) == 0:
        source = _convolved(builder, source)
    if draw(st.integers(0, 2)) == 0:
        type_, params, out = sequence_layer(draw, builder.shapes[source], True)
        memory = builder.add([source], type_, params, out)
        source = cross(builder, source, memory)
        builder.merged = True
    type_, params, out = sequence_end(draw, builder.shapes[source])
    return builder.add([source], type_, params, out)


@st.composite
def valid_specs(draw: Any, definitions: bool = False) -> dict[str, Any]:
    """A random valid spec; with `definitions`, one that uses definitions (one at least)."""
    kind = draw(st.sampled_from(["flat", "flat", "image", "image", "volume", "tokens", "tokens"]))
    rank = {"flat": 1, "image": draw(st.sampled_from([2, 3, 3])), "volume": 4, "tokens": 1}[kind]
    input_shape: tuple[int, ...] = (draw(st.integers(1, 12)),)
    if rank > 1:
        size = (3, 10) if rank < 4 else (2, 5)
        input_shape = (
            draw(st.integers(1, 4)),
            *(draw(st.integers(*size)) for _ in range(rank - 1)),
        )
    builder = Builder(draw, input_shape, modules={} if definitions else None)
    source = "input"
    if kind == "tokens":
        source = _sequence_part(builder)
    elif rank > 1:
        source = _image_part(builder, rank)
    flat_layers = draw(st.integers(1 if kind == "flat" else 0, 4))
    source = _stack(builder, source, _flat_layer, flat_layers)
    if definitions and not builder.modules:
        source = instance(builder, source, _flat_layer, _stack)
    if draw(st.booleans()) or builder.shapes[source][0] < 2:
        out = draw(st.integers(1, 5))
        source = builder.add([source], "Linear", {"out_features": out}, (out,))

    spec: dict[str, Any] = {
        "format": "torchcanvas.model",
        "version": 1,
        "name": draw(st.sampled_from(["Random net", "x", "Model", "A b c 1"])),
        "input": {"shape": list(input_shape)},
        "nodes": builder.nodes,
    }
    if kind == "tokens":
        spec["input"] |= {"dtype": "int64", "vocab_size": draw(st.integers(2, 50))}
    if builder.modules:
        spec["modules"] = builder.modules
    explicit = builder.merged or draw(st.booleans())
    if explicit:
        edges = builder.edges
        if draw(st.booleans()):
            spec["nodes"] = draw(st.permutations(builder.nodes))
        spec["edges"] = edges
        if draw(st.booleans()):
            spec["output"] = source
    outputs = builder.shapes[source][0]
    # (the synthetic datasets give float features, not token ids)
    training = "none" if kind == "tokens" else draw(st.sampled_from(TRAININGS))
    if training == "regression":
        spec["training"] = {
            "dataset": {
                "kind": "synthetic-regression",
                "params": {"function": draw(st.sampled_from(["linear", "quadratic", "sine"]))},
            },
            "loss": {"type": draw(st.sampled_from(["MSELoss", "L1Loss", "HuberLoss"]))},
            "optimizer": {"type": draw(st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop"]))},
        }
    elif training == "classification" and outputs >= 2:
        spec["training"] = {
            "dataset": {"kind": "synthetic-classification", "params": {"n_samples": 100}},
            "epochs": draw(st.integers(1, 3)),
        }
    return spec
