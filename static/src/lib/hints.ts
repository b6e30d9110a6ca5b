/** Help texts that depend on the model being built. */
import { INPUT, type Doc } from "./doc";
import type { BlockDef } from "./types";

const GENERIC = "One sample, without the batch dimension: (features) or (channels, height, width).";

/**
 * The input shape's help: what the first layer works on (its catalog doc says), so the
 * shape can be made to fit it.
 */
export function inputShapeHint(doc: Doc, defs: Map<string, BlockDef>): string {
  const first = doc.wires.filter((w) => w.source === INPUT).map((w) => doc.blocks.find((b) => b.id === w.target));
  const block = first.find((b) => b !== undefined);
  const def = block ? defs.get(block.type) : undefined;
  if (!block || !def) return GENERIC;
  return `${GENERIC} The first layer, ${block.id}, is ${def.type}: ${def.doc}`;
}
