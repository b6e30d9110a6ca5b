"""Reading a stored spec leniently, for drawing: whatever cannot be read is left out.

A stored spec may be broken (cycles, dangling edges, odd values); `read_graph` never
raises, and bounds what it keeps (nodes, edges, text, coordinates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from codegen.registry import BLOCKS, CATEGORY_COLOURS
from codegen.spec import MAX_NODES as SPEC_MAX_NODES

from .graph_layout import neighbours, topological_order

INPUT = "input"
MAX_NODES = SPEC_MAX_NODES  # no stored spec has more
MAX_EDGES = 4 * MAX_NODES
MAX_TEXT = 200
MAX_COORD = 1e6
INPUT_COLOUR = "#24292f"
UNKNOWN_COLOUR = "#999999"


@dataclass(frozen=True)
class Box:
    """One node as drawn: what the spec says about it, read leniently."""

    id: str
    type: str
    label: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str | None:
        block = BLOCKS.get(self.type)
        return block.category if block else None

    @property
    def colour(self) -> str:
        if self.id == INPUT:
            return INPUT_COLOUR
        return CATEGORY_COLOURS.get(self.category or "", UNKNOWN_COLOUR)


@dataclass
class Graph:
    """The drawable part of a spec: `input` first, then the nodes in spec order."""

    boxes: list[Box]
    edges: list[tuple[str, str]]
    output: str | None
    layout: dict[str, tuple[float, float]]
    input_shape: tuple[int, ...] | None
    hidden: int = 0  # nodes left out (thumbnails of huge graphs)


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _read_boxes(nodes: Any) -> list[Box]:
    boxes = [Box(INPUT, "Input")]
    seen = {INPUT}
    for item in nodes[:MAX_NODES] if isinstance(nodes, list) else []:
        if not isinstance(item, dict):
            continue
        node_id = _text(item.get("id"), 64)
        if not node_id or node_id in seen:
            continue
        seen.add(node_id)
        params = item.get("params")
        boxes.append(
            Box(
                id=node_id,
                type=_text(item.get("type"), 64) or "?",
                label=_text(item.get("label")),
                params=params if isinstance(params, dict) else {},
            )
        )
    return boxes


def _read_edges(data: dict[str, Any], ids: list[str]) -> list[tuple[str, str]]:
    raw = data.get("edges")
    if raw is None:  # a sequential stack in list order
        return list(zip(ids, ids[1:], strict=False))
    known, seen = set(ids), set()
    edges: list[tuple[str, str]] = []
    for item in raw[:MAX_EDGES] if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        source, target = _text(item.get("source"), 64), _text(item.get("target"), 64)
        if source is None or target is None or (source, target) in seen:
            continue
        if source in known and target in known and target not in (INPUT, source):
            seen.add((source, target))
            edges.append((source, target))
    return edges


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return max(-MAX_COORD, min(MAX_COORD, number)) if math.isfinite(number) else None


def _read_layout(raw: Any) -> dict[str, tuple[float, float]]:
    layout: dict[str, tuple[float, float]] = {}
    for key, value in raw.items() if isinstance(raw, dict) else []:
        if isinstance(key, str) and isinstance(value, dict):
            x, y = _number(value.get("x", 0)), _number(value.get("y", 0))
            if x is not None and y is not None:
                layout[key] = (x, y)
    return layout


def _read_shape(raw: Any) -> tuple[int, ...] | None:
    shape = raw.get("shape") if isinstance(raw, dict) else None
    if not isinstance(shape, list) or not 0 < len(shape) <= 8:
        return None
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        return None
    return tuple(shape)


def read_graph(data: Any) -> Graph:
    """The boxes, edges, output and layout of a spec; anything unreadable is left out."""
    if not isinstance(data, dict):
        data = {}
    boxes = _read_boxes(data.get("nodes"))
    ids = [b.id for b in boxes]
    edges = _read_edges(data, ids)
    output = data.get("output")
    if output not in ids[1:]:
        sources = {s for s, _ in edges}
        sinks = [i for i in ids[1:] if i not in sources]
        output = sinks[0] if len(sinks) == 1 else None
    return Graph(
        boxes, edges, output, _read_layout(data.get("layout")), _read_shape(data.get("input"))
    )


def ids_of(graph: Graph) -> list[str]:
    return [b.id for b in graph.boxes]


def keep_first(graph: Graph, limit: int) -> Graph:
    """The first `limit` boxes in drawing order (rows from the top), for thumbnails."""
    if len(graph.boxes) <= limit:
        return graph
    ids = ids_of(graph)
    kept = set(topological_order(ids, *neighbours(ids, graph.edges))[:limit])
    boxes = [b for b in graph.boxes if b.id in kept]
    edges = [(s, t) for s, t in graph.edges if s in kept and t in kept]
    return Graph(
        boxes, edges, graph.output, graph.layout, graph.input_shape, len(graph.boxes) - limit
    )
