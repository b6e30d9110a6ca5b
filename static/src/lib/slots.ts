/**
 * A block's connection points ("slots"): where wires end on it and where they leave it.
 *
 * Wires into a block are its arguments in order: the k-th incoming wire (in the spec's edge
 * list) is argument k. A block that takes one input has one input handle; a merge block (Add,
 * Concat) takes any number on that handle, each wire arriving at its own point, left to right
 * in argument order. A block whose inputs the catalog names (`slots`: attention's query, key,
 * value; the decoder's target and memory) has one labelled handle per input: the wire on
 * handle k is argument k. This module is the one place that decides, for the canvas and the
 * layout.
 */
import type { Graph, Wire } from "./doc";
import type { BlockDef } from "./types";

/** The handle id of a block's input and of its output (React Flow handle ids). */
export const IN = "in";
export const OUT = "out";

/** A handle for incoming wires. */
export interface InputHandle {
  id: string;
  /** The input's name, shown beside the handle (labelled inputs only). */
  label?: string;
  /** Where along the block's input side it sits, from 0 (start) to 1 (end). */
  at: number;
}

export interface Slot {
  /** The React Flow handle the slot belongs to. */
  handle: string;
  /** Shown next to the wire: the argument's number at a merge; none otherwise. */
  label?: string;
  /** Where the wire ends along the input side, for labelled inputs (else the layout spreads them). */
  at?: number;
}

/** The names of a block's ordered inputs (empty: one unnamed input, or a merge). */
export function slotNames(def: BlockDef | undefined): string[] {
  return def?.slots ?? [];
}

/** The handles a block offers for incoming wires. */
export function inputHandles(def: BlockDef | undefined): InputHandle[] {
  const names = slotNames(def);
  if (!names.length) return [{ id: IN, at: 0.5 }];
  return names.map((name, k) => ({ id: `${IN}:${name}`, label: name, at: (k + 1) / (names.length + 1) }));
}

/** The argument a handle stands for (labelled inputs), or undefined (the next free one). */
export function slotOfHandle(def: BlockDef | undefined, handle: string | null | undefined): number | undefined {
  const k = inputHandles(def).findIndex((h) => h.label !== undefined && h.id === handle);
  return k < 0 ? undefined : k;
}

/** Does the block take several inputs on one handle (so each wire shows its argument number)? */
export function takesSeveral(def: BlockDef | undefined): boolean {
  return def !== undefined && def.max_inputs !== 1 && !slotNames(def).length;
}

/** The slot of each wire into `target`, in argument order (the order of `wires`). */
export function inputSlots(def: BlockDef | undefined, incoming: number): Slot[] {
  const handles = inputHandles(def);
  const several = takesSeveral(def);
  return Array.from({ length: incoming }, (_, k) => {
    const named = handles[Math.min(k, handles.length - 1)];
    if (named.label !== undefined) return { handle: named.id, at: named.at };
    return { handle: IN, ...(several ? { label: String(k + 1) } : {}) };
  });
}

/** The wires into each block, in argument order. */
export function incomingWires(graph: Graph): Map<string, Wire[]> {
  const into = new Map<string, Wire[]>();
  for (const wire of graph.wires) into.set(wire.target, [...(into.get(wire.target) ?? []), wire]);
  return into;
}

export const wireId = (w: Wire) => `${w.source}->${w.target}`;
