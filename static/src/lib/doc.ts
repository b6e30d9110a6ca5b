/**
 * The editor's document and its conversion to and from the model spec.
 *
 * A `Doc` is the graph the user sees: blocks with positions, and wires between them.
 * The pseudo-node `input` (the model's input) is the source of the first wire. Wires keep
 * their order, because a merge block (Add, Concat) takes its inputs in the order of its
 * incoming edges.
 */
import type { Params, Spec, SpecEdge, SpecNode, Training } from "./types";

export const INPUT = "input";

export interface XY {
  x: number;
  y: number;
}

export interface Block {
  id: string;
  type: string;
  params: Params;
  label?: string;
  position: XY;
}

export interface Wire {
  source: string;
  target: string;
}

export interface Doc {
  name: string;
  description: string;
  tags: string[];
  inputShape: number[];
  /** The rest of the spec's `input` (dtype and vocabulary of token ids), kept as loaded. */
  inputType?: Omit<Spec["input"], "shape">;
  inputPosition: XY;
  blocks: Block[];
  wires: Wire[];
  output: string | null;
  training: Training | null;
  /** The id of the stored model (/api/models) this document was opened from or shared as. */
  source?: string;
}

/** Vertical distance between stacked blocks, in canvas pixels. */
export const STEP = 90;

export function emptyDoc(): Doc {
  return {
    name: "Untitled model",
    description: "",
    tags: [],
    inputShape: [1, 28, 28],
    inputPosition: { x: 0, y: 0 },
    blocks: [],
    wires: [],
    output: null,
    training: {},
  };
}

/** The wires a spec implies: its edges, or a chain through its nodes in list order. */
export function specWires(spec: Spec): Wire[] {
  if (spec.edges) return spec.edges.map((e) => ({ source: e.source, target: e.target }));
  const ids = [INPUT, ...spec.nodes.map((n) => n.id)];
  return ids.slice(1).map((id, i) => ({ source: ids[i], target: id }));
}

/** A stored canvas position, its missing coordinates 0. */
function point(position: { x?: number; y?: number } | undefined): XY | undefined {
  return position && { x: position.x ?? 0, y: position.y ?? 0 };
}

/** Build a document from a spec. `positioned` is false when the spec had no layout. */
export function docFromSpec(spec: Spec): { doc: Doc; positioned: boolean } {
  const layout = spec.layout ?? {};
  const { shape, ...inputType } = spec.input;
  const positioned = spec.nodes.every((n) => layout[n.id] !== undefined);
  const blocks = spec.nodes.map((node, index) => ({
    id: node.id,
    type: node.type,
    params: { ...(node.params ?? {}) },
    ...(node.label != null ? { label: node.label } : {}),
    position: point(layout[node.id]) ?? { x: 0, y: STEP * (index + 1) },
  }));
  return {
    doc: {
      name: spec.name ?? "Untitled model",
      description: spec.description ?? "",
      tags: [...(spec.tags ?? [])],
      inputShape: [...shape],
      inputType,
      inputPosition: point(layout[INPUT]) ?? { x: 0, y: 0 },
      blocks,
      wires: specWires(spec),
      output: spec.output ?? null,
      training: spec.training === undefined ? null : spec.training,
    },
    positioned,
  };
}

/** The document of a spec; `source` is the id of the stored model it was opened from. */
export function openDoc(spec: Spec, source?: string): Doc {
  const { doc } = docFromSpec(spec);
  return source ? { ...doc, source } : doc;
}

/**
 * Block ids in a topological order of the wires (sources first); ties and blocks
 * that no wire reaches are ordered by canvas position: top to bottom, then left to right
 * (`across` "x": left to right first, as siblings stand in a top-down layout).
 */
export function topologicalOrder(doc: Doc, across: "x" | "y" = "y"): string[] {
  const [first, second] = across === "y" ? (["y", "x"] as const) : (["x", "y"] as const);
  const byPosition = [...doc.blocks].sort(
    (a, b) => a.position[first] - b.position[first] || a.position[second] - b.position[second],
  );
  const rank = new Map(byPosition.map((b, i) => [b.id, i]));
  const known = new Set(doc.blocks.map((b) => b.id));
  const indegree = new Map(doc.blocks.map((b) => [b.id, 0]));
  const next = new Map<string, string[]>();
  for (const wire of doc.wires) {
    if (!known.has(wire.target) || !known.has(wire.source)) continue;
    indegree.set(wire.target, indegree.get(wire.target)! + 1);
    next.set(wire.source, [...(next.get(wire.source) ?? []), wire.target]);
  }
  const ready = (ids: string[]) => ids.sort((a, b) => rank.get(a)! - rank.get(b)!);
  let queue = ready(doc.blocks.map((b) => b.id).filter((id) => indegree.get(id) === 0));
  const order: string[] = [];
  const seen = new Set<string>();
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    for (const target of next.get(id) ?? []) {
      indegree.set(target, indegree.get(target)! - 1);
      if (indegree.get(target) === 0) queue = ready([...queue, target]);
    }
  }
  // Blocks on a cycle: keep them, in position order, so the server can report the cycle.
  for (const block of byPosition) if (!seen.has(block.id)) order.push(block.id);
  return order;
}

function isPlainChain(order: string[], wires: Wire[], output: string | null): boolean {
  if (wires.length !== order.length) return false;
  if (output !== null && output !== order[order.length - 1]) return false;
  const ids = [INPUT, ...order];
  return wires.every((w, i) => w.source === ids[i] && w.target === ids[i + 1]);
}

function cleanParams(params: Params): Params | undefined {
  const kept = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  return Object.keys(kept).length ? kept : undefined;
}

/**
 * The spec of a document, and the block id at each index of `spec.nodes` (problems
 * from the API point at `/nodes/<index>`). A plain chain is written without `edges`.
 */
export function specFromDoc(doc: Doc): { spec: Spec; nodeIds: string[]; edgeWires: Wire[] } {
  const order = topologicalOrder(doc);
  const byId = new Map(doc.blocks.map((b) => [b.id, b]));
  const nodes: SpecNode[] = order.map((id) => {
    const block = byId.get(id)!;
    const params = cleanParams(block.params);
    return {
      id,
      type: block.type,
      ...(params ? { params } : {}),
      ...(block.label ? { label: block.label } : {}),
    };
  });
  const orderedWires = orderWires(doc.wires, order);
  const spec: Spec = {
    format: "torchcanvas.model",
    version: 1,
    name: doc.name,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.tags.length ? { tags: [...doc.tags] } : {}),
    input: { shape: [...doc.inputShape], ...doc.inputType },
    nodes,
  };
  if (!isPlainChain(order, orderedWires, doc.output)) {
    spec.edges = orderedWires.map((w): SpecEdge => ({ source: w.source, target: w.target }));
  }
  if (doc.output !== null) spec.output = doc.output;
  if (doc.training !== null) spec.training = doc.training;
  spec.layout = {
    [INPUT]: roundXY(doc.inputPosition),
    ...Object.fromEntries(order.map((id) => [id, roundXY(byId.get(id)!.position)])),
  };
  return { spec, nodeIds: order, edgeWires: spec.edges ? orderedWires : [] };
}

/** Wires sorted by their target's place in `order`; a target's own inputs keep their order. */
function orderWires(wires: Wire[], order: string[]): Wire[] {
  const place = new Map(order.map((id, i) => [id, i]));
  return wires
    .map((wire, index) => ({ wire, index }))
    .sort(
      (a, b) =>
        (place.get(a.wire.target) ?? Infinity) - (place.get(b.wire.target) ?? Infinity) ||
        a.index - b.index,
    )
    .map(({ wire }) => wire);
}

function roundXY(p: XY): XY {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}
