"""Tracing a PyTorch module into `Call`s: one per operation, with the modules around it.

`torch.fx` traces with every registry block as a leaf module, so a `Conv2d` or a
`TransformerEncoderLayer` stays one call. Where fx fails (Python control flow on tensors,
as in `nn.TransformerEncoder`), `torch.export` traces the model into ATen operations, and
the operations inside one registry block's module are folded back into a call of it.
Either way, every call records the example value it produced (its shape and dtype, or a
plain value for sizes), the modules around it and the line of the user's code it came from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import torch.fx as fx
from torch import nn

from codegen.registry import BLOCKS

TORCH_DIR = os.path.join(Path(torch.__file__).parent, "")
_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


@dataclass(frozen=True)
class Ref:
    """The value of another call (by name), or of the model's input (`input`)."""

    name: str


@dataclass(frozen=True)
class TensorValue:
    """What an example run produced: a tensor's shape (with the batch) and dtype."""

    shape: tuple[int, ...]
    dtype: torch.dtype


@dataclass
class Call:
    """One operation of the traced model.

    `kind` is `module` (a registry block's module at `path`), `function` (a callable
    `target`), `method` (a tensor method named `target`) or `attribute` (a tensor held by a
    module, at `path`). `scope` lists the enclosing modules (paths, outermost first), not
    including a module call's own `path`.
    """

    name: str
    kind: Literal["module", "function", "method", "attribute"]
    target: Any
    path: str
    scope: tuple[str, ...]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    value: Any = None
    source: str = ""


@dataclass
class Trace:
    """A traced model: its calls in order, its output and how it was traced."""

    calls: dict[str, Call]
    output: Any
    tracer: Literal["torch.fx", "torch.export"]
    notes: list[str] = field(default_factory=list)


def is_block_module(module: nn.Module) -> bool:
    """A module that is one registry block: a torch.nn class of a block's name."""
    cls = type(module)
    block = BLOCKS.get(cls.__name__)
    return (
        block is not None
        and block.is_module
        and block.class_name == f"nn.{cls.__name__}"
        and getattr(nn, cls.__name__, None) is cls
    )


class _BlockTracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return is_block_module(m)


def user_line(stack_trace: str | None) -> str:
    """`file:line` of the innermost frame of a stack trace outside torch itself."""
    frames = _FRAME.findall(stack_trace or "")
    for file, line, _function in reversed(frames):
        if not file.startswith(TORCH_DIR):
            return f"{file}:{line}"
    return ""


def summarise(value: Any) -> Any:
    """An example value kept for mapping: tensors by shape and dtype, containers of them."""
    if isinstance(value, torch.Tensor):
        return TensorValue(tuple(value.shape), value.dtype)
    if isinstance(value, tuple | list):
        return type(value)(summarise(v) for v in value)
    if isinstance(value, torch.Size):
        return tuple(value)
    return value


def _refs(value: Any, names: dict[fx.Node, str]) -> Any:
    return fx.node.map_arg(value, lambda n: Ref(names[n]))


def trace(model: nn.Module, example: torch.Tensor) -> Trace:
    """The calls of `model` on `example` (a batch): by torch.fx, else by torch.export."""
    try:
        return _trace_fx(model, example)
    except Exception as fx_error:  # noqa: BLE001 - any failure of fx means: try export
        try:
            found = _trace_export(model, example)
        except Exception as export_error:  # noqa: BLE001
            raise TraceError(
                f"torch.fx could not trace the model ({_first_line(fx_error)}), nor could "
                f"torch.export ({_first_line(export_error)})"
            ) from export_error
        found.notes.append(f"torch.fx failed ({_first_line(fx_error)}); traced with torch.export")
        return found


class TraceError(Exception):
    """Neither tracer could follow the model."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


# ---------------------------------------------------------------- torch.fx


class _Recorder(fx.Interpreter):
    """Runs the traced graph on the example, keeping each node's value (summarised)."""

    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.values: dict[fx.Node, Any] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        self.values[n] = summarise(result)
        return result


def _trace_fx(model: nn.Module, example: torch.Tensor) -> Trace:
    tracer = _BlockTracer()
    tracer.record_stack_traces = True
    graph = tracer.trace(model)
    module = fx.GraphModule(model, graph)
    recorder = _Recorder(module)
    with torch.no_grad():
        was_training = model.training
        model.eval()
        try:
            recorder.run(example)
        finally:
            model.train(was_training)
    names: dict[fx.Node, str] = {}
    calls: dict[str, Call] = {}
    output: Any = None
    for node in graph.nodes:
        if node.op == "placeholder":
            names[node] = "input"
            continue
        if node.op == "output":
            output = _refs(node.args[0], names)
            continue
        names[node] = node.name
        stack = list((node.meta.get("nn_module_stack") or {}).values())
        paths = tuple(path for path, _cls in stack)
        if node.op == "call_module":
            kind, target, path = "module", model.get_submodule(node.target), node.target
            paths = tuple(p for p in paths if p != node.target)
        elif node.op == "get_attr":
            kind, target, path = "attribute", None, node.target
        elif node.op == "call_method":
            kind, target, path = "method", node.target, ""
        else:
            kind, target, path = "function", node.target, ""
        calls[node.name] = Call(
            node.name,
            kind,
            target,
            path,
            paths,
            _refs(node.args, names),
            _refs(node.kwargs, names),
            recorder.values.get(node),
            user_line(node.stack_trace),
        )
    return Trace(calls, output, "torch.fx")


# ---------------------------------------------------------------- torch.export


def _trace_export(model: nn.Module, example: torch.Tensor) -> Trace:
    """torch.export's ATen graph, with each registry block's operations folded into one
    module call. Operations outside any block keep their ATen names (`aten.add.Tensor`)."""
    program = torch.export.export(model, (example,), strict=False)
    graph = program.graph_module.graph
    signature = program.graph_signature
    user_inputs = set(signature.user_inputs)
    held = {**signature.inputs_to_parameters, **signature.inputs_to_buffers}
    held.update(getattr(signature, "inputs_to_lifted_tensor_constants", {}))
    names: dict[fx.Node, str] = {}
    calls: dict[str, Call] = {}
    folded: dict[str, str] = {}  # block module path -> the call standing for it
    output: Any = None
    nodes = list(graph.nodes)
    for node in nodes:
        if node.op == "placeholder" and node.name in user_inputs:
            names[node] = "input"
            continue
        if node.op == "placeholder":  # a parameter or buffer, as fx's get_attr
            path = held.get(node.name, "")
            names[node] = f"@{path}"
            calls[names[node]] = Call(
                names[node], "attribute", None, path, (), (), {}, summarise(node.meta.get("val"))
            )
            continue
        if node.op == "output":
            output = _refs(node.args[0], names)
            if isinstance(output, tuple | list) and len(output) == 1:
                output = output[0]
            continue
        stack = list((node.meta.get("nn_module_stack") or {}).values())
        paths = [path for path, _cls in stack]
        block_path = next((p for p in paths if is_block_module(model.get_submodule(p))), None)
        if block_path is None:
            names[node] = node.name
            calls[node.name] = Call(
                node.name,
                "function",
                node.target,
                "",
                tuple(paths),
                _refs(node.args, names),
                _refs(node.kwargs, names),
                summarise(node.meta.get("val")),
                user_line(node.meta.get("stack_trace")),
            )
            continue
        # an operation inside a block: the block's call takes the tensors from outside it
        name = folded.get(block_path)
        if name is None:
            name = folded[block_path] = f"call_{block_path.replace('.', '_')}"
            outer = tuple(paths[: paths.index(block_path)])
            calls[name] = Call(
                name,
                "module",
                model.get_submodule(block_path),
                block_path,
                outer,
                (),
                {},
                None,
                user_line(node.meta.get("stack_trace")),
            )
        call = calls[name]
        inside = {n for n, v in names.items() if v == name}
        for arg in node.all_input_nodes:
            ref = Ref(names[arg])
            if arg not in inside and not ref.name.startswith("@") and ref not in call.args:
                call.args = (*call.args, ref)
        names[node] = name
        call.value = summarise(node.meta.get("val"))
    # a folded block's value is that of its last operation: check it is the one used outside
    return Trace(calls, output, "torch.export")
