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

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from codegen.analysis import Analysis
from codegen.registry import BLOCKS
from codegen.registry.base import fmt_shape

from .graph_layout import (
    GAP_X,
    GAP_Y,
    Direction,
    Router,
    Size,
    direction,
    neighbours,
    positions,
    rects,
)
from .graph_reading import INPUT, Box, Graph, ids_of, keep_first, read_graph

log = logging.getLogger(__name__)

NODE_W, NODE_H = 200, 64  # a block's width on the editor's canvas; a thumbnail box's height
BOX_H, LINE_H = 46, 14  # a block with no parameter line, and each line more
PAD = 16
THUMB_MAX_NODES = 150
THUMB_TEXT_MAX_NODES = 16
LINE, TEXT, MUTED, GOOD, EDGE = "#d9dde3", "#1f2328", "#636c76", "#1a7f37", "#8c959f"
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
MONO = "ui-monospace, SFMono-Regular, Menlo, monospace"
# characters XML 1.0 does not allow (and that browsers show as boxes anyway)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    """A graph with a position (top-left corner) and a size for each box."""

    graph: Graph
    place: dict[str, Point]
    sizes: dict[str, Size]

    def __post_init__(self) -> None:
        self.boxes = rects(self.place, self.sizes)
        self.flow: Direction = direction(self._edges(), self.boxes)

    def _edges(self) -> list[tuple[str, str]]:
        return [(s, t) for s, t in self.graph.edges if s in self.place and t in self.place]

    def port(self, node: str, k: int, n: int, outgoing: bool) -> Point:
        """The k-th of n wire ends on the node's outgoing or incoming side."""
        r = self.boxes[node]
        share = (k + 1) / (n + 1)
        if self.flow == "RIGHT":
            return (r.right if outgoing else r.x), r.y + r.h * share
        return r.x + r.w * share, (r.bottom if outgoing else r.y)

    def routes(self) -> list[tuple[str, str, list[Point]]]:
        """Each wire as points, from its source to its target."""
        inputs, outputs = neighbours(self.place, self._edges())
        router = Router(self.boxes, self.flow)
        wires = []
        for source, target in self._edges():
            out, into = outputs[source], inputs[target]
            start = self.port(source, out.index(target), len(out), outgoing=True)
            end = self.port(target, into.index(source), len(into), outgoing=False)
            wires.append((source, target, router.route(start, end, (source, target))))
        return wires

    def view_box(self, extra: Iterable[Point] = ()) -> tuple[float, float, float, float]:
        xs = [r.x for r in self.boxes.values()] + [r.right for r in self.boxes.values()]
        ys = [r.y for r in self.boxes.values()] + [r.bottom for r in self.boxes.values()]
        for x, y in extra:
            xs.append(x)
            ys.append(y)
        xs, ys = xs or [0.0], ys or [0.0]
        left, top = min(xs) - PAD, min(ys) - PAD
        return left, top, max(xs) + PAD - left, max(ys) + PAD - top


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


CORNER, ARROW = 6.0, 7.0


def _towards(a: Point, b: Point, distance: float) -> Point:
    length = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    return a[0] + (b[0] - a[0]) * distance / length, a[1] + (b[1] - a[1]) * distance / length


def _rounded(points: list[Point]) -> str:
    """An orthogonal polyline with rounded corners, as the editor draws wires."""
    d = f"M{_num(points[0][0])} {_num(points[0][1])}"
    for a, b, c in zip(points, points[1:], points[2:], strict=False):
        r = min(CORNER, math.dist(a, b) / 2, math.dist(b, c) / 2)
        (px, py), (qx, qy) = _towards(b, a, r), _towards(b, c, r)
        d += f" L{_num(px)} {_num(py)} Q{_num(b[0])} {_num(b[1])} {_num(qx)} {_num(qy)}"
    return d + f" L{_num(points[-1][0])} {_num(points[-1][1])}"


def _wire_svg(points: list[Point]) -> str:
    """A wire and its arrowhead, which ends on the target's border."""
    end, before = points[-1], points[-2]
    tip_base = _towards(end, before, ARROW)
    line = [*points[:-1], tip_base]
    dx, dy = (end[0] - tip_base[0]) / ARROW, (end[1] - tip_base[1]) / ARROW
    left = (tip_base[0] - dy * 5, tip_base[1] + dx * 5)
    right = (tip_base[0] + dy * 5, tip_base[1] - dx * 5)
    corners = " ".join(f"{_num(x)},{_num(y)}" for x, y in (left, right, end))
    return (
        f'<path d="{_rounded(line)}" fill="none" stroke="{EDGE}" stroke-width="1.5"/>'
        f'<polygon points="{corners}" fill="{EDGE}"/>'
    )


def _lines_svg(drawing: Drawing) -> Iterable[str]:
    """Straight lines between the boxes, which stay readable when a thumbnail is folded."""
    inputs, outputs = neighbours(drawing.place, drawing._edges())
    for source, target in drawing._edges():
        out, into = outputs[source], inputs[target]
        (sx, sy), (tx, ty) = (
            drawing.port(source, out.index(target), len(out), outgoing=True),
            drawing.port(target, into.index(source), len(into), outgoing=False),
        )
        yield (
            f'<path d="M{_num(sx)} {_num(sy)} L{_num(tx)} {_num(ty)}" fill="none" '
            f'stroke="{EDGE}" stroke-width="1.5"/>'
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
        return []
    return _wrap(key_params(box, facts.params if facts else None), PARAM_CHARS, 2)


def _lines(graph: Graph, box: Box, facts: Facts | None) -> list[tuple[str, str]]:
    """The lines between a block's title and its foot: key parameters, "model output"."""
    lines = [("param", line) for line in _param_lines(box, facts)]
    return lines + ([("output", "model output")] if box.id == graph.output else [])


def box_size(graph: Graph, box: Box, facts: Facts | None) -> Size:
    """As tall as the block on the editor's canvas: a line more for each line of text."""
    return NODE_W, BOX_H + LINE_H * len(_lines(graph, box, facts))


def _box_svg(drawing: Drawing, box: Box, facts: Facts | None) -> str:
    graph = drawing.graph
    x, y = drawing.place[box.id]
    height = drawing.sizes[box.id][1]
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
    for k, (kind, line) in enumerate(_lines(graph, box, facts)):
        if kind == "output":
            parts.append(_text_el(x + 8, y + 35 + LINE_H * k, line.upper(), size=9.5, colour=GOOD))
        else:
            parts.append(_text_el(x + 8, y + 35 + LINE_H * k, line, size=10.5, colour="#444c56"))
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
    parts.append("</g>")
    return "".join(parts)


def _thumb_box_svg(drawing: Drawing, box: Box, with_text: bool) -> str:
    x, y = drawing.place[box.id]
    rect = f'<rect x="{_num(x)}" y="{_num(y)}" width="{NODE_W}" height="{NODE_H}" rx="10" '
    parts = [
        rect + 'fill="#ffffff"/>',  # opaque, so lines behind it stay hidden
        rect + f'fill="{box.colour}" fill-opacity="0.16" stroke="{box.colour}" stroke-width="3"/>',
    ]
    if with_text:
        parts.append(
            _text_el(x + NODE_W / 2, y + NODE_H / 2 + 8, _shorten(box.type, 13),
                     size=22, anchor="middle", weight="bold")  # fmt: skip
        )
    return "".join(parts)


def _svg(view: tuple[float, float, float, float], attrs: str, body: Iterable[str]) -> Markup:
    box = " ".join(_num(v) for v in view)
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" {attrs}>'
    return Markup(head + "".join(body) + "</svg>")


def canvas_drawing(data: Any, analysis: Analysis | None = None) -> Drawing:
    """The model page's drawing: boxes sized as in the editor, at the editor's positions."""
    graph = read_graph(data)
    facts = node_facts(analysis if analysis and analysis.spec is not None else None)
    sizes = {b.id: box_size(graph, b, facts.get(b.id)) for b in graph.boxes}
    place = positions(ids_of(graph), graph.edges, sizes, graph.layout)
    return Drawing(graph, place, sizes)


def canvas_svg(data: Any, analysis: Analysis | None = None, title: str = "") -> Markup:
    """The read-only canvas of a model page, at its natural size (1 unit = 1 CSS pixel)."""
    try:
        drawing = canvas_drawing(data, analysis)
        facts = node_facts(analysis if analysis and analysis.spec is not None else None)
        routes = drawing.routes()
        body = [f"<title>{_esc(title or 'Graph of the model')}</title>"]
        body += [_wire_svg(points) for _, _, points in routes]
        body += [
            _box_svg(drawing, b, facts.get(b.id))
            for b in drawing.graph.boxes
            if b.id in drawing.place
        ]
        view = drawing.view_box(p for _, _, points in routes for p in points)
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
        graph = keep_first(read_graph(data), THUMB_MAX_NODES)
        sizes = {b.id: (float(NODE_W), float(NODE_H)) for b in graph.boxes}
        place = fold(positions(ids_of(graph), graph.edges, sizes, graph.layout), NODE_H)
        drawing = Drawing(graph, place, sizes)
        with_text = len(graph.boxes) <= THUMB_TEXT_MAX_NODES
        body = list(_lines_svg(drawing))
        body += [
            _thumb_box_svg(drawing, b, with_text) for b in graph.boxes if b.id in drawing.place
        ]
        attrs = 'class="graph graph-thumb" aria-hidden="true" preserveAspectRatio="xMidYMid meet"'
        return _svg(drawing.view_box(), attrs, body)
    except Exception:
        log.exception("cannot draw the thumbnail")
        return _fallback("graph-thumb")


def _fallback(kind: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 40" class="graph {kind}" '
        'aria-hidden="true"><text x="100" y="24" font-size="12" text-anchor="middle" '
        f'fill="{MUTED}" font-family="{FONT}">no picture</text></svg>'
    )
