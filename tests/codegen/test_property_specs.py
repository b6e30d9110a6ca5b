"""Property tests of the code generator (docs/architecture.md, "Quality bar").

Random *valid* specs (sequential stacks and DAGs with Add / Concat merges, over flat,
(C, L) and (C, H, W) inputs) must analyse cleanly, generate a project, and the generated
model.py must build in torch with exactly the shapes, parameter and buffer counts the
inference reported (checked per node with forward hooks).

Random *invalid* specs (mutations of valid ones, and JSON garbage) must never make
`analyze()` raise; every problem must carry a JSON pointer into the submitted document
(or to a missing field of an existing object) and a message.
"""

from __future__ import annotations

import ast
import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from codegen_support import import_file, parent_pointer, resolve_pointer, write_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.analysis import analyze
from codegen.registry import BLOCKS
from codegen.render import generate

torch = pytest.importorskip("torch")

# ----------------------------------------------------------------------------- valid specs

ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", "SiLU", "Identity", "GELU", "LeakyReLU", "ELU")
SAFE_PREFIXES = ("n", "layer", "fc", "conv", "block", "h", "Tensor", "INPUT_SHAPE", "nn_", "x_")
# Fine as ids although they are names the generated files use elsewhere.
TRICKY_IDS = ("Tensor", "INPUT_SHAPE", "build_model", "init_weights", "args", "data", "print")


class Builder:
    """Grows a spec node by node, tracking the sample shape of every value itself."""

    def __init__(self, draw: Any, input_shape: tuple[int, ...]):
        self.draw = draw
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, str]] = []
        self.shapes: dict[str, tuple[int, ...]] = {"input": input_shape}
        self.used: set[str] = set()
        self.merged = False

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


def _flat_layer(draw: Any, shape: tuple[int, ...], keep: bool) -> tuple[str, dict, tuple]:
    """One layer on a flat (F,) value; with `keep` the shape must not change."""
    (features,) = shape
    kind = draw(
        st.sampled_from(
            ["Linear", "act", "Dropout", "BatchNorm1d", "LayerNorm", "GroupNorm", "Softmax"]
        )
    )
    if kind == "Linear":
        out = features if keep else draw(st.integers(1, 12))
        params: dict[str, Any] = {"out_features": out}
        if draw(st.booleans()):
            params["bias"] = draw(st.booleans())
        if draw(st.integers(0, 4)) == 0:
            params["in_features"] = features  # an explicit inferred parameter is checked
        return "Linear", params, (out,)
    if kind == "act":
        return (*_activation(draw), shape)
    if kind == "Dropout":
        return "Dropout", {"p": draw(st.floats(0.0, 1.0))}, shape
    if kind == "BatchNorm1d":
        params = {}
        if draw(st.booleans()):
            params["affine"] = draw(st.booleans())
        if draw(st.booleans()):
            params["momentum"] = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
        return "BatchNorm1d", params, shape
    if kind == "LayerNorm":
        params = {}
        if draw(st.booleans()):
            params["elementwise_affine"] = draw(st.booleans())
        if draw(st.booleans()):
            params["bias"] = draw(st.booleans())
        if draw(st.booleans()):
            params["eps"] = draw(st.floats(1e-8, 1e-2))
        return "LayerNorm", params, shape
    if kind == "GroupNorm":
        groups = draw(st.sampled_from([d for d in range(1, features + 1) if features % d == 0]))
        return "GroupNorm", {"num_groups": groups}, shape
    return (
        draw(st.sampled_from(["Softmax", "LogSoftmax"])),
        {"dim": draw(st.sampled_from([1, -1]))},
        shape,
    )


def _activation(draw: Any) -> tuple[str, dict[str, Any]]:
    type_ = draw(st.sampled_from(ACTIVATIONS))
    params: dict[str, Any] = {}
    if type_ == "GELU" and draw(st.booleans()):
        params["approximate"] = draw(st.sampled_from(["none", "tanh"]))
    elif type_ == "LeakyReLU" and draw(st.booleans()):
        params["negative_slope"] = draw(st.floats(-1.0, 1.0))
    elif type_ == "ELU" and draw(st.booleans()):
        params["alpha"] = draw(st.floats(0.1, 2.0))
    return type_, params


def _window_out(size: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """torch's output length of a sliding window (conv / pool)."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return out


def _sizes(draw: Any, low: int, high: int, dims: int) -> int | list[int]:
    """One int for every spatial dimension, or (sometimes) a list of `dims` ints."""
    if dims > 1 and draw(st.integers(0, 3)) == 0:
        return [draw(st.integers(low, high)) for _ in range(dims)]
    return draw(st.integers(low, high))


def _each(value: int | list[int], dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def _conv(draw: Any, shape: tuple[int, ...], dims: int) -> tuple[str, dict, tuple]:
    channels, spatial = shape[0], shape[1:]
    groups = draw(st.sampled_from([g for g in (1, 2, 3) if channels % g == 0]))
    out = groups * draw(st.integers(1, 4))
    kernel = _sizes(draw, 1, 3, dims)
    padding = _sizes(draw, 0, 1, dims)
    stride = _sizes(draw, 1, 2, dims)
    dilation = draw(st.sampled_from([1, 1, 1, 2]))
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    pads = _each(padding, dims)
    if mode == "reflect" and any(p >= n for p, n in zip(pads, spatial, strict=True)):
        mode = "replicate"
    sizes = [
        _window_out(n, k, s_, p, dilation, False)
        for n, k, s_, p in zip(spatial, _each(kernel, dims), _each(stride, dims), pads, strict=True)
    ]
    if min(sizes) < 1:
        kernel, padding, stride, dilation, sizes = 1, 0, 1, 1, list(spatial)
    params: dict[str, Any] = {"out_channels": out, "kernel_size": kernel}
    for name, value, default in (
        ("padding", padding, 0),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
        ("groups", groups, 1),
        ("padding_mode", mode, "zeros"),
    ):
        if value != default or draw(st.booleans()):
            params[name] = value
    if draw(st.integers(0, 3)) == 0:
        params["bias"] = False
    if draw(st.integers(0, 5)) == 0:
        params["in_channels"] = channels
    return f"Conv{dims}d", params, (out, *sizes)


def _transposed(draw: Any, shape: tuple[int, ...]) -> tuple[str, dict, tuple]:
    out = draw(st.integers(1, 4))
    k, s_, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.sampled_from([1, 2]))
    extra = draw(st.integers(0, max(s_, d) - 1))
    padding = draw(st.integers(0, 1))
    sizes = [(n - 1) * s_ - 2 * padding + d * (k - 1) + extra + 1 for n in shape[1:]]
    if min(sizes) < 1:
        padding = 0
        sizes = [(n - 1) * s_ + d * (k - 1) + extra + 1 for n in shape[1:]]
    params = {"out_channels": out, "kernel_size": k, "stride": s_, "dilation": d}
    params.update(output_padding=extra, padding=padding)
    return "ConvTranspose2d", params, (out, *sizes)


def _pool(draw: Any, shape: tuple[int, ...], dims: int, kind: str) -> tuple[str, dict, tuple]:
    channels, spatial = shape[0], shape[1:]
    k = draw(st.integers(1, max(1, min(3, *spatial))))
    params: dict[str, Any] = {"kernel_size": k}
    stride = draw(st.one_of(st.none(), st.integers(1, 2)))
    if stride is not None or draw(st.booleans()):
        params["stride"] = stride
    padding = draw(st.integers(0, k // 2))
    if padding:
        params["padding"] = padding
    dilation = 1
    if kind == "Max" and draw(st.integers(0, 3)) == 0:
        dilation = 2
        params["dilation"] = 2
    ceil = draw(st.booleans())
    if ceil:
        params["ceil_mode"] = True
    if kind == "Avg" and draw(st.booleans()):
        params["count_include_pad"] = draw(st.booleans())
    sizes = tuple(_window_out(n, k, stride or k, padding, dilation, ceil) for n in spatial)
    if min(sizes) < 1:
        return f"{kind}Pool{dims}d", {"kernel_size": 1}, shape
    return f"{kind}Pool{dims}d", params, (channels, *sizes)


def _spatial_layer(draw: Any, shape: tuple[int, ...], keep: bool) -> tuple[str, dict, tuple]:
    """One layer on a (C, L) or (C, H, W) value; with `keep` the shape must not change."""
    channels, spatial = shape[0], shape[1:]
    dims = len(spatial)
    kinds = ["Conv", "Conv", "MaxPool", "AvgPool", "BatchNorm", "GroupNorm", "InstanceNorm"]
    kinds += ["act", "Dropout", "LayerNorm"] + (["ConvTranspose2d"] if dims == 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "Conv":
        if keep:
            k = draw(st.sampled_from([1, 3]))
            params = {"out_channels": channels, "kernel_size": k, "padding": k // 2}
            return f"Conv{dims}d", params, shape
        return _conv(draw, shape, dims)
    if kind == "ConvTranspose2d" and not keep:
        return _transposed(draw, shape)
    if kind in ("MaxPool", "AvgPool"):
        if keep:
            return f"{kind}{dims}d", {"kernel_size": 3, "stride": 1, "padding": 1}, shape
        return _pool(draw, shape, dims, kind.removesuffix("Pool"))
    if kind == "GroupNorm":
        groups = draw(st.sampled_from([d for d in range(1, channels + 1) if channels % d == 0]))
        params = {"num_groups": groups}
        if draw(st.booleans()):
            params["affine"] = draw(st.booleans())
        return "GroupNorm", params, shape
    if kind == "InstanceNorm" and math.prod(spatial) > 1:
        # (instance statistics need more than one value per channel)
        params = {}
        if draw(st.booleans()):
            params["affine"] = draw(st.booleans())
        if draw(st.booleans()):
            params["track_running_stats"] = draw(st.booleans())
        return f"InstanceNorm{dims}d", params, shape
    if kind == "LayerNorm":
        trailing = list(shape[-draw(st.integers(1, len(shape))) :])
        params = {"normalized_shape": trailing} if len(trailing) > 1 or draw(st.booleans()) else {}
        return "LayerNorm", params, shape
    if kind == "Dropout":
        return ("Dropout2d" if dims == 2 else "Dropout"), {"p": draw(st.floats(0.0, 1.0))}, shape
    if kind == "act":
        return (*_activation(draw), shape)
    params = {"affine": draw(st.booleans())} if draw(st.booleans()) else {}
    return f"BatchNorm{dims}d", params, shape


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
        if draw(st.integers(0, 4)) == 0:
            source = _branches(builder, source, layer)
        else:
            type_, params, out = layer(draw, builder.shapes[source], False)
            source = builder.add([source], type_, params, out)
    return source


@st.composite
def valid_specs(draw: Any) -> dict[str, Any]:
    rank = draw(st.sampled_from([1, 2, 3, 3]))
    image = rank > 1
    input_shape: tuple[int, ...] = (draw(st.integers(1, 12)),)
    if image:
        input_shape = (
            draw(st.integers(1, 4)),
            *(draw(st.integers(3, 10)) for _ in range(rank - 1)),
        )
    builder = Builder(draw, input_shape)
    source = "input"
    if image:
        dims = rank - 1
        source = _stack(builder, source, _spatial_layer, draw(st.integers(1, 4)))
        if draw(st.booleans()):
            pools = (
                ["AdaptiveAvgPool1d"] if dims == 1 else ["AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]
            )
            size = _sizes(draw, 1, 2, dims)
            channels = builder.shapes[source][0]
            out = (channels, *_each(size, dims))
            source = builder.add([source], draw(st.sampled_from(pools)), {"output_size": size}, out)
        flat = (math.prod(builder.shapes[source]),)
        source = builder.add([source], "Flatten", {}, flat)
    source = _stack(builder, source, _flat_layer, draw(st.integers(0 if image else 1, 4)))
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
    explicit = builder.merged or draw(st.booleans())
    if explicit:
        edges = builder.edges
        if draw(st.booleans()):
            spec["nodes"] = draw(st.permutations(builder.nodes))
        spec["edges"] = edges
        if draw(st.booleans()):
            spec["output"] = source
    outputs = builder.shapes[source][0]
    training = draw(st.sampled_from(["none", "regression", "classification"]))
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


def _build(files: dict[str, str], folder: Path) -> Any:
    write_project(files, folder)
    return import_file(folder / "model.py").build_model()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=valid_specs())
def test_valid_specs_build_with_the_inferred_shapes(spec: dict[str, Any]) -> None:
    analysis = analyze(copy.deepcopy(spec))
    assert analysis.valid, analysis.problems
    assert sorted(analysis.order) == sorted(n["id"] for n in spec["nodes"])
    files = generate(copy.deepcopy(spec))
    for name, text in files.items():
        if name.endswith(".py"):
            ast.parse(text, filename=name)

    with tempfile.TemporaryDirectory() as tmp:
        model = _build(files, Path(tmp))
    model.eval()
    seen: dict[str, tuple[int, ...]] = {}
    modules = {}
    for node_id in analysis.nodes:
        module = getattr(model, node_id, None)
        if isinstance(module, torch.nn.Module):
            modules[node_id] = module
            module.register_forward_hook(
                lambda _m, _i, out, node_id=node_id: seen.__setitem__(node_id, tuple(out.shape))
            )
    # every layer block is an attribute named by its id; merges are expressions
    expected_modules = {i for i, n in analysis.nodes.items() if BLOCKS[n.type].is_module}
    assert set(modules) == expected_modules

    torch.manual_seed(0)
    with torch.no_grad():
        out = model(torch.randn(2, *spec["input"]["shape"]))
    assert tuple(out.shape) == (2, *analysis.output_shape)
    assert set(seen) == expected_modules
    for node_id, shape in seen.items():
        assert shape == (2, *analysis.nodes[node_id].output_shape), node_id
        count = sum(p.numel() for p in modules[node_id].parameters())
        assert count == analysis.nodes[node_id].param_count, node_id
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params
    floats = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    assert floats == sum(n.buffer_count for n in analysis.nodes.values())


# ----------------------------------------------------------------------------- invalid specs

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)

BAD_IDS = (
    "class",
    "def",
    "match",
    "forward",
    "self",
    "input",
    "x",
    "torch",
    "parameters",
    "training",
    "1abc",
    "a-b",
    "a b",
    "",
    "é",
    "_private",
    "__init__",
    "a" * 65,
    "x; import os",
    "a\nimport os",
)
UNKNOWN_TYPES = ("Conv3d", "linear", "Linearr", "", "nn.Linear", "Transformer", "__import__('os')")
# Values no parameter of the kind accepts.
BAD_VALUES = {
    "int": ["8", 2.5, True, None, [], {"a": 1}, 10**12, float("nan"), float("inf")],
    "float": ["0.1", True, None, [], float("nan"), float("inf"), -float("inf"), 1e12],
    "bool": ["true", 1, 0, None, []],
    "choice": ["no such choice", 1, True, None],
    "int_tuple": ["3", [1, 2, 3, 4, 5], -5, 2.5, None, {}, [True, 1]],
    "int_list": [[], "x", [0], [1.5], None, 7],
    "float_tuple": [[0.1], "x", None],
}


INFERRED_NAMES = {
    "Linear": "in_features",
    "Conv1d": "in_channels",
    "Conv2d": "in_channels",
    "ConvTranspose2d": "in_channels",
    "GroupNorm": "num_channels",
    "BatchNorm1d": "num_features",
    "BatchNorm2d": "num_features",
    "InstanceNorm1d": "num_features",
    "InstanceNorm2d": "num_features",
}
WINDOWED = ("Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d")


def _materialise_edges(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(spec.get("edges"), list):
        ids = ["input", *(n["id"] for n in spec["nodes"])]
        spec["edges"] = [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]
    return spec["edges"]


def _output_id(spec: dict[str, Any]) -> str:
    analysis = analyze(copy.deepcopy(spec))
    assert analysis.output is not None
    return analysis.output


@st.composite
def mutated_specs(draw: Any) -> dict[str, Any]:
    spec = copy.deepcopy(draw(valid_specs()))
    nodes = spec["nodes"]
    index = draw(st.integers(0, len(nodes) - 1))
    node = nodes[index]
    mutation = draw(
        st.sampled_from(
            [
                "unknown_type",
                "type_not_string",
                "bad_param",
                "unknown_param",
                "params_not_object",
                "missing_param",
                "inferred_mismatch",
                "too_large_window",
                "bad_groups",
                "cycle",
                "self_loop",
                "dangling_edge",
                "edge_into_input",
                "duplicate_id",
                "bad_id",
                "missing_field",
                "wrong_type",
                "merge_one_input",
                "two_inputs",
                "loose_end",
                "bad_output",
                "bad_training",
                "garbage_node",
                "garbage_params",
            ]
        )
    )
    block = BLOCKS[node["type"]]
    settable = [p for p in block.params if not p.inferred]
    if mutation == "unknown_type":
        node["type"] = draw(st.sampled_from(UNKNOWN_TYPES))
    elif mutation == "type_not_string":
        node["type"] = draw(st.sampled_from([5, None, [], {}, True]))
    elif mutation == "bad_param" and settable:
        param = draw(st.sampled_from(settable))
        value = draw(st.sampled_from(BAD_VALUES[param.kind]))
        if value is None and param.nullable:
            value = "null is fine here, a string is not"
        node.setdefault("params", {})[param.name] = value
    elif mutation == "unknown_param":
        name = draw(st.sampled_from(["not_a_param", "kernel", "out", "in", "bias_", "~/x"]))
        node.setdefault("params", {})[name] = draw(json_values)
    elif mutation == "params_not_object":
        node["params"] = draw(st.sampled_from([[], "x", 3, [["out_features", 3]]]))
    elif mutation == "missing_param" and any(p.required for p in block.params):
        for param in block.params:
            if param.required:
                node.get("params", {}).pop(param.name, None)
    elif mutation == "inferred_mismatch" and node["type"] in INFERRED_NAMES:
        info = analyze(copy.deepcopy(spec)).nodes[node["id"]]
        name = INFERRED_NAMES
        actual = info.input_shapes[0][-1 if node["type"] == "Linear" else 0]
        node.setdefault("params", {})[name[node["type"]]] = actual + 1
    elif mutation == "too_large_window" and node["type"] in WINDOWED:
        node["params"]["kernel_size"] = 50
        if "Pool" in node["type"]:
            node["params"]["padding"] = 0
    elif mutation == "bad_groups" and node["type"] == "GroupNorm":
        info = analyze(copy.deepcopy(spec)).nodes[node["id"]]
        node["params"]["num_groups"] = info.input_shapes[0][0] + 1
    elif mutation == "cycle":
        output = _output_id(spec)
        edges = _materialise_edges(spec)
        first = next(e["target"] for e in edges if e["source"] == "input")
        edges.append({"source": output, "target": first})
    elif mutation == "self_loop":
        _materialise_edges(spec).append({"source": node["id"], "target": node["id"]})
    elif mutation == "dangling_edge":
        end = draw(st.sampled_from(["source", "target"]))
        edge = {
            "source": node["id"],
            "target": node["id"],
            end: draw(st.sampled_from(["ghost", "", "Input"])),
        }
        _materialise_edges(spec).append(edge)
    elif mutation == "edge_into_input":
        _materialise_edges(spec).append({"source": node["id"], "target": "input"})
    elif mutation == "duplicate_id" and len(nodes) > 1:
        other = draw(st.integers(0, len(nodes) - 1).filter(lambda k: k != index))
        nodes[other]["id"] = node["id"]
    elif mutation == "bad_id":
        new = draw(st.sampled_from(BAD_IDS))
        for edge in spec.get("edges") or []:
            for end in ("source", "target"):
                if edge[end] == node["id"]:
                    edge[end] = new
        if spec.get("output") == node["id"]:
            spec["output"] = new
        node["id"] = new
    elif mutation == "missing_field":
        where = draw(st.sampled_from(["input", "nodes", "shape", "id", "type", "edge"]))
        if where in ("input", "nodes"):
            del spec[where]
        elif where == "shape":
            del spec["input"]["shape"]
        elif where in ("id", "type"):
            del node[where]
        else:
            edge = draw(st.sampled_from(_materialise_edges(spec)))
            del edge[draw(st.sampled_from(["source", "target"]))]
    elif mutation == "wrong_type":
        field, value = draw(
            st.sampled_from(
                [
                    ("input", "x"),
                    ("input", []),
                    ("nodes", {}),
                    ("nodes", []),
                    ("nodes", "x"),
                    ("edges", {}),
                    ("edges", "x"),
                    ("edges", [1]),
                    ("output", 5),
                    ("name", ""),
                    ("name", 5),
                    ("name", "a" * 121),
                    ("version", 2),
                    ("version", "1"),
                    ("format", "other"),
                    ("tags", "x"),
                    ("tags", [1]),
                    ("description", 5),
                    ("training", []),
                    ("layout", []),
                    ("layout", {"n0": "here"}),
                    ("extra_field", 1),
                    ("shape", "3"),
                    ("shape", []),
                    ("shape", [0]),
                    ("shape", [-1]),
                    ("shape", [2.5]),
                    ("shape", ["a"]),
                    ("shape", [1, 2, 3, 4, 5]),
                    ("shape", [float("nan")]),
                    ("shape", [10**6]),
                ]
            )
        )
        if field == "shape":
            spec["input"]["shape"] = value
        else:
            spec[field] = value
    elif mutation == "merge_one_input":
        layers = [n for n in nodes if BLOCKS[n["type"]].is_module]
        chosen = draw(st.sampled_from(layers))
        chosen["type"] = draw(st.sampled_from(["Add", "Concat"]))
        chosen.pop("params", None)
    elif mutation == "two_inputs":
        edges = _materialise_edges(spec)
        sources = {e["source"] for e in edges if e["target"] == node["id"]}
        if not BLOCKS[node["type"]].is_module or "input" in sources:
            edges.append({"source": "input", "target": "input"})
        else:
            edges.append({"source": "input", "target": node["id"]})
    elif mutation == "loose_end":
        _materialise_edges(spec).append({"source": "input", "target": "loose"})
        nodes.append({"id": "loose", "type": "ReLU"})
    elif mutation == "bad_output":
        spec["output"] = draw(st.sampled_from(["ghost", "input", "", "x" * 65]))
    elif mutation == "bad_training":
        spec["training"] = draw(
            st.sampled_from(
                [
                    {"epochs": 0},
                    {"batch_size": "64"},
                    {"val_split": float("nan")},
                    {"val_split": 2},
                    {"seed": -1},
                    {"device": "tpu"},
                    {"unknown": 1},
                    {"dataset": {"kind": "nope"}},
                    {"dataset": {"kind": "csv"}},
                    {"dataset": {"kind": "synthetic-regression", "params": {"n_samples": 1}}},
                    {"dataset": {"kind": "synthetic-regression", "params": {"function": "exp"}}},
                    {"loss": {"type": "NopeLoss"}},
                    {"loss": {}},
                    {"optimizer": {"type": "Nope"}},
                    {"optimizer": {"type": "SGD", "params": {"lr": -1}}},
                    {"optimizer": {"type": "SGD", "params": {"lr": float("inf")}}},
                    {"optimizer": {"type": "Adam", "params": {"betas": [0.9]}}},
                    {"scheduler": {"type": "NopeLR"}},
                    {"init": {"type": "nope"}},
                    {"early_stopping": {"patience": 0}},
                    {"augmentations": [{"type": "RandomCrop"}]},
                ]
            )
        )
    elif mutation == "garbage_node":
        nodes[index] = draw(json_values.filter(lambda v: not isinstance(v, dict)))
    elif mutation == "garbage_params":
        names = {p.name for p in block.params}
        node["params"] = draw(
            st.dictionaries(
                st.text(max_size=8).filter(lambda k: k not in names), json_values, min_size=1
            )
        )
    else:
        # the chosen mutation does not apply to this node: an unknown block type does
        node["type"] = "NoSuchBlock"
    return spec


invalid_specs = st.one_of(
    mutated_specs(),
    json_values.filter(lambda v: not isinstance(v, dict)),
    st.dictionaries(st.text(max_size=8), json_values, max_size=5),
)


def _check_problems(document: Any) -> None:
    before = copy.deepcopy(document) if _comparable(document) else None
    analysis = analyze(document)
    assert not analysis.valid
    assert analysis.problems
    for problem in analysis.problems:
        assert isinstance(problem.path, str)
        assert problem.path == "" or problem.path.startswith("/"), problem
        assert problem.message.strip(), problem
        found, _ = resolve_pointer(document, problem.path)
        if found:
            continue
        # a missing field: its parent object must exist ...
        parent_path = parent_pointer(problem.path)
        parent_found, parent = resolve_pointer(document, parent_path)
        if not parent_found and parent_path.endswith("/params"):
            # ... or, for a missing parameter, the owner of the optional `params` object
            parent_found, parent = resolve_pointer(document, parent_pointer(parent_path))
        assert parent_found and isinstance(parent, dict), problem
    if before is not None:
        assert document == before  # analyze() does not change what it is given


def _comparable(value: Any) -> bool:
    """False when the value holds a NaN (NaN != NaN would spoil the equality check)."""
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, list):
        return all(_comparable(v) for v in value)
    if isinstance(value, dict):
        return all(_comparable(v) for v in value.values())
    return True


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document=invalid_specs)
def test_invalid_specs_give_located_problems(document: Any) -> None:
    _check_problems(document)


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "spec",
        {},
        {"input": {"shape": [3]}},
        {"nodes": [{"id": "a", "type": "ReLU"}]},
        {  # a (3, 2) output for MSELoss on the default synthetic data: invalid with training
            "input": {"shape": [3, 4]},
            "nodes": [{"id": "fc", "type": "Linear", "params": {"out_features": 2}}],
            "training": {},
        },
        {
            "input": {"shape": [3, 8, 8]},
            "nodes": [
                {
                    "id": "c",
                    "type": "Conv2d",
                    "params": {"out_channels": 2, "kernel_size": 3, "stride": "abc"},
                },
                {"id": "f", "type": "Flatten"},
            ],
        },
    ],
)
def test_hand_written_invalid_documents(document: Any) -> None:
    _check_problems(document)


# Where torch itself refuses a layer, analysis must refuse the spec (not generate code
# that crashes): each case is either rejected or runs with the inferred shape.
BOUNDARY_CASES = [
    ([2, 1, 1], {"type": "InstanceNorm2d"}),
    ([2, 1], {"type": "InstanceNorm1d"}),
    ([2, 2], {"type": "InstanceNorm1d"}),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "reflect",
            },
        },
    ),
    (
        [2, 3, 3],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "reflect",
            },
        },
    ),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "circular",
            },
        },
    ),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "circular",
            },
        },
    ),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "replicate",
            },
        },
    ),
    (
        [2, 3],
        {
            "type": "Conv1d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "reflect",
            },
        },
    ),
    (
        [2, 5, 5],
        {
            "type": "ConvTranspose2d",
            "params": {
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "output_padding": 1,
                "padding": 1,
            },
        },
    ),
    (
        [2, 5, 5],
        {
            "type": "ConvTranspose2d",
            "params": {"out_channels": 4, "kernel_size": 1, "stride": 1, "padding": 1},
        },
    ),
    (
        [2, 7, 7],
        {
            "type": "MaxPool2d",
            "params": {
                "kernel_size": 3,
                "stride": 2,
                "dilation": 2,
                "ceil_mode": True,
                "padding": 1,
            },
        },
    ),
    ([2, 4, 4], {"type": "MaxPool2d", "params": {"kernel_size": 2, "padding": 2}}),
    ([2, 5], {"type": "AvgPool1d", "params": {"kernel_size": 2, "ceil_mode": True, "padding": 1}}),
    ([2, 6, 6], {"type": "LayerNorm", "params": {"normalized_shape": [2, 6, 6]}}),
    ([2, 6, 6], {"type": "LayerNorm", "params": {"normalized_shape": [5]}}),
    ([12], {"type": "Unflatten", "params": {"dim": -1, "unflattened_size": [3, 4]}}),
    ([12], {"type": "Unflatten", "params": {"dim": 1, "unflattened_size": [5, 2]}}),
    ([2, 3, 3], {"type": "Flatten", "params": {"start_dim": -2}}),
    ([2, 3, 3], {"type": "Flatten", "params": {"start_dim": 0}}),
    ([2, 5, 5], {"type": "AdaptiveMaxPool2d", "params": {"output_size": [7, 3]}}),
    (
        [4, 3, 3],
        {
            "type": "Conv2d",
            "params": {"out_channels": 4, "kernel_size": [1, 3], "groups": 4, "padding": [0, 1]},
        },
    ),
    ([4, 3, 3], {"type": "Conv2d", "params": {"out_channels": 6, "kernel_size": 1, "groups": 4}}),
    ([3, 2], {"type": "GroupNorm", "params": {"num_groups": 3}}),
    ([3, 4], {"type": "Softmax", "params": {"dim": 2}}),
    ([3, 4], {"type": "Softmax", "params": {"dim": 3}}),
]


@pytest.mark.parametrize(("input_shape", "layer"), BOUNDARY_CASES)
def test_boundaries_agree_with_torch(input_shape: list[int], layer: dict[str, Any]) -> None:
    spec = {
        "input": {"shape": input_shape},
        "nodes": [{"id": "layer", **layer}, {"id": "flat", "type": "Flatten"}],
    }
    analysis = analyze(spec)
    if not analysis.valid:
        assert all(p.path.startswith("/nodes/0") for p in analysis.problems), analysis.problems
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = _build(generate(spec), Path(tmp))
    seen = []
    model.layer.register_forward_hook(lambda _m, _i, out: seen.append(tuple(out.shape)))
    for mode in (model.train, model.eval):
        mode()
        out = model(torch.randn(2, *input_shape))
        assert tuple(out.shape) == (2, *analysis.output_shape)
        assert seen.pop() == (2, *analysis.nodes["layer"].output_shape)
