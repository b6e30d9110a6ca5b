import { describe, expect, it } from "vitest";
import { INPUT, type Doc, emptyDoc } from "./doc";
import { dropTarget } from "./drop";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";

const doc: Doc = {
  ...emptyDoc(),
  blocks: [
    { id: "a", type: "ReLU", params: {}, position: { x: 0, y: 100 } },
    { id: "far", type: "ReLU", params: {}, position: { x: 0, y: 600 } },
  ],
  wires: [
    { source: INPUT, target: "a" },
    { source: "a", target: "far" },
  ],
};

describe("drop targets", () => {
  it("stacks under the block just above the drop point", () => {
    expect(dropTarget(doc, { x: NODE_WIDTH / 2, y: 100 + NODE_HEIGHT + 20 })).toEqual({ kind: "append", after: "a" });
  });

  it("inserts into a long wire when dropped on it", () => {
    expect(dropTarget(doc, { x: NODE_WIDTH / 2 + 5, y: 400 })).toEqual({ kind: "wire", index: 1 });
  });

  it("places freely elsewhere", () => {
    expect(dropTarget(doc, { x: 900, y: 400 })).toEqual({ kind: "free" });
  });
});

describe("drop targets along drawn wires", () => {
  it("follows a wire's route, not the straight line between its blocks", () => {
    const routes = new Map([["a->far", [{ x: 100, y: 164 }, { x: 100, y: 200 }, { x: 400, y: 200 }, { x: 400, y: 600 }]]]);
    expect(dropTarget(doc, { x: 405, y: 400 }, new Map(), routes)).toEqual({ kind: "wire", index: 1 });
    expect(dropTarget(doc, { x: NODE_WIDTH / 2 + 5, y: 400 }, new Map(), routes)).toEqual({ kind: "free" });
  });

  it("stacks to the right of a block when the layout goes across", () => {
    const point = { x: NODE_WIDTH + 20, y: 100 + NODE_HEIGHT / 2 };
    expect(dropTarget(doc, point, new Map(), new Map(), "RIGHT")).toEqual({ kind: "append", after: "a" });
  });
});
