/** Where a problem from the API belongs: a block, a wire, the input, training or the model. */
import type { Problem } from "./types";

export interface Placed {
  nodes: Map<string, Problem[]>;
  wires: Map<number, Problem[]>;
  input: Problem[];
  training: Problem[];
  model: Problem[];
}

/**
 * Sort problems by their JSON pointer. `nodeIds[i]` is the block at `/nodes/i` of the
 * spec that was validated; `/edges/i` is the i-th edge of that spec.
 */
export function placeProblems(problems: Problem[], nodeIds: string[]): Placed {
  const placed: Placed = { nodes: new Map(), wires: new Map(), input: [], training: [], model: [] };
  for (const problem of problems) {
    const parts = problem.path.split("/").slice(1);
    const index = Number(parts[1]);
    if (parts[0] === "nodes" && Number.isInteger(index) && nodeIds[index] !== undefined) {
      const id = nodeIds[index];
      placed.nodes.set(id, [...(placed.nodes.get(id) ?? []), problem]);
    } else if (parts[0] === "edges" && Number.isInteger(index)) {
      placed.wires.set(index, [...(placed.wires.get(index) ?? []), problem]);
    } else if (parts[0] === "input") {
      placed.input.push(problem);
    } else if (parts[0] === "training") {
      placed.training.push(problem);
    } else {
      placed.model.push(problem);
    }
  }
  return placed;
}
