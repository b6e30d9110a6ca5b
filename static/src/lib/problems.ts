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
 * spec that was validated; `/edges/i` is the i-th edge of that spec. Given a definition's
 * name, the problems inside it are placed (`/modules/<name>/nodes/i` on its blocks), and
 * the model's own are the "model" ones.
 */
export function placeProblems(problems: Problem[], nodeIds: string[], definition?: string): Placed {
  const placed: Placed = { nodes: new Map(), wires: new Map(), input: [], training: [], model: [] };
  const inside = definition === undefined ? null : `/modules/${definition}`;
  for (const problem of problems) {
    if (inside !== null && problem.path !== inside && !problem.path.startsWith(`${inside}/`)) {
      placed.model.push(problem);
      continue;
    }
    const parts = (inside === null ? problem.path : problem.path.slice(inside.length)).split("/").slice(1);
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
