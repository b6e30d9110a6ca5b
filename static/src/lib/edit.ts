/**
 * Pure editing operations on a graph (the model's, or a definition's): stacking, inserting,
 * wiring, deleting with reconnection, renaming, copy and paste. Each returns a new graph
 * of the same kind.
 */
import { INPUT, STEP, isInlet, positionIn, type Block, type Graph, type Wire, type XY } from "./doc";
import type { Params } from "./types";

/** `Conv2d` -> `conv2d`, `LeakyReLU` -> `leaky_relu`, `BasicBlock` -> `basic_block`. */
export function snakeCase(name: string): string {
  return (
    name
      .replace(/([a-z0-9])(?=[A-Z][a-z])/g, "$1_")
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_") || "block"
  );
}

/** A readable, unused id for a new block of `type`: `Conv2d` -> `conv2d_1`, `LeakyReLU` -> `leaky_relu_1`. */
export function freshId(doc: Graph, type: string, taken: Set<string> = new Set()): string {
  const base = snakeCase(type);
  const used = new Set([...doc.blocks.map((b) => b.id), ...doc.inlets.map((i) => i.id), ...taken, INPUT]);
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!used.has(id)) return id;
  }
}

export function newBlock(doc: Graph, type: string, position: XY, params: Params = {}): Block {
  return { id: freshId(doc, type), type, params: { ...params }, position };
}

function positionOf(doc: Graph, id: string): XY {
  return positionIn(doc, id) ?? { x: 0, y: 0 };
}

/** Every block reachable from `id` along wires (not `id` itself). */
export function descendants(doc: Graph, id: string): Set<string> {
  const found = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const current = stack.pop()!;
    for (const wire of doc.wires) {
      if (wire.source === current && !found.has(wire.target)) {
        found.add(wire.target);
        stack.push(wire.target);
      }
    }
  }
  return found;
}

function shiftDown(doc: Graph, ids: Set<string>, dy: number): Block[] {
  return doc.blocks.map((b) =>
    ids.has(b.id) ? { ...b, position: { x: b.position.x, y: b.position.y + dy } } : b,
  );
}

/**
 * The block a new block is stacked under when none is chosen: the model's output, or
 * the lowest block that feeds nothing, or the input when the canvas is empty.
 */
export function stackTail(doc: Graph): string {
  if (doc.output && doc.blocks.some((b) => b.id === doc.output)) return doc.output;
  const sinks = doc.blocks.filter((b) => !doc.wires.some((w) => w.source === b.id));
  if (!sinks.length) return doc.blocks.length ? doc.blocks[doc.blocks.length - 1].id : doc.inlets[0].id;
  return sinks.reduce((low, b) => (b.position.y > low.position.y ? b : low)).id;
}

/**
 * Stack `block` under `after`: it takes over the wires that left `after` (in place, so
 * merge inputs keep their order) and gets one wire from `after`. Blocks downstream
 * move down to make room.
 */
export function appendAfter<G extends Graph>(doc: G, after: string, block: Block): G {
  const anchor = positionOf(doc, after);
  const placed = { ...block, position: { x: anchor.x, y: anchor.y + STEP } };
  const below = descendants(doc, after);
  const wires = doc.wires.map((w) => (w.source === after ? { ...w, source: placed.id } : w));
  const output = doc.output === after ? placed.id : doc.output;
  return {
    ...doc,
    blocks: [...shiftDown(doc, below, STEP), placed],
    wires: [...wires, { source: after, target: placed.id }],
    output,
  };
}

/** Put `block` in the middle of the wire at `index`. */
export function insertOnWire<G extends Graph>(doc: G, index: number, block: Block): G {
  const wire = doc.wires[index];
  const from = positionOf(doc, wire.source);
  const placed = { ...block, position: { x: from.x, y: from.y + STEP } };
  const below = new Set([wire.target, ...descendants(doc, wire.target)]);
  const wires = [...doc.wires];
  wires.splice(index, 1, { source: placed.id, target: wire.target });
  wires.push({ source: wire.source, target: placed.id });
  return { ...doc, blocks: [...shiftDown(doc, below, STEP), placed], wires };
}

/** Place a block without wiring it. */
export function addFree<G extends Graph>(doc: G, block: Block): G {
  return { ...doc, blocks: [...doc.blocks, block] };
}

function reaches(doc: Graph, from: string, to: string): boolean {
  return from === to || descendants(doc, from).has(to);
}

/** The argument number of the wire `source` -> `target` among the target's inputs, or -1. */
export function argumentOf(doc: Graph, source: string, target: string): number {
  return doc.wires.filter((w) => w.target === target).findIndex((w) => w.source === source);
}

/** `wires` with `wire` at argument `k` of its target (the k-th of the target's wires). */
function placeArgument(wires: Wire[], wire: Wire, k: number): Wire[] {
  const at = wires.map((w, i) => (w.target === wire.target ? i : -1)).filter((i) => i >= 0);
  const next = [...wires];
  if (k < at.length) next.splice(at[k], 0, wire);
  else next.push(wire);
  return next;
}

/**
 * Wire `source` to `target`. Refused (the graph is returned unchanged) for a wire into an
 * inlet, a duplicate, or one that closes a cycle. `slot` is the argument the wire is for
 * (a labelled input such as attention's key): it replaces the wire there, or takes the next
 * free argument when the ones before are not wired yet. Without a slot it is the next
 * argument; a block that takes no more inputs has its first one replaced.
 */
export function connect<G extends Graph>(
  doc: G,
  source: string,
  target: string,
  maxInputs: number | null,
  slot?: number,
): G {
  if (isInlet(doc, target) || source === target) return doc;
  if (doc.wires.some((w) => w.source === source && w.target === target)) return doc;
  if (reaches(doc, target, source)) return doc;
  const incoming = doc.wires.filter((w) => w.target === target);
  const full = maxInputs !== null && incoming.length >= maxInputs;
  const k = slot === undefined ? (full ? 0 : incoming.length) : Math.min(slot, incoming.length, (maxInputs ?? Infinity) - 1);
  const replaced = k < incoming.length && (slot !== undefined || full) ? incoming[k] : null;
  const wires = replaced ? doc.wires.filter((w) => w !== replaced) : doc.wires;
  return { ...doc, wires: placeArgument(wires, { source, target }, k) };
}

/** `wires` with the wires into `target` replaced, in their places, by `args` (as many). */
function withArguments(wires: Wire[], target: string, args: Wire[]): Wire[] {
  let k = 0;
  return wires.map((w) => (w.target === target ? args[k++] : w));
}

/**
 * Move one end of the wire `old` so it becomes `next`. The wire keeps its place among the
 * target's inputs when the target stays (so a merge keeps its argument order); given a
 * `slot` of the same target, it swaps places with the wire there. Refused like `connect`.
 */
export function reconnect<G extends Graph>(
  doc: G,
  old: Wire,
  next: Wire,
  maxInputs: number | null,
  slot?: number,
): G {
  const k = argumentOf(doc, old.source, old.target);
  const sameEnds = old.source === next.source && old.target === next.target;
  if (k < 0 || (sameEnds && (slot === undefined || slot === k))) return doc;
  const without = removeWires(doc, [old]);
  if (next.target !== old.target) {
    const wired = connect(without, next.source, next.target, maxInputs, slot);
    return wired === without ? doc : wired;
  }
  if (!sameEnds && connect(without, next.source, next.target, null) === without) return doc;
  const args = doc.wires.filter((w) => w.target === old.target);
  args[k] = { source: next.source, target: next.target };
  if (slot !== undefined && slot < args.length) [args[k], args[slot]] = [args[slot], args[k]];
  return { ...doc, wires: withArguments(doc.wires, old.target, args) };
}

export function removeWires<G extends Graph>(doc: G, remove: Wire[]): G {
  const key = (w: Wire) => `${w.source}\u0000${w.target}`;
  const gone = new Set(remove.map(key));
  return { ...doc, wires: doc.wires.filter((w) => !gone.has(key(w))) };
}

/**
 * Delete blocks. A deleted block with exactly one input is bridged: what it fed is fed by
 * its input instead, so deleting a block in a chain keeps the chain connected.
 */
export function removeBlocks<G extends Graph>(doc: G, ids: Iterable<string>): G {
  let current = doc;
  for (const id of ids) {
    if (!current.blocks.some((b) => b.id === id)) continue;
    const incoming = current.wires.filter((w) => w.target === id);
    const bridge = incoming.length === 1 ? incoming[0].source : null;
    const wires: Wire[] = [];
    for (const wire of current.wires) {
      if (wire.target === id) continue;
      if (wire.source !== id) wires.push(wire);
      else if (bridge !== null && !wires.concat(current.wires).some(
        (w) => w.source === bridge && w.target === wire.target,
      )) {
        wires.push({ source: bridge, target: wire.target });
      }
    }
    const output = current.output === id ? (bridge === null || isInlet(current, bridge) ? null : bridge) : current.output;
    current = {
      ...current,
      blocks: current.blocks.filter((b) => b.id !== id),
      wires,
      output,
    };
  }
  return current;
}

/** Rename a block, keeping its wires and the output. Refused for a taken or empty id. */
export function renameBlock<G extends Graph>(doc: G, from: string, to: string): G {
  if (!to || to === from || to === INPUT || isInlet(doc, to) || doc.blocks.some((b) => b.id === to)) return doc;
  const swap = (id: string) => (id === from ? to : id);
  return {
    ...doc,
    blocks: doc.blocks.map((b) => (b.id === from ? { ...b, id: to } : b)),
    wires: doc.wires.map((w) => ({ source: swap(w.source), target: swap(w.target) })),
    output: doc.output === null ? null : swap(doc.output),
  };
}

export function updateBlock<G extends Graph>(doc: G, id: string, change: Partial<Block>): G {
  return { ...doc, blocks: doc.blocks.map((b) => (b.id === id ? { ...b, ...change } : b)) };
}

export function moveBlocks<G extends Graph>(doc: G, positions: Map<string, XY>): G {
  return {
    ...doc,
    inlets: doc.inlets.map((i) => (positions.has(i.id) ? { ...i, position: positions.get(i.id)! } : i)),
    blocks: doc.blocks.map((b) =>
      positions.has(b.id) ? { ...b, position: positions.get(b.id)! } : b,
    ),
  };
}

/** What a copy holds: blocks and the wires between them. */
export interface Clip {
  blocks: Block[];
  wires: Wire[];
}

export function copyBlocks(doc: Graph, ids: Set<string>): Clip {
  return {
    blocks: doc.blocks.filter((b) => ids.has(b.id)).map((b) => structuredClone(b)),
    wires: doc.wires.filter((w) => ids.has(w.source) && ids.has(w.target)),
  };
}

/** Paste a clip with fresh ids, offset from the originals; returns the new ids too. */
export function pasteClip<G extends Graph>(doc: G, clip: Clip, offset: XY): { doc: G; ids: string[] } {
  const taken = new Set<string>();
  const rename = new Map<string, string>();
  for (const block of clip.blocks) {
    const id = freshId(doc, block.type, taken);
    taken.add(id);
    rename.set(block.id, id);
  }
  const blocks = clip.blocks.map((b) => ({
    ...structuredClone(b),
    id: rename.get(b.id)!,
    position: { x: b.position.x + offset.x, y: b.position.y + offset.y },
  }));
  const wires = clip.wires.map((w) => ({
    source: rename.get(w.source)!,
    target: rename.get(w.target)!,
  }));
  return {
    doc: { ...doc, blocks: [...doc.blocks, ...blocks], wires: [...doc.wires, ...wires] },
    ids: blocks.map((b) => b.id),
  };
}
