"""Mapping a trace onto registry blocks: the blocks the model's output depends on.

Each call is mapped by importers.calls; calls that carry no tensor of the model's data
(sizes, asserts) are left out, and what cannot be mapped is reported with its module path
and source line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from .call_values import Held, Refused, is_tensor_ref
from .calls import map_call
from .trace import Call, Ref, TensorValue, Trace


@dataclass
class Node:
    """A block of the imported model, before it is placed in a definition."""

    name: str
    type: str
    params: dict[str, Any]
    inputs: list[str]
    path: str
    scope: tuple[str, ...]
    source: str
    shape: tuple[int, ...] | None = None
    """Of its output in the example run (with the batch)."""
    held: Held | None = None
    """The original's parameter it holds as its weight (then `path` is that parameter's)."""


@dataclass
class Unsupported:
    """Something the import cannot map: the op, where it is, and why."""

    op: str
    path: str
    source: str
    reason: str

    def describe(self) -> str:
        where = f" in {self.path}" if self.path else " in the model's own forward"
        line = f" ({self.source})" if self.source else ""
        return f"{self.op}{where}{line}: {self.reason}"


@dataclass
class Mapped:
    """The blocks of a trace in order, and what could not be mapped."""

    nodes: dict[str, Node]
    output: str
    unsupported: list[Unsupported] = field(default_factory=list)


def map_trace(found: Trace, batch: int) -> Mapped:
    """The blocks the model's output depends on, from its input.

    Every call is mapped in the traced order (a topological one); then only what the output
    depends on is kept, and only failures it depends on are reported (an unused `h` of
    `out, h = self.lstm(x)` is no problem).
    """
    calls = found.calls
    nodes: dict[str, Node] = {}
    alias: dict[str, str] = {}
    failed: dict[str, Unsupported] = {}

    def resolved(name: str) -> str | None:
        return name if name == "input" or name in nodes else alias.get(name)

    for name, call in calls.items():
        try:
            mapped = map_call(call, calls, batch)
        except Refused as refused:
            failed[name] = Unsupported(
                describe_op(call), call.path or _scope(call), call.source, refused.reason
            )
            continue
        if isinstance(mapped, Ref):
            target = resolved(mapped.name)
            if target is not None:
                alias[name] = target
            continue
        block_type, params, inputs, weight = mapped
        sources = [resolved(r.name) for r in inputs]
        held = [r.name for r in inputs if r.name in calls and calls[r.name].kind == "attribute"]
        if held:
            failed[name] = Unsupported(
                describe_op(call),
                call.path or _scope(call),
                call.source,
                f"uses {calls[held[0]].path}, a parameter or buffer of a module used directly in "
                "forward; only layers (registry blocks) may hold weights, besides a position "
                "embedding added to a sequence and a class token put before it",
            )
        elif all(sources):
            nodes[name] = Node(
                name,
                block_type,
                params,
                [s for s in sources if s],
                weight.path if weight else call.path,
                call.scope,
                call.source,
                _shape(call.value),
                weight,
            )
    output = found.output
    if not isinstance(output, Ref):
        return Mapped(
            {},
            "",
            [Unsupported("output", "", "", "the model returns several values; one tensor maps")],
        )
    kept, unsupported = _needed(output.name, calls, nodes, alias, failed)
    end = resolved(output.name) or ""
    if end == "input":
        unsupported.append(Unsupported("output", "", "", "the model returns its input"))
    return Mapped({k: nodes[k] for k in calls if k in kept}, end, unsupported)


def _needed(
    output: str,
    calls: dict[str, Call],
    nodes: dict[str, Node],
    alias: dict[str, str],
    failed: dict[str, Unsupported],
) -> tuple[set[str], list[Unsupported]]:
    """The nodes the output depends on, and the failures it depends on (walked back)."""
    kept: set[str] = set()
    reported: dict[str, Unsupported] = {}
    stack, seen = [output], set()
    while stack:
        name = stack.pop()
        if name in seen or name == "input":
            continue
        seen.add(name)
        if name in nodes:
            kept.add(name)
            stack.extend(nodes[name].inputs)
        elif name in alias:
            stack.append(alias[name])
        elif name in calls:  # failed, or fed by a failure: look further back
            if name in failed:
                reported[name] = failed[name]
            call = calls[name]
            refs = _refs_in((call.args, call.kwargs))  # data, not the weights it was given
            stack.extend(
                r.name
                for r in refs
                if is_tensor_ref(r, calls) and calls.get(r.name, call).kind != "attribute"
            )
    return kept, [reported[k] for k in calls if k in reported]


def _refs_in(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, tuple | list):
        return [r for v in value for r in _refs_in(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs_in(v)]
    return []


def _shape(value: Any) -> tuple[int, ...] | None:
    """A tensor's shape; of a recurrent or attention block's (output, state), the output's."""
    if isinstance(value, tuple | list) and value:
        value = value[0]
    return value.shape if isinstance(value, TensorValue) else None


def _scope(call: Call) -> str:
    return call.scope[-1] if call.scope else ""


def describe_op(call: Call) -> str:
    if call.kind == "module":
        return type(call.target).__name__
    if call.kind == "method":
        return f"Tensor.{call.target}"
    if call.kind == "attribute":
        return f"the tensor {call.path}"
    target = call.target
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__name__", None) or str(target)
    if module.startswith("torch.nn.functional"):
        return f"F.{name}"
    if module in ("_operator", "operator"):
        return f"operator.{name}"
    if module.startswith("torch") or isinstance(target, torch._ops.OpOverload):
        return f"torch.{name}" if not isinstance(target, torch._ops.OpOverload) else str(target)
    return f"{module}.{name}" if module else name
