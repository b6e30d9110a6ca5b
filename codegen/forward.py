"""Writing `forward()`: statements in topological order, with readable variable names.

A chain reuses `x`; a value that several layers read, or that a merge reads, gets a
variable named after its node. Each block's emission writes its own expression
(`self.conv1(x)`, `a + b`, `self.lstm(x)[0]`, `x.mean(dim=1)`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import INPUT, Analysis, NodeInfo
from .registry import BLOCKS
from .registry.base import Code, Expression


@dataclass(frozen=True)
class Statement:
    target: str
    code: Code
    shape: str

    @property
    def expression(self) -> str:
        return self.code.text


def forward_statements(analysis: Analysis) -> tuple[list[Statement], str]:
    """The statements of forward() and the name of the returned variable."""
    order = analysis.order
    consumers: dict[str, list[str]] = {INPUT: list(analysis.input_consumers)}
    for node_id in order:
        for source in analysis.nodes[node_id].inputs:
            consumers.setdefault(source, [])
        consumers.setdefault(node_id, [])
    for node_id in order:
        for source in analysis.nodes[node_id].inputs:
            if source != INPUT:
                consumers[source].append(node_id)

    names: dict[str, str] = {INPUT: "x"}
    remaining = {k: len(v) for k, v in consumers.items()}
    holder = INPUT  # whose value the variable `x` holds now
    statements = []
    for position, node_id in enumerate(order):
        info = analysis.nodes[node_id]
        args = [names[s] for s in info.inputs]
        for source in info.inputs:
            remaining[source] -= 1
        next_id = order[position + 1] if position + 1 < len(order) else None
        x_free = holder is None or remaining.get(holder, 0) == 0
        chained = (
            x_free and len(consumers[node_id]) == 1 and consumers[node_id][0] == next_id
        ) or (node_id == analysis.output and x_free)
        target = "x" if chained else node_id
        if chained:
            holder = node_id
        elif holder is not None and remaining.get(holder, 0) == 0:
            holder = None
        names[node_id] = target
        shape = ", ".join(["N", *(str(d) for d in info.output_shape or ())])
        statements.append(Statement(target, node_code(info, args), shape))
    result = names.get(analysis.output or "", "x")
    return statements, result


def node_code(info: NodeInfo, args: list[str]) -> Code:
    """The expression of one node in forward, from its block's emission."""
    emission = BLOCKS[info.type].emission
    if isinstance(emission, Expression):
        return emission.code(args, info.params)
    return emission.call(f"self.{info.id}", args, info.params)
