import { describe, expect, it } from "vitest";
import { INPUT, docFromSpec, emptyDoc, specFromDoc, topologicalOrder } from "./doc";
import type { Spec } from "./types";

const chain: Spec = {
  format: "torchcanvas.model",
  version: 1,
  name: "Chain",
  input: { shape: [4] },
  nodes: [
    { id: "fc1", type: "Linear", params: { out_features: 8 } },
    { id: "act", type: "ReLU" },
    { id: "fc2", type: "Linear", params: { out_features: 1 } },
  ],
  training: { epochs: 3 },
};

const residual: Spec = {
  format: "torchcanvas.model",
  version: 1,
  name: "Residual",
  tags: ["dag"],
  input: { shape: [8] },
  nodes: [
    { id: "a", type: "Linear", params: { out_features: 8 } },
    { id: "b", type: "Linear", params: { out_features: 8 } },
    { id: "sum", type: "Add" },
  ],
  edges: [
    { source: "input", target: "a" },
    { source: "input", target: "b" },
    { source: "b", target: "sum" },
    { source: "a", target: "sum" },
  ],
  output: "sum",
  layout: { input: { x: 0, y: 0 }, a: { x: -100, y: 90 }, b: { x: 100, y: 90 }, sum: { x: 0, y: 180 } },
};

describe("spec <-> document", () => {
  it("reads a spec without edges as a chain from the input", () => {
    const { doc, positioned } = docFromSpec(chain);
    expect(positioned).toBe(false);
    expect(doc.wires).toEqual([
      { source: INPUT, target: "fc1" },
      { source: "fc1", target: "act" },
      { source: "act", target: "fc2" },
    ]);
  });

  it("writes a chain back without edges, nodes and params unchanged", () => {
    const { spec, nodeIds } = specFromDoc(docFromSpec(chain).doc);
    expect(spec.edges).toBeUndefined();
    expect(spec.nodes).toEqual(chain.nodes);
    expect(spec.training).toEqual(chain.training);
    expect(nodeIds).toEqual(["fc1", "act", "fc2"]);
  });

  it("round-trips a DAG: edges, merge input order, output, layout and tags", () => {
    const { spec, edgeWires } = specFromDoc(docFromSpec(residual).doc);
    expect(spec.nodes.map((n) => n.id)).toEqual(["a", "b", "sum"]);
    expect(spec.edges).toEqual([
      { source: "input", target: "a" },
      { source: "input", target: "b" },
      { source: "b", target: "sum" },
      { source: "a", target: "sum" },
    ]);
    expect(edgeWires).toHaveLength(4);
    expect(spec.output).toBe("sum");
    expect(spec.tags).toEqual(["dag"]);
    expect(spec.layout).toEqual(residual.layout);
    expect(specFromDoc(docFromSpec(spec).doc).spec).toEqual(spec);
  });

  it("orders nodes topologically even when the list order was not", () => {
    const { doc } = docFromSpec(residual);
    const shuffled = { ...doc, blocks: [...doc.blocks].reverse() };
    expect(topologicalOrder(shuffled)).toEqual(["a", "b", "sum"]);
  });

  it("keeps blocks on a cycle so the server can report it", () => {
    const doc = {
      ...emptyDoc(),
      blocks: [
        { id: "x", type: "ReLU", params: {}, position: { x: 0, y: 0 } },
        { id: "y", type: "ReLU", params: {}, position: { x: 0, y: 90 } },
      ],
      wires: [
        { source: "x", target: "y" },
        { source: "y", target: "x" },
      ],
    };
    expect(topologicalOrder(doc).sort()).toEqual(["x", "y"]);
    expect(specFromDoc(doc).spec.edges).toHaveLength(2);
  });

  it("leaves undefined params out and keeps a model without training", () => {
    const doc = {
      ...emptyDoc(),
      training: null,
      blocks: [{ id: "fc", type: "Linear", params: { out_features: 2, bias: undefined }, position: { x: 0, y: 90 } }],
      wires: [{ source: INPUT, target: "fc" }],
    };
    const { spec } = specFromDoc(doc);
    expect(spec.nodes).toEqual([{ id: "fc", type: "Linear", params: { out_features: 2 } }]);
    expect("training" in spec).toBe(false);
  });
});
