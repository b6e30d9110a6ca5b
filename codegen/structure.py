"""The structural checks of one graph, the model's or a definition's: its nodes
(`codegen.node_checks`), then its edges, order, output, reachability and the number of
inputs of each node.

`check_body` finds everything wrong that does not depend on tensor shapes, with a JSON
pointer into the spec (a definition's pointers start with `/modules/<name>`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .graph import Body, Kinds
from .node_checks import check_nodes
from .problems import Problem, pointer
from .registry.base import Inputs
from .spec_graph import EdgeSpec, NodeSpec

if TYPE_CHECKING:
    from .definitions import Definition


def check_body(
    path: tuple[Any, ...],
    inputs: list[str],
    nodes: list[NodeSpec],
    edges: list[EdgeSpec] | None,
    effective: list[EdgeSpec],
    output: str | None,
    kinds: Kinds,
    problems: list[Problem],
    owner: Definition | None = None,
) -> Body:
    """Check one graph's structure; every problem found is appended to `problems`."""
    before = len(problems)
    infos = check_nodes(path, nodes, kinds, owner, problems)
    pairs = _check_edges(path, inputs, nodes, edges, effective, set(infos), problems)
    into: dict[str, list[str]] = defaultdict(list)
    consumers: dict[str, list[str]] = defaultdict(list)
    for source, target in pairs:
        into[target].append(source)
        consumers[source].append(target)
    for info in infos.values():
        info.inputs = into.get(info.id, [])
    body = Body(
        path,
        inputs,
        infos,
        [],
        None,
        {name: consumers.get(name, []) for name in inputs},
        owner,
    )
    order, cyclic = _topological_order(list(infos), into, consumers, set(inputs))
    for node_id in cyclic:
        problems.append(
            Problem(
                body.where("nodes", infos[node_id].index),
                f"'{node_id}' is part of a cycle",
                "remove one of the edges that loop back; the graph must flow from input to output",
            )
        )
    body.order = order
    body.output = _check_output(body, output, consumers, problems)
    _check_reachability(body, into, consumers, problems)
    _check_arity(body, kinds, problems)
    body.problems = len(problems) - before
    return body


def _check_edges(
    path: tuple[Any, ...],
    inputs: list[str],
    nodes: list[NodeSpec],
    edges: list[EdgeSpec] | None,
    effective: list[EdgeSpec],
    ok_ids: set[str],
    problems: list[Problem],
) -> list[tuple[str, str]]:
    all_ids = {n.id for n in nodes}
    starts = set(inputs)
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    if len(inputs) == 1:
        hint_start = f"use '{inputs[0]}' or the id of a node"
    else:
        hint_start = f"use one of the inputs ({', '.join(inputs)}) or the id of a node"

    def where(j: int, end: str | None = None) -> str:
        if edges is not None:
            return pointer(*path, "edges", j, end) if end else pointer(*path, "edges", j)
        # a sequential stack: edge j runs from node j - 1 to node j (duplicate or bad ids)
        if end is None:
            return pointer(*path, "nodes", j)
        return pointer(*path, "nodes", j if end == "target" else j - 1, "id")

    for j, edge in enumerate(effective):
        bad = False
        for end in ("source", "target"):
            name = getattr(edge, end)
            if end == "source" and name in starts:
                continue
            if name in starts:
                problems.append(
                    Problem(where(j, end), f"no edge may lead into '{name}'", "reverse the edge")
                )
                bad = True
            elif name not in all_ids:
                problems.append(
                    Problem(where(j, end), f"edge {end} '{name[:64]}' is not a node", hint_start)
                )
                bad = True
            elif name not in ok_ids:
                bad = True
        if bad:
            continue
        pair = (edge.source, edge.target)
        if edge.source == edge.target:
            problems.append(
                Problem(where(j), f"'{edge.source}' is wired to itself", "remove this edge")
            )
        elif pair in seen:
            problems.append(
                Problem(
                    where(j),
                    f"the edge {edge.source} -> {edge.target} is listed twice",
                    "remove the duplicate (to add a tensor to itself, use two branches)",
                )
            )
        else:
            seen.add(pair)
            found.append(pair)
    return found


def _topological_order(
    ids: list[str],
    inputs: dict[str, list[str]],
    consumers: dict[str, list[str]],
    starts: set[str],
) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, stable in spec order. Returns (order, nodes on or after a cycle)."""
    pending = {i: sum(1 for s in inputs.get(i, []) if s not in starts) for i in ids}
    position = {node_id: k for k, node_id in enumerate(ids)}
    ready = [i for i in ids if pending[i] == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=position.__getitem__)
        current = ready.pop(0)
        order.append(current)
        for nxt in consumers.get(current, []):
            pending[nxt] -= 1
            if pending[nxt] == 0:
                ready.append(nxt)
    placed = set(order)
    stuck = [i for i in ids if i not in placed]
    # report only nodes that are really on a cycle, not everything downstream of one
    on_cycle = [i for i in stuck if _reaches(i, i, consumers)]
    return order, on_cycle or stuck


def _reaches(start: str, goal: str, consumers: dict[str, list[str]]) -> bool:
    stack, seen = list(consumers.get(start, [])), set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(consumers.get(node, []))
    return False


def _check_output(
    body: Body, output: str | None, consumers: dict[str, list[str]], problems: list[Problem]
) -> str | None:
    if output is not None:
        if output not in body.nodes:
            problems.append(
                Problem(
                    body.where("output"),
                    f"output '{output[:64]}' is not a node",
                    "use the id of the last node",
                )
            )
            return None
        return output
    sinks = [i for i in body.nodes if not consumers.get(i)]
    if len(sinks) == 1:
        return sinks[0]
    if len(sinks) > 1:
        problems.append(
            Problem(
                body.where("nodes", body.nodes[sinks[-1]].index),
                f"the graph has several outputs: {', '.join(sinks)}",
                "connect the loose ends (e.g. with Add or Concat), delete them, or set 'output'",
            )
        )
    return None


def _check_reachability(
    body: Body,
    inputs: dict[str, list[str]],
    consumers: dict[str, list[str]],
    problems: list[Problem],
) -> None:
    read = [name for name in body.inputs if consumers.get(name)]
    where = body.where("edges")
    for name in body.inputs:
        if not consumers.get(name):
            first = len(body.inputs) == 1
            problems.append(
                Problem(
                    where,
                    "nothing reads the input" if first else f"nothing reads the input '{name}'",
                    f"add an edge from '{name}' to the first layer",
                )
            )
    from_input = _closure(list(read), consumers)
    to_output = _closure([body.output], inputs) if body.output else set(body.nodes)
    for node_id, info in body.nodes.items():
        if node_id not in from_input and read:
            problems.append(
                Problem(
                    body.where("nodes", info.index),
                    f"'{node_id}' is not connected to the input",
                    "wire it into the graph or delete it",
                )
            )
        elif node_id not in to_output:
            problems.append(
                Problem(
                    body.where("nodes", info.index),
                    f"'{node_id}' does not lead to the output '{body.output}'",
                    "connect it to a later layer or delete it",
                )
            )


def _closure(start: list[str | None], links: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [s for s in start if s is not None]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(links.get(node, []))
    return seen


def _check_arity(body: Body, kinds: Kinds, problems: list[Problem]) -> None:
    for info in body.nodes.values():
        kind = kinds.get(info.type)
        if kind is None:
            continue
        count = len(info.inputs)
        if count == 0:
            continue  # reported as unreachable
        arity: Inputs = kind.inputs
        where = body.where("nodes", info.index)
        if info.repeat > 1 and arity.min > 1:
            problems.append(
                Problem(
                    body.where("nodes", info.index, "repeat"),
                    f"repeat stacks instances on one input, but {info.type} takes "
                    f"{arity.min} ({', '.join(arity.slots)})",
                    "use repeat with a definition of one input, or wire the instances by hand",
                )
            )
        if count < arity.min:
            needs = ", ".join(arity.slots[: arity.min]) if arity.slots else f"{arity.min} inputs"
            problems.append(
                Problem(
                    where,
                    f"{info.type} needs {_at_least(arity)}{needs}, got {count}",
                    "wire more branches into it",
                )
            )
        elif arity.max is not None and count > arity.max:
            takes = (
                f"at most {arity.max} inputs ({', '.join(arity.slots)})"
                if arity.slots
                else "one input"
            )
            problems.append(
                Problem(
                    where,
                    f"{info.type} takes {takes} but {count} edges lead into it",
                    (
                        "merge the branches first with Add or Concat"
                        if arity.max == 1
                        else "remove the extra edges"
                    ),
                )
            )


def _at_least(arity: Inputs) -> str:
    return "" if arity.max == arity.min else "at least "
