import ELK from "elkjs/lib/elk.bundled.js";
import { describe, expect, it } from "vitest";
import { INPUT, docFromSpec, emptyDoc, type Doc } from "./doc";
import { overlappingPairs, polylineCrosses, type Rect, type Sizes } from "./geometry";
import { arrange, layoutKey, placeBlocks, type Direction } from "./layout";
import { wireId } from "./slots";
import type { BlockDef, Spec } from "./types";

const elk = new ELK();
const EXAMPLES = import.meta.glob<Spec>("../../../examples/*.json", { eager: true, import: "default" });
/** The catalog facts the layout reads: merge blocks take several inputs. */
const DEFS = new Map<string, BlockDef>([
  ...["Add", "Concat"].map((type): [string, BlockDef] => [
    type,
    {
      type, category: "Merge", colour: "#000", doc: "", min_inputs: 2, max_inputs: null,
      slots: [], accepts: ["float32"], key_params: [], params: [],
    },
  ]),
  [
    "MultiheadAttention",
    {
      type: "MultiheadAttention", category: "Attention", colour: "#000", doc: "", min_inputs: 1, max_inputs: 3,
      slots: ["query", "key", "value"], accepts: ["float32"], key_params: [], params: [],
    },
  ],
]);

function examples(): [string, Doc][] {
  return Object.entries(EXAMPLES).map(([path, spec]) => [path.split("/").pop()!, docFromSpec(spec).doc]);
}

/** Every block a little taller than the default, some much taller (an error message). */
function sizesOf(doc: Doc): Sizes {
  return new Map(
    [INPUT, ...doc.blocks.map((b) => b.id)].map((id, i) => [id, { width: 200, height: i % 3 === 1 ? 140 : 70 }]),
  );
}

async function check(doc: Doc, direction: Direction) {
  const sizes = sizesOf(doc);
  const { positions, routes } = await arrange(elk, doc, sizes, direction, DEFS);
  const boxes = new Map<string, Rect>(
    [...positions].map(([id, p]) => [id, { ...p, ...sizes.get(id)! }]),
  );
  expect(overlappingPairs(boxes)).toEqual([]);
  for (const wire of doc.wires) {
    const route = routes.get(wireId(wire));
    expect(route, wireId(wire)).toBeDefined();
    for (const [id, box] of boxes) {
      const crossed = polylineCrosses(route!, box, 1);
      expect(crossed, `${wireId(wire)} passes under ${id}`).toBe(false);
    }
  }
  return { positions, routes, boxes };
}

describe("auto-layout", () => {
  for (const direction of ["DOWN", "RIGHT"] as Direction[]) {
    it(`lays out every example ${direction} without overlaps or wires under blocks`, async () => {
      for (const [, doc] of examples()) await check(doc, direction);
    });
  }

  it("routes the skip connection of a residual block beside the branch", async () => {
    const [, doc] = examples().find(([name]) => name === "digits-resnet.json")!;
    const { routes, boxes } = await check(doc, "DOWN");
    const skip = doc.wires.find((w) => w.source === "stem_act" && w.target === "residual");
    expect(skip).toBeDefined();
    const route = routes.get(wireId(skip!))!;
    expect(route.length).toBeGreaterThan(2); // it bends around the branch
    for (const id of ["conv_a", "conv_b"]) expect(polylineCrosses(route, boxes.get(id)!, 0)).toBe(false);
  });

  it("starts the wires leaving one block at separate points", async () => {
    const doc: Doc = {
      ...emptyDoc(),
      blocks: ["a", "b", "c", "d"].map((id) => ({ id, type: "ReLU", params: {}, position: { x: 0, y: 0 } })),
      wires: [
        { source: INPUT, target: "a" },
        { source: "a", target: "b" },
        { source: "a", target: "c" },
        { source: "a", target: "d" },
      ],
    };
    const { routes } = await check(doc, "DOWN");
    const starts = ["b", "c", "d"].map((t) => routes.get(`a->${t}`)![0].x);
    expect(new Set(starts).size).toBe(3);
  });

  it("brings a merge block's inputs in left to right in argument order", async () => {
    const doc: Doc = {
      ...emptyDoc(),
      blocks: [
        { id: "left", type: "ReLU", params: {}, position: { x: 0, y: 0 } },
        { id: "right", type: "ReLU", params: {}, position: { x: 300, y: 0 } },
        { id: "sum", type: "Add", params: {}, position: { x: 0, y: 0 } },
      ],
      wires: [
        { source: INPUT, target: "left" },
        { source: INPUT, target: "right" },
        { source: "right", target: "sum" },
        { source: "left", target: "sum" },
      ],
    };
    const { routes } = await check(doc, "DOWN");
    const end = (source: string) => routes.get(`${source}->sum`)!.at(-1)!.x;
    expect(end("right")).toBeLessThan(end("left")); // "right" is the first argument
  });

  it("is stable when siblings differ in height, and a sibling moved across swaps places", async () => {
    const doc: Doc = {
      ...emptyDoc(),
      blocks: ["a", "b", "c"].map((id) => ({ id, type: "ReLU", params: {}, position: { x: 0, y: 0 } })),
      wires: [
        { source: INPUT, target: "a" },
        { source: "a", target: "b" },
        { source: "a", target: "c" },
      ],
    };
    const sizes: Sizes = new Map(
      [INPUT, "a", "b", "c"].map((id) => [id, { width: 200, height: id === "c" ? 140 : 60 }]),
    );
    const once = placeBlocks(doc, (await arrange(elk, doc, sizes, "DOWN", DEFS)).positions);
    const twice = placeBlocks(once, (await arrange(elk, once, sizes, "DOWN", DEFS)).positions);
    expect(layoutKey(twice, sizes, "DOWN")).toBe(layoutKey(once, sizes, "DOWN"));
    expect(twice.blocks).toEqual(once.blocks);
    const x = (d: Doc, id: string) => d.blocks.find((b) => b.id === id)!.position.x;
    expect(x(once, "b")).toBeLessThan(x(once, "c"));
    // Drag b to the right of c: the next layout keeps it there.
    const moved = { ...once, blocks: once.blocks.map((b) => (b.id === "b" ? { ...b, position: { ...b.position, x: x(once, "c") + 50 } } : b)) };
    const swapped = placeBlocks(moved, (await arrange(elk, moved, sizes, "DOWN", DEFS)).positions);
    expect(x(swapped, "b")).toBeGreaterThan(x(swapped, "c"));
  });

  it("keeps the key of an unchanged document, and moves only what the layout moved", async () => {
    const [, doc] = examples()[0];
    const sizes = sizesOf(doc);
    expect(layoutKey(doc, sizes, "DOWN")).toBe(layoutKey({ ...doc }, new Map(sizes), "DOWN"));
    expect(layoutKey(doc, sizes, "DOWN")).not.toBe(layoutKey(doc, sizes, "RIGHT"));
    const { positions } = await arrange(elk, doc, sizes, "DOWN", DEFS);
    const placed = placeBlocks(doc, positions);
    expect(placeBlocks(placed, positions)).toBe(placed);
  });

  it("ends the wires into labelled inputs at their handles, in both directions", async () => {
    const doc: Doc = {
      ...emptyDoc(),
      blocks: [
        { id: "q", type: "ReLU", params: {}, position: { x: 0, y: 0 } },
        { id: "k", type: "ReLU", params: {}, position: { x: 0, y: 0 } },
        { id: "mha", type: "MultiheadAttention", params: {}, position: { x: 0, y: 0 } },
      ],
      wires: [
        { source: INPUT, target: "q" },
        { source: INPUT, target: "k" },
        { source: "k", target: "mha" }, // the query, though k stands on the right
        { source: "q", target: "mha" },
      ],
    };
    for (const direction of ["DOWN", "RIGHT"] as Direction[]) {
      const { routes, boxes } = await check(doc, direction);
      const box = boxes.get("mha")!;
      const end = (source: string) => routes.get(wireId({ source, target: "mha" }))!.at(-1)!;
      if (direction === "DOWN") {
        expect(end("k")).toEqual({ x: Math.round(box.x + box.width / 4), y: box.y });
        expect(end("q")).toEqual({ x: Math.round(box.x + box.width / 2), y: box.y });
      } else {
        expect(end("k")).toEqual({ x: box.x, y: Math.round(box.y + box.height / 4) });
        expect(end("q")).toEqual({ x: box.x, y: Math.round(box.y + box.height / 2) });
      }
    }
  });

  it("lays out a definition being edited: its inputs on top, an instance as one block", async () => {
    const definition = {
      inlets: [
        { id: "x1", position: { x: 0, y: 0 } },
        { id: "x2", position: { x: 0, y: 0 } },
      ],
      blocks: [
        { id: "inner", type: "Block", params: {}, repeat: 3, position: { x: 0, y: 0 } },
        { id: "sum", type: "Add", params: {}, position: { x: 0, y: 0 } },
      ],
      wires: [
        { source: "x1", target: "inner" },
        { source: "inner", target: "sum" },
        { source: "x2", target: "sum" },
      ],
      output: "sum",
    };
    const sizes: Sizes = new Map(["x1", "x2", "inner", "sum"].map((id) => [id, { width: 200, height: 70 }]));
    const { positions } = await arrange(elk, definition, sizes, "DOWN", DEFS);
    const boxes = new Map<string, Rect>([...positions].map(([id, p]) => [id, { ...p, width: 200, height: 70 }]));
    expect(overlappingPairs(boxes)).toEqual([]);
    expect(positions.get("x1")!.y).toBeLessThan(positions.get("inner")!.y);
    expect(positions.get("inner")!.y).toBeLessThan(positions.get("sum")!.y);
    expect(layoutKey(definition, sizes, "DOWN")).toContain("x2:200x70");
  });
});
