/** Plane geometry of the canvas: boxes, wires as polylines, and the checks between them. */
import type { XY } from "./doc";

export interface Size {
  width: number;
  height: number;
}

export interface Rect extends XY, Size {}

/** Measured sizes of the blocks on the canvas, by node id. */
export type Sizes = Map<string, Size>;

/** Do two boxes share more than their border (`margin` shrinks both first)? */
export function overlaps(a: Rect, b: Rect, margin = 0): boolean {
  return (
    a.x + margin < b.x + b.width - margin &&
    b.x + margin < a.x + a.width - margin &&
    a.y + margin < b.y + b.height - margin &&
    b.y + margin < a.y + a.height - margin
  );
}

/** Does the segment a-b pass through the inside of `box` (shrunk by `margin`)? */
export function segmentCrosses(a: XY, b: XY, box: Rect, margin = 0): boolean {
  const left = box.x + margin;
  const right = box.x + box.width - margin;
  const top = box.y + margin;
  const bottom = box.y + box.height - margin;
  if (left >= right || top >= bottom) return false;
  // Liang-Barsky clipping of the segment against the box.
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const edges: [number, number][] = [
    [-dx, a.x - left],
    [dx, right - a.x],
    [-dy, a.y - top],
    [dy, bottom - a.y],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 >= t1) return false;
  }
  return true;
}

export function polylineCrosses(points: XY[], box: Rect, margin = 0): boolean {
  return points.slice(1).some((p, i) => segmentCrosses(points[i], p, box, margin));
}

export function distanceToSegment(p: XY, a: XY, b: XY): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = dx * dx + dy * dy;
  const t = length ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

export function distanceToPolyline(p: XY, points: XY[]): number {
  let best = Infinity;
  for (let i = 1; i < points.length; i++) best = Math.min(best, distanceToSegment(p, points[i - 1], points[i]));
  return best;
}

/** Pairs of boxes (by id) that overlap. */
export function overlappingPairs(boxes: Map<string, Rect>, margin = 0): [string, string][] {
  const entries = [...boxes.entries()].sort((a, b) => a[1].x - b[1].x);
  const pairs: [string, string][] = [];
  for (let i = 0; i < entries.length; i++) {
    const [idA, a] = entries[i];
    for (let j = i + 1; j < entries.length && entries[j][1].x < a.x + a.width; j++) {
      const [idB, b] = entries[j];
      if (overlaps(a, b, margin)) pairs.push([idA, idB]);
    }
  }
  return pairs;
}
