/**
 * Pure editing operations on a document: stacking, inserting, wiring, deleting with
 * reconnection, renaming, copy and paste. Each returns a new document.
 */
import { INPUT, STEP, type Block, type Doc, type Wire, type XY } from "./doc";
import type { Params } from "./types";

/** A readable, unused id for a new block of `type`: `Conv2d` -> `conv2d_1`, `LeakyReLU` -> `leaky_relu_1`. */
export function freshId(doc: Doc, type: string, taken: Set<string> = new Set()): string {
  const base =
    type
      .replace(/([a-z0-9])(?=[A-Z][a-z])/g, "$1_")
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_") || "block";
  const used = new Set([...doc.blocks.map((b) => b.id), ...taken, INPUT]);
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!used.has(id)) return id;
  }
}

export function newBlock(doc: Doc, type: string, position: XY, params: Params = {}): Block {
  return { id: freshId(doc, type), type, params: { ...params }, position };
}

function positionOf(doc: Doc, id: string): XY {
  if (id === INPUT) return doc.inputPosition;
  return doc.blocks.find((b) => b.id === id)?.position ?? { x: 0, y: 0 };
}

/** Every block reachable from `id` along wires (not `id` itself). */
export function descendants(doc: Doc, id: string): Set<string> {
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

function shiftDown(doc: Doc, ids: Set<string>, dy: number): Block[] {
  return doc.blocks.map((b) =>
    ids.has(b.id) ? { ...b, position: { x: b.position.x, y: b.position.y + dy } } : b,
  );
}

/**
 * The block a new block is stacked under when none is chosen: the model's output, or
 * the lowest block that feeds nothing, or the input when the canvas is empty.
 */
export function stackTail(doc: Doc): string {
  if (doc.output && doc.blocks.some((b) => b.id === doc.output)) return doc.output;
  const sinks = doc.blocks.filter((b) => !doc.wires.some((w) => w.source === b.id));
  if (!sinks.length) return doc.blocks.length ? doc.blocks[doc.blocks.length - 1].id : INPUT;
  return sinks.reduce((low, b) => (b.position.y > low.position.y ? b : low)).id;
}

/**
 * Stack `block` under `after`: it takes over the wires that left `after` (in place, so
 * merge inputs keep their order) and gets one wire from `after`. Blocks downstream
 * move down to make room.
 */
export function appendAfter(doc: Doc, after: string, block: Block): Doc {
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
export function insertOnWire(doc: Doc, index: number, block: Block): Doc {
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
export function addFree(doc: Doc, block: Block): Doc {
  return { ...doc, blocks: [...doc.blocks, block] };
}

function reaches(doc: Doc, from: string, to: string): boolean {
  return from === to || descendants(doc, from).has(to);
}

/**
 * Wire `source` to `target`. Refused (the document is returned unchanged) for a wire into
 * the input, a duplicate, or one that closes a cycle. A block that takes one input has
 * its old incoming wire replaced.
 */
export function connect(doc: Doc, source: string, target: string, maxInputs: number | null): Doc {
  if (target === INPUT || source === target) return doc;
  if (doc.wires.some((w) => w.source === source && w.target === target)) return doc;
  if (reaches(doc, target, source)) return doc;
  let wires = doc.wires;
  if (maxInputs !== null && wires.filter((w) => w.target === target).length >= maxInputs) {
    const drop = wires.findIndex((w) => w.target === target);
    wires = wires.filter((_, i) => i !== drop);
  }
  return { ...doc, wires: [...wires, { source, target }] };
}

/**
 * Move one end of the wire `old` so it becomes `next`. The wire keeps its place among the
 * target's inputs when the target stays (so a merge keeps its argument order). Refused like
 * `connect`.
 */
export function reconnect(doc: Doc, old: Wire, next: Wire, maxInputs: number | null): Doc {
  const index = doc.wires.findIndex((w) => w.source === old.source && w.target === old.target);
  if (index < 0 || (old.source === next.source && old.target === next.target)) return doc;
  const without = { ...doc, wires: doc.wires.filter((_, i) => i !== index) };
  const wired = connect(without, next.source, next.target, maxInputs);
  if (wired === without) return doc;
  if (next.target !== old.target) return wired;
  const wires = wired.wires.filter((w) => !(w.source === next.source && w.target === next.target));
  wires.splice(Math.min(index, wires.length), 0, { source: next.source, target: next.target });
  return { ...wired, wires };
}

export function removeWires(doc: Doc, remove: Wire[]): Doc {
  const key = (w: Wire) => `${w.source}\u0000${w.target}`;
  const gone = new Set(remove.map(key));
  return { ...doc, wires: doc.wires.filter((w) => !gone.has(key(w))) };
}

/**
 * Delete blocks. A deleted block with exactly one input is bridged: what it fed is fed by
 * its input instead, so deleting a block in a chain keeps the chain connected.
 */
export function removeBlocks(doc: Doc, ids: Iterable<string>): Doc {
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
    const output = current.output === id ? (bridge === INPUT ? null : bridge) : current.output;
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
export function renameBlock(doc: Doc, from: string, to: string): Doc {
  if (!to || to === from || to === INPUT || doc.blocks.some((b) => b.id === to)) return doc;
  const swap = (id: string) => (id === from ? to : id);
  return {
    ...doc,
    blocks: doc.blocks.map((b) => (b.id === from ? { ...b, id: to } : b)),
    wires: doc.wires.map((w) => ({ source: swap(w.source), target: swap(w.target) })),
    output: doc.output === null ? null : swap(doc.output),
  };
}

export function updateBlock(doc: Doc, id: string, change: Partial<Block>): Doc {
  return { ...doc, blocks: doc.blocks.map((b) => (b.id === id ? { ...b, ...change } : b)) };
}

export function moveBlocks(doc: Doc, positions: Map<string, XY>): Doc {
  return {
    ...doc,
    inputPosition: positions.get(INPUT) ?? doc.inputPosition,
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

export function copyBlocks(doc: Doc, ids: Set<string>): Clip {
  return {
    blocks: doc.blocks.filter((b) => ids.has(b.id)).map((b) => structuredClone(b)),
    wires: doc.wires.filter((w) => ids.has(w.source) && ids.has(w.target)),
  };
}

/** Paste a clip with fresh ids, offset from the originals; returns the new ids too. */
export function pasteClip(doc: Doc, clip: Clip, offset: XY): { doc: Doc; ids: string[] } {
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
