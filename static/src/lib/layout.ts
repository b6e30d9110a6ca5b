/** Auto-layout: a layered top-to-bottom drawing of the graph with dagre. */
import dagre from "@dagrejs/dagre";
import { INPUT, docFromSpec, type Doc, type XY } from "./doc";
import type { Spec } from "./types";

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

export function autoLayout(
  doc: Doc,
  sizes: Map<string, { width: number; height: number }> = new Map(),
): Doc {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 36, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const size = (id: string) => sizes.get(id) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
  for (const id of [INPUT, ...doc.blocks.map((b) => b.id)]) graph.setNode(id, size(id));
  for (const wire of doc.wires) graph.setEdge(wire.source, wire.target);
  dagre.layout(graph);
  const topLeft = (id: string): XY => {
    const { x, y } = graph.node(id);
    const { width, height } = size(id);
    return { x: Math.round(x - width / 2), y: Math.round(y - height / 2) };
  };
  return {
    ...doc,
    inputPosition: topLeft(INPUT),
    blocks: doc.blocks.map((b) => ({ ...b, position: topLeft(b.id) })),
  };
}

/** The document of a spec, laid out when the spec has no layout; `source` is its stored id. */
export function openDoc(spec: Spec, source?: string): Doc {
  const { doc, positioned } = docFromSpec(spec);
  const opened = positioned ? doc : autoLayout(doc);
  return source ? { ...opened, source } : opened;
}
