/** Where a block dropped at a canvas point goes: under a block, onto a wire, or free. */
import { INPUT, type Doc, type XY } from "./doc";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";

export type DropTarget =
  | { kind: "append"; after: string }
  | { kind: "wire"; index: number }
  | { kind: "free" };

export type Sizes = Map<string, { width: number; height: number }>;

/** How far below a block's bottom edge a drop still stacks onto it, in canvas pixels. */
export const STACK_REACH = 70;
/** How close to a wire a drop must be to insert into it. */
export const WIRE_REACH = 16;

function box(doc: Doc, id: string, sizes: Sizes) {
  const position =
    id === INPUT ? doc.inputPosition : doc.blocks.find((b) => b.id === id)?.position;
  const size = sizes.get(id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
  return position ? { ...position, ...size } : null;
}

function distanceToSegment(p: XY, a: XY, b: XY): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = dx * dx + dy * dy;
  const t = length ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** `point` is where the dragged block's top-centre lands, in canvas coordinates. */
export function dropTarget(doc: Doc, point: XY, sizes: Sizes = new Map()): DropTarget {
  for (const id of [INPUT, ...doc.blocks.map((b) => b.id)]) {
    const b = box(doc, id, sizes);
    if (!b) continue;
    const below = point.y - (b.y + b.height);
    if (point.x >= b.x && point.x <= b.x + b.width && below >= -b.height / 2 && below <= STACK_REACH) {
      return { kind: "append", after: id };
    }
  }
  let best: { index: number; distance: number } | null = null;
  doc.wires.forEach((wire, index) => {
    const s = box(doc, wire.source, sizes);
    const t = box(doc, wire.target, sizes);
    if (!s || !t) return;
    const distance = distanceToSegment(
      point,
      { x: s.x + s.width / 2, y: s.y + s.height },
      { x: t.x + t.width / 2, y: t.y },
    );
    if (distance <= WIRE_REACH && (!best || distance < best.distance)) best = { index, distance };
  });
  if (best) return { kind: "wire", index: (best as { index: number }).index };
  return { kind: "free" };
}
