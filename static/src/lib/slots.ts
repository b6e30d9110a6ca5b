/**
 * A block's connection points ("slots"): where wires end on it and where they leave it.
 *
 * Wires into a block are its arguments in order: the k-th incoming wire (in the spec's edge
 * list) is argument k. A block that takes one input has one input slot; a merge block (Add,
 * Concat) takes any number, each wire arriving at its own point, left to right in argument
 * order. Labelled inputs (attention's query, key, value) will be slots named by the catalog,
 * one handle each: `inputSlots` is the one place that decides, for the canvas and the layout.
 */
import type { Doc, Wire } from "./doc";
import type { BlockDef } from "./types";

/** The handle id of a block's input and of its output (React Flow handle ids). */
export const IN = "in";
export const OUT = "out";

export interface Slot {
  /** The React Flow handle the slot belongs to. */
  handle: string;
  /** Shown next to the wire: the argument's number or name; none for a single input. */
  label?: string;
}

/** The handles a block offers for incoming wires. */
export function inputHandles(_def: BlockDef | undefined): string[] {
  return [IN];
}

/** Does the block take several inputs (so each wire shows its argument number)? */
export function takesSeveral(def: BlockDef | undefined): boolean {
  return def !== undefined && def.max_inputs !== 1;
}

/** The slot of each wire into `target`, in argument order (the order of `wires`). */
export function inputSlots(def: BlockDef | undefined, incoming: number): Slot[] {
  const several = takesSeveral(def);
  return Array.from({ length: incoming }, (_, k) => ({
    handle: IN,
    ...(several ? { label: String(k + 1) } : {}),
  }));
}

/** The wires into each block, in argument order. */
export function incomingWires(doc: Doc): Map<string, Wire[]> {
  const into = new Map<string, Wire[]>();
  for (const wire of doc.wires) into.set(wire.target, [...(into.get(wire.target) ?? []), wire]);
  return into;
}

export const wireId = (w: Wire) => `${w.source}->${w.target}`;
