"""ONNX files into specs: the graph is parsed with the `onnx` package and never run.

Each ONNX node becomes the registry block that does the same (`Conv` with a 4-d weight is
`Conv2d`, `Gemm` is `Linear`, `GlobalAveragePool` is `AdaptiveAvgPool2d(1)`, ...), sizes taken
from its attributes and weight shapes. What has no block is listed, by op type and node name.
ONNX graphs are flat: the spec has no definitions. torch-free (onnx and numpy only).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import onnx
from onnx import helper, numpy_helper, shape_inference

from codegen.names import id_problem
from codegen.registry import BLOCKS

MAX_ONNX_NODES = 5000


class OnnxImportError(Exception):
    """The file is not an ONNX model, or has ops no block does (listed in `unsupported`)."""

    def __init__(self, message: str, unsupported: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.unsupported = unsupported or []


@dataclass
class _Graph:
    """What the conversion of one node may look up: weights, shapes, producers."""

    weights: dict[str, Any]
    shapes: dict[str, list[int | None]]
    alias: dict[str, str] = field(default_factory=dict)


Converted = tuple[str, dict[str, Any]] | None
"""(block type, params), or None: the node passes its input through."""


def _attrs(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _size(values: list[int]) -> int | list[int]:
    return values[0] if values and all(v == values[0] for v in values) else list(values)


def _padding(pads: list[int], rank: int) -> int | list[int]:
    begin, end = pads[:rank], pads[rank:]
    if begin != end:
        raise _Unmapped("asymmetric padding")
    return _size(begin) if begin else 0


class _Unmapped(Exception):
    pass


def _conv(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    weight = g.weights.get(node.input[1])
    if weight is None:
        raise _Unmapped("its weight is not a constant of the file")
    rank = len(weight.shape) - 2
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise _Unmapped("auto_pad")
    params: dict[str, Any] = {
        "out_channels": int(weight.shape[0]),
        "kernel_size": _size([int(k) for k in weight.shape[2:]]),
        "stride": _size(a.get("strides", [1] * rank)),
        "padding": _padding(a.get("pads", [0] * 2 * rank), rank),
        "dilation": _size(a.get("dilations", [1] * rank)),
        "groups": int(a.get("group", 1)),
        "bias": len(node.input) > 2 and bool(node.input[2]),
    }
    return f"Conv{rank}d", params


def _gemm(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    weight = g.weights.get(node.input[1])
    if weight is None or a.get("transA", 0) or a.get("alpha", 1.0) != 1.0:
        raise _Unmapped("only x @ W.T + b with a constant W is a Linear")
    out = weight.shape[0] if a.get("transB", 0) else weight.shape[1]
    return "Linear", {"out_features": int(out), "bias": len(node.input) > 2}


def _pool(kind: str) -> Callable[[onnx.NodeProto, dict[str, Any], _Graph], Converted]:
    def convert(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
        kernel = a["kernel_shape"]
        rank = len(kernel)
        params: dict[str, Any] = {
            "kernel_size": _size(kernel),
            "stride": _size(a.get("strides", [1] * rank)),
            "padding": _padding(a.get("pads", [0] * 2 * rank), rank),
            "ceil_mode": bool(a.get("ceil_mode", 0)),
        }
        if kind == "Avg":
            params["count_include_pad"] = bool(a.get("count_include_pad", 0))
        return f"{kind}Pool{rank}d", params

    return convert


def _rank(name: str, g: _Graph) -> int:
    shape = g.shapes.get(name)
    if shape is None:
        raise _Unmapped("the shape of its input is unknown")
    return len(shape)


def _global_pool(kind: str) -> Callable[[onnx.NodeProto, dict[str, Any], _Graph], Converted]:
    def convert(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
        return f"Adaptive{kind}Pool{_rank(node.input[0], g) - 2}d", {"output_size": 1}

    return convert


def _batch_norm(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    rank = _rank(node.input[0], g)
    return f"BatchNorm{max(rank - 2, 1)}d", {
        "eps": float(a.get("epsilon", 1e-5)),
        "momentum": round(1.0 - float(a.get("momentum", 0.9)), 6),
    }


def _reshape(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    target = g.weights.get(node.input[1])
    if target is None:
        raise _Unmapped("its shape is computed, not a constant")
    sizes = [int(v) for v in target.tolist()]
    batch = (g.shapes.get(node.input[0]) or [None])[0]
    if not sizes or sizes[0] not in (-1, 0, batch):
        raise _Unmapped("it reshapes across the batch")
    rest = sizes[1:]
    if len(rest) == 1:
        return "Flatten", {}
    return "Reshape", {"shape": rest}


def _flatten(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    if a.get("axis", 1) != 1:
        raise _Unmapped("Flatten other than from axis 1")
    return "Flatten", {}


def _reduce_mean(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    axes = a.get("axes")
    if axes is None and len(node.input) > 1:
        found = g.weights.get(node.input[1])
        axes = None if found is None else [int(v) for v in found.tolist()]
    if not axes or len(axes) != 1:
        raise _Unmapped("a mean over one axis is a block (Mean); use AdaptiveAvgPool for more")
    return "Mean", {"dim": axes[0], "keepdim": bool(a.get("keepdims", 1))}


def _simple(
    block: str, **renamed: str
) -> Callable[[onnx.NodeProto, dict[str, Any], _Graph], Converted]:
    """A block whose params are the node's attributes under other names (ONNX -> torch)."""

    def convert(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
        return block, {
            torch_name: a[onnx_name] for onnx_name, torch_name in renamed.items() if onnx_name in a
        }

    return convert


def _pass(node: onnx.NodeProto, a: dict[str, Any], g: _Graph) -> Converted:
    return None


OPS: dict[str, Callable[[onnx.NodeProto, dict[str, Any], _Graph], Converted]] = {
    "Conv": _conv,
    "Gemm": _gemm,
    "MaxPool": _pool("Max"),
    "AveragePool": _pool("Avg"),
    "GlobalAveragePool": _global_pool("Avg"),
    "GlobalMaxPool": _global_pool("Max"),
    "BatchNormalization": _batch_norm,
    "Reshape": _reshape,
    "Flatten": _flatten,
    "ReduceMean": _reduce_mean,
    "Relu": _simple("ReLU"),
    "Sigmoid": _simple("Sigmoid"),
    "Tanh": _simple("Tanh"),
    "LeakyRelu": _simple("LeakyReLU", alpha="negative_slope"),
    "Elu": _simple("ELU", alpha="alpha"),
    "Gelu": _simple("GELU", approximate="approximate"),
    "HardSwish": _simple("Hardswish"),
    "Softplus": _simple("Softplus"),
    "Softmax": _simple("Softmax", axis="dim"),
    "LogSoftmax": _simple("LogSoftmax", axis="dim"),
    "Dropout": _simple("Dropout", ratio="p"),
    "Transpose": _simple("Permute", perm="dims"),
    "Concat": _simple("Concat", axis="dim"),
    "Add": _simple("Add"),
    "Mul": _simple("Multiply"),
    "Identity": _pass,
}
_MERGES = ("Add", "Mul", "Concat")


def _node_id(node: onnx.NodeProto, taken: set[str]) -> str:
    raw = re.sub(r"[^A-Za-z0-9]+", "_", node.name or node.op_type).strip("_").lower()
    raw = re.sub(r"^node_", "", raw)
    base = raw if raw and raw[0].isalpha() else f"{node.op_type.lower()}_{raw}".strip("_")
    base, name, k = base[:56], base[:56], 1
    while id_problem(name) is not None or name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name


def load_onnx(data: bytes) -> onnx.ModelProto:
    try:
        model = onnx.load_model_from_string(data)
    except Exception as error:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise OnnxImportError(
            f"the file is not an ONNX model ({type(error).__name__})",
        ) from None
    if not model.graph.node:
        raise OnnxImportError("the file is not an ONNX model (it has no graph nodes)")
    return model


def onnx_to_spec(data: bytes, name: str = "Imported ONNX model") -> dict[str, Any]:
    """The spec of an ONNX file's graph; OnnxImportError lists what has no block."""
    model = load_onnx(data)
    with contextlib.suppress(Exception):  # shapes are a help: without them fewer ops map
        model = shape_inference.infer_shapes(model)
    graph = model.graph
    if len(graph.node) > MAX_ONNX_NODES:
        raise OnnxImportError(f"the graph has {len(graph.node)} nodes, more than {MAX_ONNX_NODES}")
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:  # Constant nodes are weights too
        if node.op_type == "Constant" and node.attribute:
            weights[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"])
    shapes = {
        v.name: [
            d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim
        ]
        for v in [*graph.input, *graph.value_info, *graph.output]
    }
    inputs = [i for i in graph.input if i.name not in weights]
    if len(inputs) != 1:
        raise OnnxImportError(f"the graph has {len(inputs)} inputs; a spec has one")
    sample = shapes.get(inputs[0].name) or []
    if len(sample) < 2 or any(d is None for d in sample[1:]):
        raise OnnxImportError("the input's shape is not fixed (give it sizes when exporting)")
    dtype = inputs[0].type.tensor_type.elem_type
    if dtype != onnx.TensorProto.FLOAT:
        raise OnnxImportError("the input is not float32 (token ids are not supported yet)")
    g = _Graph(weights, shapes)
    producer = {inputs[0].name: "input"}
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    unsupported: list[str] = []
    taken: set[str] = set()
    for node in graph.node:
        if node.op_type == "Constant":
            continue
        label = f"{node.op_type} ({node.name})" if node.name else node.op_type
        convert = OPS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if convert is None:
            unsupported.append(label)
            continue
        try:
            converted = convert(node, _attrs(node), g)
        except (_Unmapped, KeyError) as error:
            unsupported.append(f"{label}: {error}")
            continue
        data_inputs = [i for i in node.input if i and i not in weights]
        if node.op_type in ("Conv", "Gemm", "BatchNormalization", "Reshape", "ReduceMean"):
            data_inputs = data_inputs[:1]
        if node.op_type in _MERGES and len(data_inputs) != len(node.input):
            unsupported.append(f"{label}: with a constant operand")
            continue
        sources = [producer.get(i) for i in data_inputs]
        if any(s is None for s in sources):
            continue  # fed by something unmapped, already listed
        if converted is None:
            producer[node.output[0]] = sources[0]  # type: ignore[assignment]
            continue
        block, given = converted
        entry = BLOCKS[block]
        params = {
            k: v for k, v in given.items() if entry.param(k) is None or entry.param(k).default != v
        }
        node_id = _node_id(node, taken)
        nodes.append(
            {"id": node_id, "type": block, "params": params}
            if params
            else {"id": node_id, "type": block}
        )
        edges.extend({"source": s, "target": node_id} for s in sources if s)
        producer[node.output[0]] = node_id
    if unsupported:
        raise OnnxImportError(f"{len(unsupported)} node(s) have no block", unsupported)
    output = producer.get(graph.output[0].name) if graph.output else None
    if not output or output == "input":
        raise OnnxImportError("the graph's output does not come from a block")
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": name,
        "description": f"Imported from ONNX ({model.producer_name or 'unknown producer'}, opset "
        f"{max((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), default=0)})",
        "input": {"shape": [int(d) for d in sample[1:] if d is not None]},
        "nodes": nodes,
        "edges": edges,
        "output": output,
    }
