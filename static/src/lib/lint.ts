/**
 * The editor's own advice on a model that is valid but probably not what was meant.
 * Warnings don't stop code generation; they sit on the block they are about.
 *
 * (Checks that the command line should give too belong in the server's analysis; these
 * are about the editing session.)
 */
import { INPUT, type Doc } from "./doc";
import type { Analysis, Problem } from "./types";

/** The blocks whose output is the model's output: the chosen one, or the blocks feeding nothing. */
export function outputBlocks(doc: Doc): string[] {
  if (doc.output !== null) return [doc.output];
  const feeding = new Set(doc.wires.map((w) => w.source));
  return doc.blocks.filter((b) => !feeding.has(b.id)).map((b) => b.id);
}

/** The loss training will use: the chosen one, or CrossEntropyLoss for classification. */
function lossType(doc: Doc, analysis: Analysis | null): string | null {
  const chosen = doc.training?.loss?.type;
  if (chosen) return chosen;
  return analysis?.task === "classification" ? "CrossEntropyLoss" : null;
}

/** Warnings by block id. */
export function lint(doc: Doc, analysis: Analysis | null): Map<string, Problem[]> {
  const warnings = new Map<string, Problem[]>();
  if (doc.training === null || lossType(doc, analysis) !== "CrossEntropyLoss") return warnings;
  const types = new Map(doc.blocks.map((b) => [b.id, b.type]));
  for (const id of outputBlocks(doc)) {
    if (types.get(id) !== "Softmax") continue;
    const fed = doc.wires.find((w) => w.target === id)?.source ?? INPUT;
    const after = types.get(fed) ?? "the input";
    warnings.set(id, [
      {
        path: "",
        message: `${after} → Softmax with CrossEntropyLoss: the loss applies log-softmax itself, so this squashes the scores twice and training stalls`,
        hint: "delete this Softmax (the model should output raw scores); apply softmax only when predicting",
      },
    ]);
  }
  return warnings;
}
