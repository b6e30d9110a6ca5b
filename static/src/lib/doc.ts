/**
 * The editor's document and its conversion to and from the model spec.
 *
 * A `Graph` is what one canvas shows: blocks with positions, wires between them, and the
 * pseudo-nodes wires start from (its inlets): the model's `input`, or the inputs of a
 * reusable block's definition. A `Doc` is the model's graph plus everything else of the
 * spec, its definitions (`modules`) among them. Wires keep their order, because a block
 * that takes several inputs (Add, attention's query and key) takes them in the order of
 * its incoming edges.
 */
import type { InputSpec, ModuleParams, ModuleSpec, Params, Spec, SpecEdge, SpecNode, Training } from "./types";

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
  /** An instance of a definition stacked this many times in sequence (2 or more). */
  repeat?: number;
  position: XY;
}

export interface Wire {
  source: string;
  target: string;
}

/** A pseudo-node that wires start from: the model's input, or a definition's input. */
export interface Inlet {
  id: string;
  position: XY;
}

export interface Graph {
  inlets: Inlet[];
  blocks: Block[];
  wires: Wire[];
  output: string | null;
}

/** A reusable block: a graph from its inputs (the inlets), with declared parameters. */
export interface Definition extends Graph {
  description: string;
  params: ModuleParams;
}

export type Definitions = Record<string, Definition>;

export interface Doc extends Graph {
  name: string;
  description: string;
  tags: string[];
  /** One sample of the model's input: shape, dtype, vocabulary (the spec's `input`). */
  input: InputSpec;
  training: Training | null;
  /** Reusable blocks by name (the spec's `modules`), in the order they were defined. */
  modules: Definitions;
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
    input: { shape: [1, 28, 28] },
    inlets: [{ id: INPUT, position: { x: 0, y: 0 } }],
    blocks: [],
    wires: [],
    output: null,
    training: {},
    modules: {},
  };
}

export const isInlet = (graph: Graph, id: string) => graph.inlets.some((i) => i.id === id);

/** A block's or an inlet's position. */
export function positionIn(graph: Graph, id: string): XY | undefined {
  return (graph.inlets.find((i) => i.id === id) ?? graph.blocks.find((b) => b.id === id))?.position;
}

/** The wires of spec nodes and edges: the edges, or a chain in list order from `first`. */
export function edgeWires(nodes: SpecNode[], edges: SpecEdge[] | null | undefined, first: string): Wire[] {
  if (edges) return edges.map((e) => ({ source: e.source, target: e.target }));
  const ids = [first, ...nodes.map((n) => n.id)];
  return ids.slice(1).map((id, i) => ({ source: ids[i], target: id }));
}

/** The wires a spec implies: its edges, or a chain through its nodes in list order. */
export function specWires(spec: Spec): Wire[] {
  return edgeWires(spec.nodes, spec.edges, INPUT);
}

/** A stored canvas position, its missing coordinates 0. */
function point(position: { x?: number; y?: number } | undefined): XY | undefined {
  return position && { x: position.x ?? 0, y: position.y ?? 0 };
}

type Layout = NonNullable<Spec["layout"]>;

function blockOf(node: SpecNode, index: number, layout: Layout): Block {
  return {
    id: node.id,
    type: node.type,
    params: { ...(node.params ?? {}) },
    ...(node.label != null ? { label: node.label } : {}),
    ...(node.repeat != null && node.repeat !== 1 ? { repeat: node.repeat } : {}),
    position: point(layout[node.id]) ?? { x: 0, y: STEP * (index + 1) },
  };
}

/** A definition of the spec's `modules`, as the editor keeps it. */
export function definitionOf(module: ModuleSpec): Definition {
  const inputs = module.inputs?.length ? module.inputs : ["x"];
  return {
    description: module.description ?? "",
    params: structuredClone(module.params ?? {}),
    inlets: inputs.map((id, k) => ({ id, position: { x: 240 * k, y: 0 } })),
    blocks: module.nodes.map((node, index) => blockOf(node, index, module.layout ?? {})),
    wires: edgeWires(module.nodes, module.edges, inputs[0]),
    output: module.output ?? null,
  };
}

/** Build a document from a spec. `positioned` is false when the spec had no layout. */
export function docFromSpec(spec: Spec): { doc: Doc; positioned: boolean } {
  const layout = spec.layout ?? {};
  const positioned = spec.nodes.every((n) => layout[n.id] !== undefined);
  const modules = Object.fromEntries(
    Object.entries(spec.modules ?? {}).map(([name, module]) => [name, definitionOf(module)]),
  );
  return {
    doc: {
      name: spec.name ?? "Untitled model",
      description: spec.description ?? "",
      tags: [...(spec.tags ?? [])],
      input: inputOf(spec.input),
      inlets: [{ id: INPUT, position: point(layout[INPUT]) ?? { x: 0, y: 0 } }],
      blocks: spec.nodes.map((node, index) => blockOf(node, index, layout)),
      wires: specWires(spec),
      output: spec.output ?? null,
      training: spec.training === undefined ? null : spec.training,
      modules,
    },
    positioned,
  };
}

/** The spec's input as the editor keeps it: dtype and vocabulary only for token ids. */
export function inputOf(input: InputSpec): InputSpec {
  if (input.dtype !== "int64") return { shape: [...input.shape] };
  return { shape: [...input.shape], dtype: "int64", ...(input.vocab_size != null ? { vocab_size: input.vocab_size } : {}) };
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
export function topologicalOrder(graph: Graph, across: "x" | "y" = "y"): string[] {
  const [first, second] = across === "y" ? (["y", "x"] as const) : (["x", "y"] as const);
  const byPosition = [...graph.blocks].sort(
    (a, b) => a.position[first] - b.position[first] || a.position[second] - b.position[second],
  );
  const rank = new Map(byPosition.map((b, i) => [b.id, i]));
  const known = new Set(graph.blocks.map((b) => b.id));
  const indegree = new Map(graph.blocks.map((b) => [b.id, 0]));
  const next = new Map<string, string[]>();
  for (const wire of graph.wires) {
    if (!known.has(wire.target) || !known.has(wire.source)) continue;
    indegree.set(wire.target, indegree.get(wire.target)! + 1);
    next.set(wire.source, [...(next.get(wire.source) ?? []), wire.target]);
  }
  const ready = (ids: string[]) => ids.sort((a, b) => rank.get(a)! - rank.get(b)!);
  let queue = ready(graph.blocks.map((b) => b.id).filter((id) => indegree.get(id) === 0));
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

function isPlainChain(order: string[], wires: Wire[], output: string | null, first: string): boolean {
  if (wires.length !== order.length) return false;
  if (output !== null && output !== order[order.length - 1]) return false;
  const ids = [first, ...order];
  return wires.every((w, i) => w.source === ids[i] && w.target === ids[i + 1]);
}

function cleanParams(params: Params): Params | undefined {
  const kept = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  return Object.keys(kept).length ? kept : undefined;
}

/** A graph as spec nodes and edges (none for a plain chain from the first inlet). */
export interface GraphSpec {
  nodes: SpecNode[];
  edges?: SpecEdge[];
  /** The block id at each index of `nodes`, and the wire of each edge (none without edges). */
  nodeIds: string[];
  edgeWires: Wire[];
}

export function graphSpec(graph: Graph): GraphSpec {
  const order = topologicalOrder(graph);
  const byId = new Map(graph.blocks.map((b) => [b.id, b]));
  const nodes: SpecNode[] = order.map((id) => {
    const block = byId.get(id)!;
    const params = cleanParams(block.params);
    return {
      id,
      type: block.type,
      ...(params ? { params } : {}),
      ...(block.label ? { label: block.label } : {}),
      ...(block.repeat && block.repeat > 1 ? { repeat: block.repeat } : {}),
    };
  });
  const orderedWires = orderWires(graph.wires, order);
  if (isPlainChain(order, orderedWires, graph.output, graph.inlets[0]?.id ?? INPUT)) {
    return { nodes, nodeIds: order, edgeWires: [] };
  }
  const edges = orderedWires.map((w): SpecEdge => ({ source: w.source, target: w.target }));
  return { nodes, edges, nodeIds: order, edgeWires: orderedWires };
}

/** A definition as the spec's `modules` entry. */
export function moduleSpec(definition: Definition, written: GraphSpec = graphSpec(definition)): ModuleSpec {
  const { nodes, edges, nodeIds } = written;
  const byId = new Map(definition.blocks.map((b) => [b.id, b]));
  return {
    ...(definition.description ? { description: definition.description } : {}),
    params: structuredClone(definition.params),
    inputs: definition.inlets.map((i) => i.id),
    nodes,
    ...(edges ? { edges } : {}),
    ...(definition.output !== null ? { output: definition.output } : {}),
    layout: Object.fromEntries(nodeIds.map((id) => [id, roundXY(byId.get(id)!.position)])),
  };
}

/** Where each node and edge of a spec's graph came from (problems point at their indices). */
export type GraphIndex = Pick<GraphSpec, "nodeIds" | "edgeWires">;

/**
 * The spec of a document, and the block id at each index of `spec.nodes` (problems
 * from the API point at `/nodes/<index>`), and of each definition's nodes
 * (`/modules/<name>/nodes/<index>`). A plain chain is written without `edges`.
 */
export function specFromDoc(doc: Doc): { spec: Spec; nodeIds: string[]; edgeWires: Wire[]; modules: Record<string, GraphIndex> } {
  const { nodes, edges, nodeIds, edgeWires } = graphSpec(doc);
  const names = Object.keys(doc.modules);
  const written = Object.fromEntries(names.map((n) => [n, graphSpec(doc.modules[n])]));
  const spec: Spec = {
    format: "torchcanvas.model",
    version: 1,
    name: doc.name,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.tags.length ? { tags: [...doc.tags] } : {}),
    input: inputOf(doc.input),
    ...(names.length ? { modules: Object.fromEntries(names.map((n) => [n, moduleSpec(doc.modules[n], written[n])])) } : {}),
    nodes,
  };
  if (edges) spec.edges = edges;
  if (doc.output !== null) spec.output = doc.output;
  if (doc.training !== null) spec.training = doc.training;
  const byId = new Map(doc.blocks.map((b) => [b.id, b]));
  spec.layout = {
    [INPUT]: roundXY(doc.inlets[0].position),
    ...Object.fromEntries(nodeIds.map((id) => [id, roundXY(byId.get(id)!.position)])),
  };
  const modules = Object.fromEntries(names.map((n) => [n, { nodeIds: written[n].nodeIds, edgeWires: written[n].edgeWires }]));
  return { spec, nodeIds, edgeWires, modules };
}

/** A spec without canvas positions (its own and its definitions'): what the model is. */
export function withoutLayout(spec: Spec): Omit<Spec, "layout"> {
  const { layout: _layout, modules, ...model } = spec;
  if (!modules) return model;
  const inner = Object.fromEntries(
    Object.entries(modules).map(([name, { layout: _inner, ...definition }]) => [name, definition]),
  );
  return { ...model, modules: inner };
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
