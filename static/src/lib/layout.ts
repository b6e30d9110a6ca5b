/**
 * Auto-layout with elkjs: the layered (Sugiyama) algorithm on every block's measured size,
 * with orthogonal wires routed between the blocks, never under one.
 *
 * Each wire has its own port at both ends, so wires leaving one block start apart (each
 * can be clicked) and the wires into a merge block arrive left to right in argument order.
 * Blocks are given to ELK in a topological order whose ties are broken by position across
 * the flow (left to right in a top-down layout, top to bottom across the page), which ELK
 * keeps where it costs no crossings: moving a block beside its sibling swaps them.
 */
import type { ELK, ElkExtendedEdge, ElkNode, ElkPort } from "elkjs/lib/elk-api";
import { topologicalOrder, type Graph, type XY } from "./doc";
import type { Sizes } from "./geometry";
import { incomingWires, inputSlots, wireId } from "./slots";
import type { BlockDef } from "./types";

/** Down the page (rows of layers) or across it (columns). */
export type Direction = "DOWN" | "RIGHT";

/** A block's size before the canvas has measured it. */
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

/** The layout's result: each node's top-left corner and each wire's route (by wire id). */
export interface Arrangement {
  positions: Map<string, XY>;
  routes: Map<string, XY[]>;
}

/** Spacing in canvas pixels, chosen so wires have room and labels stay clear of blocks. */
export const LAYOUT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.spacing.nodeNodeBetweenLayers": "56",
  "elk.spacing.nodeNode": "40",
  "elk.spacing.edgeNode": "24",
  "elk.spacing.edgeEdge": "20",
  "elk.layered.spacing.edgeNodeBetweenLayers": "20",
  "elk.layered.spacing.edgeEdgeBetweenLayers": "18",
  "elk.spacing.portPort": "24",
  "elk.spacing.componentComponent": "64",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.nodePlacement.bk.fixedAlignment": "BALANCED",
  "elk.layered.mergeEdges": "false",
  "elk.padding": "[top=0,left=0,bottom=0,right=0]",
};

/** The order blocks are given to ELK in: siblings as they stand across the flow. */
export function modelOrder(doc: Graph, direction: Direction): string[] {
  return topologicalOrder(doc, direction === "DOWN" ? "x" : "y");
}

const inPort = (node: string, k: number) => `${node}/in/${k}`;
const outPort = (node: string, k: number) => `${node}/out/${k}`;

/**
 * The ELK graph of a document's graph: nodes with their sizes, a port per wire end on the
 * sides the direction asks for (labelled inputs at their handles), and the wires.
 */
export function elkGraph(
  doc: Graph,
  sizes: Sizes,
  direction: Direction,
  defs: Map<string, BlockDef>,
): ElkNode {
  const down = direction === "DOWN";
  const inlets = doc.inlets.map((i) => i.id);
  const ids = [...inlets, ...modelOrder(doc, direction)];
  const types = new Map(doc.blocks.map((b) => [b.id, b.type]));
  const into = incomingWires(doc);
  const outOf = new Map<string, number>();
  const edges: ElkExtendedEdge[] = [];
  const ins = new Map<string, number>();
  // Wires in the order of their targets (ELK reads the edges' order too); a target's own
  // inputs keep their argument order.
  const rank = new Map(ids.map((id, i) => [id, i]));
  const wires = [...doc.wires].sort((a, b) => (rank.get(a.target) ?? 0) - (rank.get(b.target) ?? 0));
  for (const wire of wires) {
    if (!types.has(wire.target) || (!inlets.includes(wire.source) && !types.has(wire.source))) continue;
    const out = outOf.get(wire.source) ?? 0;
    const k = ins.get(wire.target) ?? 0;
    outOf.set(wire.source, out + 1);
    ins.set(wire.target, k + 1);
    edges.push({
      id: wireId(wire),
      sources: [outPort(wire.source, out)],
      targets: [inPort(wire.target, k)],
    });
  }
  const children: ElkNode[] = ids.map((id) => {
    const size = sizes.get(id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    const slots = inputSlots(defs.get(types.get(id) ?? ""), into.get(id)?.length ?? 0);
    const outs = outOf.get(id) ?? 0;
    // Labelled inputs end at their handles; other ports are numbered clockwise from the
    // top-left corner (ELK's port.index).
    const fixed = slots.some((s) => s.at !== undefined);
    const at = (k: number) => {
      const along = slots[k].at;
      if (along === undefined) return undefined;
      return down ? { x: along * size.width, y: 0 } : { x: 0, y: along * size.height };
    };
    const ports: ElkPort[] = [
      ...slots.map((_, k) => port(inPort(id, k), down ? "NORTH" : "WEST", down ? k : outs + slots.length - 1 - k, at(k))),
      ...Array.from({ length: outs }, (_, k) =>
        port(outPort(id, k), down ? "SOUTH" : "EAST", down ? slots.length + outs - 1 - k : k),
      ),
    ];
    return {
      id,
      width: size.width,
      height: size.height,
      ports,
      layoutOptions: {
        "elk.portConstraints": fixed ? "FIXED_POS" : slots.length > 1 ? "FIXED_ORDER" : "FIXED_SIDE",
        "elk.portAlignment.default": "CENTER",
      },
    };
  });
  return {
    id: "root",
    layoutOptions: { ...LAYOUT_OPTIONS, "elk.direction": direction },
    children,
    edges,
  };
}

function port(id: string, side: string, index: number, at?: XY): ElkPort {
  return {
    id,
    width: 0,
    height: 0,
    ...at,
    layoutOptions: { "elk.port.side": side, "elk.port.index": String(index) },
  };
}

/** Positions and routes from ELK's answer. */
export function arrangementOf(laidOut: ElkNode): Arrangement {
  const positions = new Map<string, XY>();
  for (const child of laidOut.children ?? []) {
    positions.set(child.id, { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) });
  }
  const routes = new Map<string, XY[]>();
  for (const edge of (laidOut.edges ?? []) as ElkExtendedEdge[]) {
    const section = edge.sections?.[0];
    if (!section) continue;
    routes.set(
      edge.id,
      [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({
        x: Math.round(p.x),
        y: Math.round(p.y),
      })),
    );
  }
  return { positions, routes };
}

/** Lay the document out; the answer comes from ELK (a web worker in the browser). */
export async function arrange(
  elk: Pick<ELK, "layout">,
  doc: Graph,
  sizes: Sizes,
  direction: Direction,
  defs: Map<string, BlockDef>,
): Promise<Arrangement> {
  return arrangementOf(await elk.layout(elkGraph(doc, sizes, direction, defs)));
}

/** The graph with the arrangement's positions (blocks it does not place stay put). */
export function placeBlocks<G extends Graph>(doc: G, positions: Map<string, XY>): G {
  const same = (a: XY, b: XY | undefined) => b === undefined || (a.x === b.x && a.y === b.y);
  const moves = <T extends { id: string; position: XY }>(items: T[]) =>
    items.map((item) => {
      const p = positions.get(item.id);
      return p && !same(item.position, p) ? { ...item, position: p } : item;
    });
  const moved = [...doc.inlets, ...doc.blocks].some((b) => !same(b.position, positions.get(b.id)));
  if (!moved) return doc;
  return { ...doc, inlets: moves(doc.inlets), blocks: moves(doc.blocks) };
}

/**
 * What the layout depends on, as text: the blocks in model order, the wires, the sizes and
 * the direction. The same key gives the same arrangement.
 */
export function layoutKey(doc: Graph, sizes: Sizes, direction: Direction): string {
  const size = (id: string) => {
    const s = sizes.get(id);
    return s ? `${Math.round(s.width)}x${Math.round(s.height)}` : "?";
  };
  const order = modelOrder(doc, direction);
  return JSON.stringify([
    direction,
    [...doc.inlets.map((i) => i.id), ...order].map((id) => `${id}:${size(id)}`),
    doc.wires.map(wireId),
  ]);
}
