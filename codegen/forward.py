"""Writing `forward()`: statements in topological order, with readable variable names.

Values live in two running variables, `x` and `out`, as in torchvision's blocks
(`out = self.conv1(x)` ... `out = out + x`): a node's result takes the variable of its
first input that it was the last to read, else a free one (`x` first). Only when both
hold values still needed does a value get a variable named after its node. Each block's emission writes its own
expression (`self.conv1(x)`, `a + b`, `self.lstm(x)[0]`, `x.mean(dim=1)`); an instance of a
definition is called with its inputs (`self.layer1(x)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .graph import NodeInfo
from .registry import BLOCKS
from .registry.base import Code, Expression

RUNNING = ("x", "out", "h", "y")
"""Candidate names of the two running variables (the first two that no node or input uses)."""


@dataclass(frozen=True)
class Statement:
    target: str
    code: Code
    shape: str

    @property
    def expression(self) -> str:
        return self.code.text


def forward_statements(
    nodes: dict[str, NodeInfo],
    order: list[str],
    output: str | None,
    inputs: dict[str, str],
    shape_of: Callable[[NodeInfo], str],
) -> tuple[list[Statement], str]:
    """The statements of forward() and the name of the returned variable.

    `inputs` maps each graph input to its argument name (the model's `input` is `x`);
    `shape_of` writes the comment of a statement.
    """
    consumers: dict[str, list[str]] = {name: [] for name in inputs}
    for node_id in order:
        consumers.setdefault(node_id, [])
    for node_id in order:
        for source in nodes[node_id].inputs:
            consumers[source].append(node_id)
    taken = set(nodes) | set(inputs.values())
    running = [v for v in RUNNING if v == "x" or v not in taken][:2]
    holder: dict[str, str | None] = {v: None for v in running}
    names = dict(inputs)
    for name, variable in inputs.items():
        if variable in holder:
            holder[variable] = name
    remaining = {k: len(v) for k, v in consumers.items()}
    statements = []
    for node_id in order:
        info = nodes[node_id]
        args = [names[s] for s in info.inputs]
        for source in info.inputs:
            remaining[source] -= 1
        free = [v for v in running if holder[v] is None or remaining[holder[v]] == 0]  # type: ignore[index]
        freed = [names[s] for s in info.inputs if names[s] in free]
        target = (freed or free or [node_id])[0]
        if target in holder:
            holder[target] = node_id
        names[node_id] = target
        statements.append(Statement(target, node_code(info, args), shape_of(info)))
    return statements, names.get(output or "", "x")


def node_code(info: NodeInfo, args: list[str]) -> Code:
    """The expression of one node in forward, from its block's emission."""
    if info.run is not None:  # an instance of a definition
        return Code(f"self.{info.id}({', '.join(args)})")
    emission = BLOCKS[info.type].emission
    if isinstance(emission, Expression):
        return emission.code(args, info.params)
    return emission.call(f"self.{info.id}", args, info.params)
