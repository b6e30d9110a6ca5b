"""Where the boxes of a model's picture go, and how its wires run between them.

Pure geometry on node ids, torch-free. The boxes go where the spec's `layout` puts them
(the editor writes the positions of its ELK layout there) when it places every node and
no two boxes overlap at the picture's sizes; otherwise a layered layout puts each node one
row below its deepest input (longest path from `input`), branches side by side.

Wires are orthogonal: from the source's outgoing side (the bottom, or the right side of a
left-to-right layout) to the target's incoming side, bending in the gaps between boxes and
going down a free corridor beside the boxes a long wire skips. No wire passes under a box.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Point = tuple[float, float]
Size = tuple[float, float]
Direction = Literal["DOWN", "RIGHT"]

INPUT = "input"
GAP_X, GAP_Y = 40, 56  # between boxes in a row, between rows (the editor's spacing)
BEND = 14  # how far from a box a wire turns
CLEAR = 3  # how close a wire may pass a box
LANE = 10  # between wires that share a corridor


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Rect, margin: float = 0) -> bool:
        return (
            self.x - margin < other.right
            and other.x - margin < self.right
            and self.y - margin < other.bottom
            and other.y - margin < self.bottom
        )

    def transposed(self) -> Rect:
        return Rect(self.y, self.x, self.h, self.w)


def rects(place: dict[str, Point], sizes: dict[str, Size]) -> dict[str, Rect]:
    return {node: Rect(x, y, *sizes[node]) for node, (x, y) in place.items()}


def overlapping(boxes: dict[str, Rect], margin: float = 0) -> bool:
    """Do any two boxes overlap (or come closer than `margin`)?"""
    ordered = sorted(boxes.values(), key=lambda r: r.x)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.x >= a.right + margin:
                break
            if a.overlaps(b, margin):
                return True
    return False


# positions


def topological_order(
    ids: Sequence[str], inputs: dict[str, list[str]], outputs: dict[str, list[str]]
) -> list[str]:
    """Stable in `ids` order; nodes on or after a cycle come last."""
    index = {node: k for k, node in enumerate(ids)}
    pending = {node: len(inputs[node]) for node in ids}
    ready = [index[node] for node in ids if pending[node] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = ids[heapq.heappop(ready)]
        order.append(node)
        for target in outputs[node]:
            pending[target] -= 1
            if pending[target] == 0:
                heapq.heappush(ready, index[target])
    placed = set(order)
    return order + [node for node in ids if node not in placed]


def neighbours(
    ids: Iterable[str], edges: Iterable[tuple[str, str]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    inputs: dict[str, list[str]] = {node: [] for node in ids}
    outputs: dict[str, list[str]] = {node: [] for node in inputs}
    for source, target in edges:
        inputs[target].append(source)
        outputs[source].append(target)
    return inputs, outputs


def _rows(order: list[str], inputs: dict[str, list[str]]) -> list[list[str]]:
    """Nodes by longest-path depth, each row sorted by the mean slot of its inputs."""
    depth: dict[str, int] = {}
    for node in order:  # inputs not placed yet (loops) are ignored
        depth[node] = 1 + max((depth[s] for s in inputs[node] if s in depth), default=-1)
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


def layered_positions(
    ids: Sequence[str], edges: Sequence[tuple[str, str]], sizes: dict[str, Size]
) -> dict[str, Point]:
    """Top-left corners: one row per depth, each row centred on x = 0."""
    inputs, outputs = neighbours(ids, edges)
    place: dict[str, Point] = {}
    y = 0.0
    for row in _rows(topological_order(ids, inputs, outputs), inputs):
        width = sum(sizes[node][0] for node in row) + GAP_X * (len(row) - 1)
        x = -width / 2
        for node in row:
            place[node] = (x, y)
            x += sizes[node][0] + GAP_X
        y += max(sizes[node][1] for node in row) + GAP_Y
    return place


def positions(
    ids: Sequence[str],
    edges: Sequence[tuple[str, str]],
    sizes: dict[str, Size],
    layout: dict[str, Point],
) -> dict[str, Point]:
    """The spec's layout if it places every node (the input may be left out) without
    overlaps at these sizes, else a layered layout. `ids` start with the input."""
    nodes = ids[1:]
    if not nodes or not all(node in layout for node in nodes):
        return layered_positions(ids, edges, sizes)
    place = {node: layout[node] for node in nodes}
    if INPUT in layout:
        place[INPUT] = layout[INPUT]
    else:  # above the first layer it feeds (or above everything)
        fed = [place[t] for s, t in edges if s == INPUT] or list(place.values())
        place[INPUT] = (min(x for x, _ in fed), min(y for _, y in fed) - sizes[INPUT][1] - GAP_Y)
    if overlapping(rects(place, sizes), margin=2):
        return layered_positions(ids, edges, sizes)
    return place


def direction(edges: Iterable[tuple[str, str]], boxes: dict[str, Rect]) -> Direction:
    """Left to right when most wires go more across than down (as a layout the editor made
    across the page), else top to bottom."""
    across = down = 0
    for source, target in edges:
        s, t = boxes[source], boxes[target]
        dx, dy = t.x - s.right, t.y - s.bottom
        if dx > dy:
            across += 1
        else:
            down += 1
    return "RIGHT" if across > down else "DOWN"


# wires


def _simplify(points: list[Point]) -> list[Point]:
    """Without repeated points and the middle points of straight runs."""
    out: list[Point] = []
    for p in points:
        if out and abs(p[0] - out[-1][0]) < 0.01 and abs(p[1] - out[-1][1]) < 0.01:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (abs(ax - bx) < 0.01 and abs(bx - p[0]) < 0.01) or (
                abs(ay - by) < 0.01 and abs(by - p[1]) < 0.01
            ):
                out[-1] = p
                continue
        out.append(p)
    return out


class Router:
    """Orthogonal wires between boxes, laid out top to bottom (a left-to-right layout is
    routed transposed)."""

    def __init__(self, boxes: dict[str, Rect], flow: Direction = "DOWN") -> None:
        self.across = flow == "RIGHT"
        self.boxes = {n: r.transposed() for n, r in boxes.items()} if self.across else boxes
        self.by_top = sorted(self.boxes.items(), key=lambda item: item[1].y)
        self.tops = [r.y for _, r in self.by_top]
        self.tallest = max((r.h for r in self.boxes.values()), default=0.0)
        self.left = min((r.x for r in self.boxes.values()), default=0.0)
        self.right = max((r.right for r in self.boxes.values()), default=0.0)
        self.used: dict[int, int] = {}  # corridor (rounded x) -> wires in it
        self.outside = 0

    def _near(self, low: float, high: float) -> Iterable[tuple[str, Rect]]:
        """Boxes that reach into the band low < y < high."""
        start = bisect.bisect_left(self.tops, low - self.tallest)
        stop = bisect.bisect_right(self.tops, high)
        for node, r in self.by_top[start:stop]:
            if r.y < high and r.bottom > low:
                yield node, r

    def _blocked(self, a: Point, b: Point, ends: tuple[str, str]) -> bool:
        (ax, ay), (bx, by) = a, b
        low, high = min(ay, by), max(ay, by)
        left, right = min(ax, bx), max(ax, bx)
        for node, r in self._near(low - CLEAR, high + CLEAR):
            if node in ends:
                continue
            if r.x - CLEAR < right and left < r.right + CLEAR:
                return True
        return False

    def _clear(self, path: list[Point], ends: tuple[str, str]) -> bool:
        return not any(self._blocked(a, b, ends) for a, b in zip(path, path[1:], strict=False))

    def _corridors(
        self, low: float, high: float, want: float, ends: tuple[str, str]
    ) -> list[float]:
        """x positions of free vertical corridors through the band, nearest `want` first."""
        spans = sorted(
            (r.x - BEND, r.right + BEND) for node, r in self._near(low, high) if node not in ends
        )
        gaps: list[float] = [self.left - BEND - LANE, self.right + BEND + LANE]
        reach = -float("inf")
        for start, end in spans:
            if start > reach and reach > -float("inf"):
                gaps.append((reach + start) / 2)
            reach = max(reach, end)
        return sorted(gaps, key=lambda x: abs(x - want))

    def _lane(self, x: float) -> float:
        """Wires sharing a corridor run side by side."""
        key = round(x / LANE)
        count = self.used.get(key, 0)
        self.used[key] = count + 1
        return x + LANE * ((count + 1) // 2) * (1 if count % 2 else -1) / 2

    def route(self, start: Point, end: Point, ends: tuple[str, str]) -> list[Point]:
        """The wire from `start` (on the source's outgoing side) to `end` (on the target's
        incoming side), as points in the picture's coordinates."""
        if self.across:
            start, end = (start[1], start[0]), (end[1], end[0])
        path = self._route(start, end, ends)
        return [(y, x) for x, y in path] if self.across else path

    def _route(self, start: Point, end: Point, ends: tuple[str, str]) -> list[Point]:
        (sx, sy), (tx, ty) = start, end
        if ty - sy >= 2 * BEND:
            for bend in (ty - BEND, sy + BEND):  # turn just above the target or below the source
                path = [start, (sx, bend), (tx, bend), end]
                if self._clear(path, ends):
                    return _simplify(path)
            down, up = sy + BEND, ty - BEND
            for x in self._corridors(down, up, (sx + tx) / 2, ends):
                lane = self._lane(x)
                path = [start, (sx, down), (lane, down), (lane, up), (tx, up), end]
                if self._clear(path, ends):
                    return _simplify(path)
        # back up the page (a loop), or no free corridor: around everything on the right
        self.outside += 1
        side = self.right + BEND + LANE * (1 + min(self.outside, 40))
        down, up = sy + BEND, ty - BEND
        return _simplify([start, (sx, down), (side, down), (side, up), (tx, up), end])
