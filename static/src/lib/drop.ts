/** Where a block dropped at a canvas point goes: after a block, onto a wire, or free. */
import { positionIn, type Graph, type XY } from "./doc";
import { distanceToPolyline, type Sizes } from "./geometry";
import { NODE_HEIGHT, NODE_WIDTH, type Direction } from "./layout";
import { wireId } from "./slots";

export type DropTarget =
  | { kind: "append"; after: string }
  | { kind: "wire"; index: number }
  | { kind: "free" };

/** How far past a block's outgoing side a drop still stacks onto it, in canvas pixels. */
export const STACK_REACH = 70;
/** How close to a wire a drop must be to insert into it. */
export const WIRE_REACH = 16;

function box(doc: Graph, id: string, sizes: Sizes) {
  const position = positionIn(doc, id);
  const size = sizes.get(id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
  return position ? { ...position, ...size } : null;
}

/**
 * `point` is where the dragged block lands, in canvas coordinates. `routes` are the wires
 * as drawn (by wire id); a wire without one counts as a straight line between its blocks.
 */
export function dropTarget(
  doc: Graph,
  point: XY,
  sizes: Sizes = new Map(),
  routes: Map<string, XY[]> = new Map(),
  direction: Direction = "DOWN",
): DropTarget {
  const down = direction === "DOWN";
  for (const id of [...doc.inlets, ...doc.blocks].map((b) => b.id)) {
    const b = box(doc, id, sizes);
    if (!b) continue;
    const across = down ? point.x >= b.x && point.x <= b.x + b.width : point.y >= b.y && point.y <= b.y + b.height;
    const past = down ? point.y - (b.y + b.height) : point.x - (b.x + b.width);
    const depth = down ? b.height : b.width;
    if (across && past >= -depth / 2 && past <= STACK_REACH) return { kind: "append", after: id };
  }
  let best: { index: number; distance: number } | null = null;
  doc.wires.forEach((wire, index) => {
    const s = box(doc, wire.source, sizes);
    const t = box(doc, wire.target, sizes);
    if (!s || !t) return;
    const line = routes.get(wireId(wire)) ?? [
      down ? { x: s.x + s.width / 2, y: s.y + s.height } : { x: s.x + s.width, y: s.y + s.height / 2 },
      down ? { x: t.x + t.width / 2, y: t.y } : { x: t.x, y: t.y + t.height / 2 },
    ];
    const distance = distanceToPolyline(point, line);
    if (distance <= WIRE_REACH && (!best || distance < best.distance)) best = { index, distance };
  });
  if (best) return { kind: "wire", index: (best as { index: number }).index };
  return { kind: "free" };
}
