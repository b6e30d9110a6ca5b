"""Pictures of a model's layer graph as SVG, for the gallery cards and the model page.

Pure and torch-free. `thumbnail_svg(data)` draws coloured boxes for a gallery card;
`canvas_svg(data, analysis)` draws the read-only canvas of /m/<id> (type, id or label, key
parameters, output shape and parameter count per block). Both take the spec as parsed
JSON and never raise: a stored spec may be broken (cycles, dangling edges, odd values),
so whatever cannot be read is left out. Every user string is XML-escaped.

Positions come from the spec's `layout` when it places every node (as in the editor,
whose positions are top-left corners); otherwise a layered layout puts each node one
row below its deepest input (longest path from `input`), branches side by side.
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from codegen.analysis import Analysis
from codegen.registry import BLOCKS
from codegen.registry.base import fmt_shape
from codegen.spec import MAX_NODES as SPEC_MAX_NODES

log = logging.getLogger(__name__)

INPUT = "input"
NODE_W, NODE_H = 200, 64
GAP_X, GAP_Y = 40, 44
PAD = 16
MAX_NODES = SPEC_MAX_NODES  # no stored spec has more
MAX_EDGES = 4 * MAX_NODES
MAX_TEXT = 200
MAX_COORD = 1e6
THUMB_MAX_NODES = 150
THUMB_TEXT_MAX_NODES = 16

# the editor's palette (static/src/styles.css, .cat-*)
CATEGORY_COLOURS = {
    "Linear": "#2f81f7",
    "Convolution": "#8250df",
    "Pooling": "#1f883d",
    "Normalization": "#bf8700",
    "Activation": "#ee4c2c",
    "Dropout": "#6e7781",
    "Shape": "#0e8a8a",
    "Merge": "#d63384",
}
INPUT_COLOUR = "#24292f"
UNKNOWN_COLOUR = "#999999"
LINE, TEXT, MUTED, GOOD, EDGE = "#d9dde3", "#1f2328", "#636c76", "#1a7f37", "#8c959f"
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
MONO = "ui-monospace, SFMono-Regular, Menlo, monospace"
# characters XML 1.0 does not allow (and that browsers show as boxes anyway)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# reading a spec leniently


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


# positions


def _neighbours(graph: Graph) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    inputs: dict[str, list[str]] = {b.id: [] for b in graph.boxes}
    outputs: dict[str, list[str]] = {b.id: [] for b in graph.boxes}
    for source, target in graph.edges:
        inputs[target].append(source)
        outputs[source].append(target)
    return inputs, outputs


def _order(graph: Graph, inputs: dict[str, list[str]], outputs: dict[str, list[str]]) -> list[str]:
    """Topological order, stable in spec order; nodes on or after a cycle come last."""
    index = {b.id: k for k, b in enumerate(graph.boxes)}
    pending = {node: len(sources) for node, sources in inputs.items()}
    ready = [index[node] for node, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = graph.boxes[heapq.heappop(ready)].id
        order.append(node)
        for target in outputs[node]:
            pending[target] -= 1
            if pending[target] == 0:
                heapq.heappush(ready, index[target])
    placed = set(order)
    return order + [b.id for b in graph.boxes if b.id not in placed]


def _depths(order: list[str], inputs: dict[str, list[str]]) -> dict[str, int]:
    """Longest-path depth from the roots (inputs not placed yet, i.e. loops, are ignored)."""
    depth: dict[str, int] = {}
    for node in order:
        depth[node] = 1 + max((depth[s] for s in inputs[node] if s in depth), default=-1)
    return depth


def _rows(order: list[str], depth: dict[str, int], inputs: dict[str, list[str]]) -> list[list[str]]:
    """Nodes by depth, each row sorted by the mean slot of its inputs (fewer crossings)."""
    rows: list[list[str]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for node in order:
        rows[depth[node]].append(node)
    slot: dict[str, float] = {}
    for row in rows:

        def key(item: tuple[int, str]) -> float:
            above = [slot[s] for s in inputs[item[1]] if s in slot]
            return sum(above) / len(above) if above else float(item[0])

        row[:] = [node for _, node in sorted(enumerate(row), key=key)]
        offset = (len(row) - 1) / 2
        slot.update({node: k - offset for k, node in enumerate(row)})
    return rows


def layered_positions(graph: Graph, height: float = NODE_H) -> dict[str, tuple[float, float]]:
    """Top-left corners: one row per depth, each row centred on x = 0."""
    inputs, outputs = _neighbours(graph)
    order = _order(graph, inputs, outputs)
    positions: dict[str, tuple[float, float]] = {}
    for depth, row in enumerate(_rows(order, _depths(order, inputs), inputs)):
        offset = (len(row) - 1) / 2
        for k, node in enumerate(row):
            x = (k - offset) * (NODE_W + GAP_X) - NODE_W / 2
            positions[node] = (x, depth * (height + GAP_Y))
    return positions


def positions(graph: Graph, height: float = NODE_H) -> dict[str, tuple[float, float]]:
    """The spec's layout if it places every node (input optional), else a layered one."""
    nodes = [b.id for b in graph.boxes[1:]]
    if not nodes or not all(node in graph.layout for node in nodes):
        return layered_positions(graph, height)
    placed = {node: graph.layout[node] for node in nodes}
    if INPUT in graph.layout:
        placed[INPUT] = graph.layout[INPUT]
    else:  # above the first layer it feeds (or above everything)
        fed = [placed[t] for s, t in graph.edges if s == INPUT] or list(placed.values())
        placed[INPUT] = (min(x for x, _ in fed), min(y for _, y in fed) - height - GAP_Y)
    return placed


def _keep_first(graph: Graph, limit: int) -> Graph:
    """The first `limit` boxes in drawing order (rows from the top), for thumbnails."""
    if len(graph.boxes) <= limit:
        return graph
    inputs, outputs = _neighbours(graph)
    kept = set(_order(graph, inputs, outputs)[:limit])
    boxes = [b for b in graph.boxes if b.id in kept]
    edges = [(s, t) for s, t in graph.edges if s in kept and t in kept]
    return Graph(
        boxes, edges, graph.output, graph.layout, graph.input_shape, len(graph.boxes) - limit
    )


# drawing

Point = tuple[float, float]


@dataclass(frozen=True)
class Facts:
    """What analysis found out about one node."""

    params: dict[str, Any]
    shape: str
    count: int | None


def node_facts(analysis: Analysis | None) -> dict[str, Facts]:
    facts: dict[str, Facts] = {}
    for node_id, info in (analysis.nodes if analysis else {}).items():
        shape = info.output_shape
        facts[node_id] = Facts(
            params=dict(info.params),
            shape=fmt_shape(shape) if shape is not None else "?",
            count=info.param_count if shape is not None else None,
        )
    return facts


@dataclass
class Drawing:
    """A graph with a position (top-left corner) for each box, all boxes one height."""

    graph: Graph
    place: dict[str, Point]
    height: float = NODE_H
    lanes: int = 0  # edges routed around boxes so far, each one a little further out

    def bottom(self, node: str, k: int, n: int) -> Point:
        x, y = self.place[node]
        return x + NODE_W * (k + 1) / (n + 1), y + self.height

    def top(self, node: str, k: int, n: int) -> Point:
        x, y = self.place[node]
        return x + NODE_W * (k + 1) / (n + 1), y

    def blocking(self, start: Point, end: Point, ends: tuple[str, str]) -> list[Point]:
        """Boxes (other than the edge's own) that a straight edge would cross."""
        left, right = min(start[0], end[0]) - 8, max(start[0], end[0]) + 8
        low, high = min(start[1], end[1]), max(start[1], end[1])
        return [
            (x, y)
            for node, (x, y) in self.place.items()
            if node not in ends
            and y < high
            and y + self.height > low
            and x < right
            and x + NODE_W > left
        ]

    def view_box(self, below: float) -> tuple[float, float, float, float]:
        xs = [x for x, _ in self.place.values()] or [0.0]
        ys = [y for _, y in self.place.values()] or [0.0]
        left = min(xs) - PAD - 12 * min(self.lanes, 20)
        right = max(xs) + NODE_W + PAD + 12 * min(self.lanes, 20)
        top, bottom = min(ys) - PAD, max(ys) + self.height + below + PAD
        return left, top, right - left, bottom - top


def xml_text(text: str) -> str:
    """`text` without the characters XML cannot hold (each becomes U+FFFD)."""
    return _NOT_XML.sub("\ufffd", text)


def _esc(text: str) -> str:
    return str(escape(xml_text(text)))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "×".join(_value_text(v) for v in value[:8])
    if isinstance(value, dict):
        return "{…}"
    return str(value)[:40]


def key_params(box: Box, resolved: dict[str, Any] | None = None) -> str:
    """`name=value` of the block's key parameters, as the editor shows them."""
    block = BLOCKS.get(box.type)
    if block is None:
        return ""
    values = {p.name: p.default for p in block.params}
    values.update(resolved or {})
    values.update(box.params)
    shown = [(name, values.get(name)) for name in block.key_params]
    return " ".join(f"{name}={_value_text(value)}" for name, value in shown if value is not None)


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """Words on at most `lines` lines of `width` characters; the last one shortened."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [_shorten(line, width) for line in out]


def _edge_path(drawing: Drawing, start: Point, end: Point, ends: tuple[str, str]) -> str:
    """A curve from `start` down to `end`, around the boxes in between (on the freer side)."""
    (sx, sy), (tx, ty) = start, end
    bend = max(24.0, abs(ty - sy) / 2)
    blocked = drawing.blocking(start, end, ends) if ty > sy + drawing.height else []
    if not blocked:
        return (
            f"M{_num(sx)} {_num(sy)} C{_num(sx)} {_num(sy + bend)} {_num(tx)} "
            f"{_num(ty - bend)} {_num(tx)} {_num(ty)}"
        )
    drawing.lanes += 1
    lane = 16 + 12 * min(drawing.lanes, 20)
    centre = sum(x for x, _ in blocked) / len(blocked) + NODE_W / 2
    if (sx + tx) / 2 >= centre:
        side = max(x for x, _ in blocked) + NODE_W + lane
    else:
        side = min(x for x, _ in blocked) - lane
    down, up = sy + GAP_Y / 2, ty - GAP_Y / 2
    return (
        f"M{_num(sx)} {_num(sy)} C{_num(sx)} {_num(down)} {_num(side)} {_num(sy)} "
        f"{_num(side)} {_num(down)} V{_num(up)} C{_num(side)} {_num(ty)} {_num(tx)} "
        f"{_num(up)} {_num(tx)} {_num(ty)}"
    )


def _edges_svg(drawing: Drawing, arrows: bool) -> Iterable[str]:
    inputs, outputs = _neighbours(drawing.graph)
    for source, target in drawing.graph.edges:
        if source not in drawing.place or target not in drawing.place:
            continue
        out, into = outputs[source], inputs[target]
        start = drawing.bottom(source, out.index(target), len(out))
        tx, ty = drawing.top(target, into.index(source), len(into))
        if arrows:
            path = _edge_path(drawing, start, (tx, ty - 7), (source, target))
        else:  # thumbnails: straight lines, which stay readable when folded
            path = f"M{_num(start[0])} {_num(start[1])} L{_num(tx)} {_num(ty)}"
        yield f'<path d="{path}" fill="none" stroke="{EDGE}" stroke-width="1.5"/>'
        if arrows:
            yield (
                f'<polygon points="{_num(tx - 5)},{_num(ty - 7)} {_num(tx + 5)},{_num(ty - 7)} '
                f'{_num(tx)},{_num(ty)}" fill="{EDGE}"/>'
            )


def _bar(x: float, y: float, colour: str) -> str:
    """The coloured top edge of a block, following its rounded corners."""
    return (
        f'<path d="M{_num(x)} {_num(y + 6)} Q{_num(x)} {_num(y)} {_num(x + 6)} {_num(y)} '
        f"H{_num(x + NODE_W - 6)} Q{_num(x + NODE_W)} {_num(y)} {_num(x + NODE_W)} "
        f'{_num(y + 6)} Z" fill="{colour}"/>'
    )


def _text_el(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 12,
    anchor: str = "start",
    colour: str = TEXT,
    weight: str = "normal",
    font: str = FONT,
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" font-family="{font}" '
        f'fill="{colour}" font-weight="{weight}" text-anchor="{anchor}">{_esc(text)}</text>'
    )


PARAM_CHARS = 34


def _param_lines(box: Box, facts: Facts | None) -> list[str]:
    if box.id == INPUT:
        return ["sample shape"]
    return _wrap(key_params(box, facts.params if facts else None), PARAM_CHARS, 2)


def _box_svg(drawing: Drawing, box: Box, facts: Facts | None) -> str:
    graph, height = drawing.graph, drawing.height
    x, y = drawing.place[box.id]
    is_input, is_output = box.id == INPUT, box.id == graph.output
    title = f"{box.type} {box.id}" + (f" ({box.label})" if box.label else "")
    type_text = _shorten(box.type, 20)
    room = max(3, int((NODE_W - 24 - 7.5 * len(type_text)) / 6.5))
    parts = [
        f'<g class="node" data-id="{_esc(box.id)}" data-type="{_esc(box.type)}">',
        f"<title>{_esc(title + (' (model output)' if is_output else ''))}</title>",
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{NODE_W}" height="{_num(height)}" rx="6" '
        f'fill="{"#f6f8fa" if is_input else "#ffffff"}" '
        f'stroke="{GOOD if is_output else LINE}" stroke-width="{2 if is_output else 1}"/>',
        _bar(x, y, box.colour),
        _text_el(x + 8, y + 21, type_text, weight="bold"),
        _text_el(x + NODE_W - 8, y + 21, _shorten(box.label or box.id, room), anchor="end",
                 colour=MUTED),  # fmt: skip
    ]
    for k, line in enumerate(_param_lines(box, facts)):
        parts.append(_text_el(x + 8, y + 37 + 14 * k, line, size=10.5, colour="#444c56"))
    if is_input:
        foot = fmt_shape(graph.input_shape) if graph.input_shape else "?"
    else:
        foot = "→ " + (facts.shape if facts else "?")
    parts.append(_text_el(x + 8, y + height - 9, _shorten(foot, 26), size=11, font=MONO))
    if facts and facts.count is not None:
        parts.append(
            _text_el(x + NODE_W - 8, y + height - 9, f"{facts.count:,} params", size=11,
                     anchor="end", colour=MUTED)  # fmt: skip
        )
    if is_output:
        parts.append(_text_el(x + NODE_W / 2, y + height + 14, "model output", size=10,
                              anchor="middle", colour=GOOD))  # fmt: skip
    parts.append("</g>")
    return "".join(parts)


def _thumb_box_svg(drawing: Drawing, box: Box, with_text: bool) -> str:
    x, y = drawing.place[box.id]
    rect = f'<rect x="{_num(x)}" y="{_num(y)}" width="{NODE_W}" height="{_num(drawing.height)}" rx="10" '
    parts = [
        rect + 'fill="#ffffff"/>',  # opaque, so lines behind it stay hidden
        rect + f'fill="{box.colour}" fill-opacity="0.16" stroke="{box.colour}" stroke-width="3"/>',
    ]
    if with_text:
        parts.append(
            _text_el(x + NODE_W / 2, y + drawing.height / 2 + 8, _shorten(box.type, 13),
                     size=22, anchor="middle", weight="bold")  # fmt: skip
        )
    return "".join(parts)


def _svg(view: tuple[float, float, float, float], attrs: str, body: Iterable[str]) -> Markup:
    box = " ".join(_num(v) for v in view)
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" {attrs}>'
    return Markup(head + "".join(body) + "</svg>")


def canvas_svg(data: Any, analysis: Analysis | None = None, title: str = "") -> Markup:
    """The read-only canvas of a model page, at its natural size (1 unit = 1 CSS pixel)."""
    try:
        graph = read_graph(data)
        facts = node_facts(analysis if analysis and analysis.spec is not None else None)
        two_lines = any(len(_param_lines(b, facts.get(b.id))) > 1 for b in graph.boxes)
        height = NODE_H + 14 if two_lines else NODE_H
        drawing = Drawing(graph, positions(graph, height), height)
        body = [f"<title>{_esc(title or 'Graph of the model')}</title>"]
        body += _edges_svg(drawing, arrows=True)
        body += [
            _box_svg(drawing, b, facts.get(b.id)) for b in graph.boxes if b.id in drawing.place
        ]
        view = drawing.view_box(below=16)
        size = f'width="{_num(view[2])}" height="{_num(view[3])}"'
        return _svg(view, f'class="graph graph-canvas" role="img" {size}', body)
    except Exception:  # a picture must never break the page
        log.exception("cannot draw the graph")
        return _fallback("graph-canvas")


THUMB_ASPECT = 1.7  # width / height of a gallery card's picture


def fold(place: dict[str, Point], height: float) -> dict[str, Point]:
    """A tall drawing cut into horizontal bands set side by side, to fill a wide card."""
    if not place:
        return place
    xs, ys = [x for x, _ in place.values()], [y for _, y in place.values()]
    width = max(xs) - min(xs) + NODE_W + 2 * GAP_X
    rows = round((max(ys) - min(ys)) / (height + GAP_Y)) + 1
    if rows < 4:
        return place

    def mismatch(columns: int) -> float:
        tall = math.ceil(rows / columns) * (height + GAP_Y)
        return abs(math.log(columns * width / tall / THUMB_ASPECT))

    columns = min(range(1, rows + 1), key=mismatch)
    per_column = math.ceil(rows / columns) * (height + GAP_Y)
    folded: dict[str, Point] = {}
    for node, (x, y) in place.items():
        column = min(int((y - min(ys)) // per_column), columns - 1)
        folded[node] = (x - min(xs) + column * width, y - min(ys) - column * per_column)
    return folded


def thumbnail_svg(data: Any) -> Markup:
    """A small decorative picture for a gallery card; its size is set by CSS."""
    try:
        graph = _keep_first(read_graph(data), THUMB_MAX_NODES)
        drawing = Drawing(graph, fold(positions(graph, NODE_H), NODE_H), NODE_H)
        with_text = len(graph.boxes) <= THUMB_TEXT_MAX_NODES
        body = list(_edges_svg(drawing, arrows=False))
        body += [
            _thumb_box_svg(drawing, b, with_text) for b in graph.boxes if b.id in drawing.place
        ]
        attrs = 'class="graph graph-thumb" aria-hidden="true" preserveAspectRatio="xMidYMid meet"'
        return _svg(drawing.view_box(below=0), attrs, body)
    except Exception:
        log.exception("cannot draw the thumbnail")
        return _fallback("graph-thumb")


def _fallback(kind: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 40" class="graph {kind}" '
        'aria-hidden="true"><text x="100" y="24" font-size="12" text-anchor="middle" '
        f'fill="{MUTED}" font-family="{FONT}">no picture</text></svg>'
    )
