import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type Edge, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import type { XY } from "../lib/doc";

export interface WireData extends Record<string, unknown> {
  /** The layout's route (start, bends, end), when both blocks are where the layout put them. */
  route?: XY[];
  /** The argument's number (or name) at a block that takes several inputs. */
  label?: string;
  problem: boolean;
  onDelete: (id: string) => void;
}

export type WireEdge = Edge<WireData, "wire">;

/** How wide the invisible stroke that catches clicks on a wire is, in screen pixels. */
export const WIRE_HIT_WIDTH = 18;
const CORNER = 6;

/** An orthogonal polyline with rounded corners. */
export function roundedPath(points: XY[]): string {
  if (points.length < 2) return "";
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(CORNER, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const before = towards(b, a, r);
    const after = towards(b, c, r);
    d += ` L${before.x},${before.y} Q${b.x},${b.y} ${after.x},${after.y}`;
  }
  const last = points[points.length - 1];
  return `${d} L${last.x},${last.y}`;
}

function towards(from: XY, to: XY, distance: number): XY {
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  return { x: from.x + ((to.x - from.x) * distance) / length, y: from.y + ((to.y - from.y) * distance) / length };
}

/** The point halfway along a polyline. */
function midpoint(points: XY[]): XY {
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i].x, p.y - points[i].y));
  let rest = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (rest <= lengths[i]) return towards(points[i], points[i + 1], rest);
    rest -= lengths[i];
  }
  return points[points.length - 1];
}

/**
 * A wire: the route the layout found, or a smooth step while blocks are being moved.
 * A selected wire is drawn thicker, with a button to delete it.
 */
export const RoutedEdge = memo(function RoutedEdge(props: EdgeProps<WireEdge>) {
  const { id, data, selected, markerEnd } = props;
  let path: string;
  let points: XY[];
  if (data?.route && data.route.length >= 2) {
    points = data.route;
    path = roundedPath(points);
  } else {
    const [smooth, labelX, labelY] = getSmoothStepPath(props);
    path = smooth;
    points = [
      { x: props.sourceX, y: props.sourceY },
      { x: labelX, y: labelY },
      { x: props.targetX, y: props.targetY },
    ];
  }
  const end = points[points.length - 1];
  const beforeEnd = towards(end, points[points.length - 2], 16);
  const middle = midpoint(points);
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        interactionWidth={WIRE_HIT_WIDTH}
        className={data?.problem ? "wire-problem" : undefined}
      />
      <EdgeLabelRenderer>
        {data?.label && (
          <div
            className="wire-label"
            style={{ transform: `translate(-50%, -50%) translate(${beforeEnd.x + 10}px, ${beforeEnd.y}px)` }}
          >
            {data.label}
          </div>
        )}
        {selected && data && (
          <button
            type="button"
            className="wire-delete nodrag nopan"
            aria-label={`Delete the wire ${id}`}
            title="Delete this wire (Delete)"
            style={{ transform: `translate(-50%, -50%) translate(${middle.x}px, ${middle.y}px)` }}
            onClick={(event) => {
              event.stopPropagation();
              data.onDelete(id);
            }}
          >
            ×
          </button>
        )}
      </EdgeLabelRenderer>
    </>
  );
});
