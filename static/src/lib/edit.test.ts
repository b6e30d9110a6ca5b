import { describe, expect, it } from "vitest";
import { INPUT, STEP, emptyDoc, type Doc } from "./doc";
import {
  appendAfter,
  argumentOf,
  connect,
  copyBlocks,
  freshId,
  insertOnWire,
  newBlock,
  pasteClip,
  reconnect,
  removeBlocks,
  renameBlock,
  stackTail,
} from "./edit";

/** input -> a -> b -> c, stacked. */
function stack(...ids: string[]): Doc {
  const doc = emptyDoc();
  const names = [INPUT, ...ids];
  return {
    ...doc,
    blocks: ids.map((id, i) => ({ id, type: "ReLU", params: {}, position: { x: 0, y: STEP * (i + 1) } })),
    wires: ids.map((id, i) => ({ source: names[i], target: id })),
  };
}

describe("stacking", () => {
  it("names blocks after their type, snake_case, numbered", () => {
    const doc = emptyDoc();
    expect(freshId(doc, "Conv2d")).toBe("conv2d_1");
    expect(freshId(doc, "BatchNorm2d")).toBe("batch_norm2d_1");
    expect(freshId(doc, "ReLU")).toBe("relu_1");
    expect(freshId(doc, "LeakyReLU")).toBe("leaky_relu_1");
    expect(freshId(doc, "AdaptiveAvgPool2d")).toBe("adaptive_avg_pool2d_1");
    expect(freshId(stack("relu_1"), "ReLU")).toBe("relu_2");
  });

  it("appends under the tail and wires it", () => {
    const doc = stack("a", "b");
    expect(stackTail(doc)).toBe("b");
    const next = appendAfter(doc, "b", newBlock(doc, "Linear", { x: 0, y: 0 }));
    expect(next.wires.at(-1)).toEqual({ source: "b", target: "linear_1" });
    expect(next.blocks.at(-1)!.position).toEqual({ x: 0, y: 3 * STEP });
  });

  it("appends onto the empty canvas from the input", () => {
    const doc = emptyDoc();
    expect(stackTail(doc)).toBe(INPUT);
    const next = appendAfter(doc, INPUT, newBlock(doc, "Flatten", { x: 0, y: 0 }));
    expect(next.wires).toEqual([{ source: INPUT, target: "flatten_1" }]);
  });

  it("appending in the middle of a chain inserts and pushes the rest down", () => {
    const doc = stack("a", "b", "c");
    const next = appendAfter(doc, "a", { id: "n", type: "ReLU", params: {}, position: { x: 0, y: 0 } });
    expect(next.wires).toEqual([
      { source: INPUT, target: "a" },
      { source: "n", target: "b" },
      { source: "b", target: "c" },
      { source: "a", target: "n" },
    ]);
    const y = Object.fromEntries(next.blocks.map((b) => [b.id, b.position.y]));
    expect(y).toEqual({ a: STEP, n: 2 * STEP, b: 3 * STEP, c: 4 * STEP });
  });

  it("inserts into a wire", () => {
    const doc = stack("a", "b");
    const next = insertOnWire(doc, 1, { id: "n", type: "ReLU", params: {}, position: { x: 0, y: 0 } });
    expect(next.wires).toEqual([
      { source: INPUT, target: "a" },
      { source: "n", target: "b" },
      { source: "a", target: "n" },
    ]);
  });

  it("moves the output along when appending under it", () => {
    const doc = { ...stack("a"), output: "a" };
    const next = appendAfter(doc, "a", { id: "n", type: "ReLU", params: {}, position: { x: 0, y: 0 } });
    expect(next.output).toBe("n");
  });
});

describe("deleting", () => {
  it("reconnects the neighbours of a deleted block in a chain", () => {
    const next = removeBlocks(stack("a", "b", "c"), ["b"]);
    expect(next.wires).toEqual([
      { source: INPUT, target: "a" },
      { source: "a", target: "c" },
    ]);
  });

  it("deletes several blocks of a chain and keeps it connected", () => {
    const next = removeBlocks(stack("a", "b", "c", "d"), ["b", "c"]);
    expect(next.wires).toEqual([
      { source: INPUT, target: "a" },
      { source: "a", target: "d" },
    ]);
  });

  it("bridges a branch point to every block it fed, keeping merge input order", () => {
    let doc = stack("a", "b");
    doc = { ...doc, blocks: [...doc.blocks, { id: "m", type: "Add", params: {}, position: { x: 0, y: 300 } }] };
    doc = { ...doc, wires: [...doc.wires, { source: "b", target: "m" }, { source: "a", target: "m" }] };
    const next = removeBlocks(doc, ["b"]);
    expect(next.wires).toEqual([
      { source: INPUT, target: "a" },
      { source: "a", target: "m" },
    ]);
  });

  it("does not bridge a merge (several inputs)", () => {
    let doc = stack("a");
    doc = {
      ...doc,
      blocks: [
        ...doc.blocks,
        { id: "m", type: "Add", params: {}, position: { x: 0, y: 200 } },
        { id: "z", type: "ReLU", params: {}, position: { x: 0, y: 300 } },
      ],
      wires: [...doc.wires, { source: INPUT, target: "m" }, { source: "a", target: "m" }, { source: "m", target: "z" }],
    };
    expect(removeBlocks(doc, ["m"]).wires).toEqual([{ source: INPUT, target: "a" }]);
  });

  it("clears the output when its block goes", () => {
    expect(removeBlocks({ ...stack("a", "b"), output: "b" }, ["b"]).output).toBe("a");
  });
});

describe("wiring, renaming, copy and paste", () => {
  it("refuses cycles, duplicates and wires into the input", () => {
    const doc = stack("a", "b");
    expect(connect(doc, "b", "a", null)).toBe(doc);
    expect(connect(doc, "a", "b", null)).toBe(doc);
    expect(connect(doc, "b", INPUT, null)).toBe(doc);
  });

  it("replaces the input of a one-input block, appends to a merge", () => {
    const doc = stack("a", "b");
    expect(connect(doc, INPUT, "b", 1).wires).toEqual([
      { source: INPUT, target: "a" },
      { source: INPUT, target: "b" },
    ]);
    expect(connect(doc, INPUT, "b", null).wires).toHaveLength(3);
  });

  it("renames a block with its wires; refuses a taken id", () => {
    const doc = { ...stack("a", "b"), output: "b" };
    const next = renameBlock(doc, "b", "head");
    expect(next.wires[1]).toEqual({ source: "a", target: "head" });
    expect(next.output).toBe("head");
    expect(renameBlock(doc, "b", "a")).toBe(doc);
    expect(renameBlock(doc, "b", INPUT)).toBe(doc);
  });

  it("pastes copies with fresh ids and the wires between them", () => {
    const doc = stack("a", "b", "c");
    const clip = copyBlocks(doc, new Set(["a", "b"]));
    const { doc: next, ids } = pasteClip(doc, clip, { x: 40, y: 40 });
    expect(ids).toEqual(["relu_1", "relu_2"]);
    expect(next.wires.at(-1)).toEqual({ source: "relu_1", target: "relu_2" });
    expect(next.blocks.find((b) => b.id === "relu_1")!.position).toEqual({ x: 40, y: STEP + 40 });
  });
});

describe("reconnecting a wire", () => {
  it("moves the source of a merge input and keeps its argument place", () => {
    const doc: Doc = {
      ...stack("a", "b"),
      blocks: [...stack("a", "b").blocks, { id: "sum", type: "Add", params: {}, position: { x: 0, y: 300 } }],
      wires: [...stack("a", "b").wires, { source: "b", target: "sum" }, { source: "a", target: "sum" }],
    };
    const next = reconnect(doc, { source: "b", target: "sum" }, { source: INPUT, target: "sum" }, null);
    expect(next.wires.filter((w) => w.target === "sum").map((w) => w.source)).toEqual([INPUT, "a"]);
  });

  it("moves the target end, and refuses a loop", () => {
    const doc = stack("a", "b", "c");
    const moved = reconnect(doc, { source: "a", target: "b" }, { source: "a", target: "c" }, 1);
    expect(moved.wires).toContainEqual({ source: "a", target: "c" });
    expect(moved.wires).not.toContainEqual({ source: "b", target: "c" }); // c takes one input
    expect(reconnect(doc, { source: "a", target: "b" }, { source: "c", target: "b" }, 1)).toBe(doc);
  });
});

describe("labelled inputs: the wire to slot k is argument k", () => {
  /** input -> q, input -> k (two sources) and an attention block with no inputs yet. */
  function attention(): Doc {
    const doc = stack("q", "k");
    return {
      ...doc,
      blocks: [...doc.blocks, { id: "mha", type: "MultiheadAttention", params: {}, position: { x: 0, y: 300 } }],
      wires: [{ source: INPUT, target: "q" }, { source: INPUT, target: "k" }],
    };
  }
  const args = (doc: Doc) => doc.wires.filter((w) => w.target === "mha").map((w) => w.source);

  it("puts each wire at its slot, whatever the order of wiring", () => {
    let doc = connect(attention(), "q", "mha", 3, 0);
    doc = connect(doc, "k", "mha", 3, 1);
    expect(args(doc)).toEqual(["q", "k"]);
    // The key first, then the query: the query still becomes argument 0.
    let other = connect(attention(), "k", "mha", 3, 0);
    other = connect(other, "q", "mha", 3, 0);
    expect(args(other)).toEqual(["q"]); // slot 0 taken again: replaced
    other = connect(connect(attention(), "k", "mha", 3), "q", "mha", 3);
    expect(args(other)).toEqual(["k", "q"]); // no slot: the next argument
  });

  it("a slot past the wired ones takes the next free argument", () => {
    const doc = connect(attention(), "k", "mha", 3, 2);
    expect(args(doc)).toEqual(["k"]);
    expect(argumentOf(doc, "k", "mha")).toBe(0);
  });

  it("replaces the wire already on a slot, keeping the others in place", () => {
    let doc = connect(connect(attention(), "q", "mha", 3, 0), "k", "mha", 3, 1);
    doc = connect(doc, INPUT, "mha", 3, 1);
    expect(args(doc)).toEqual(["q", INPUT]);
    doc = connect(doc, "k", "mha", 3, 0);
    expect(args(doc)).toEqual(["k", INPUT]);
  });

  it("moving a wire's end to another slot swaps it with the wire there", () => {
    let doc = connect(connect(attention(), "q", "mha", 3, 0), "k", "mha", 3, 1);
    doc = reconnect(doc, { source: "k", target: "mha" }, { source: "k", target: "mha" }, 3, 0);
    expect(args(doc)).toEqual(["k", "q"]);
    // Onto its own slot: nothing changes.
    expect(reconnect(doc, { source: "k", target: "mha" }, { source: "k", target: "mha" }, 3, 0)).toBe(doc);
    // A new source on a slot of the same block keeps the other wire.
    doc = reconnect(doc, { source: "q", target: "mha" }, { source: INPUT, target: "mha" }, 3, 1);
    expect(args(doc)).toEqual(["k", INPUT]);
  });

  it("refuses wires into a definition's inputs like into the model's", () => {
    const graph = { inlets: [{ id: "x", position: { x: 0, y: 0 } }], blocks: stack("a").blocks, wires: [{ source: "x", target: "a" }], output: null };
    expect(connect(graph, "a", "x", null)).toBe(graph);
    expect(renameBlock(graph, "a", "x")).toBe(graph);
    expect(stackTail({ ...graph, blocks: [], wires: [] })).toBe("x");
    expect(removeBlocks({ ...graph, output: "a" }, ["a"]).output).toBeNull();
  });
});
