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

describe("typed input and reusable blocks in the spec", () => {
  it("keeps dtype and vocabulary of token ids, and drops them for features", () => {
    const tokens: Spec = { ...chain, input: { shape: [64], dtype: "int64", vocab_size: 256 } };
    const { spec } = specFromDoc(docFromSpec(tokens).doc);
    expect(spec.input).toEqual({ shape: [64], dtype: "int64", vocab_size: 256 });
    const features: Spec = { ...chain, input: { shape: [4], dtype: "float32", vocab_size: null } };
    expect(specFromDoc(docFromSpec(features).doc).spec.input).toEqual({ shape: [4] });
  });

  const blocks: Spec = {
    format: "torchcanvas.model",
    version: 1,
    name: "Blocks",
    input: { shape: [8] },
    modules: {
      Residual: {
        params: { width: { kind: "int", default: 8, min: 1 } },
        inputs: ["x"],
        nodes: [
          { id: "fc", type: "Linear", params: { out_features: { expr: "width" } } },
          { id: "add", type: "Add" },
        ],
        edges: [
          { source: "x", target: "fc" },
          { source: "fc", target: "add" },
          { source: "x", target: "add" },
        ],
        output: "add",
      },
      Pair: {
        params: {},
        inputs: ["x"],
        nodes: [{ id: "one", type: "Residual" }, { id: "two", type: "Residual", params: { width: 8 } }],
        output: "two",
      },
    },
    nodes: [
      { id: "first", type: "Pair" },
      { id: "rest", type: "Residual", params: { width: 8 }, repeat: 3 },
    ],
  };

  it("round-trips definitions, their inputs and edges, instances and repeats", () => {
    const { doc } = docFromSpec(blocks);
    expect(Object.keys(doc.modules)).toEqual(["Residual", "Pair"]);
    expect(doc.modules.Residual.inlets.map((i) => i.id)).toEqual(["x"]);
    expect(doc.modules.Pair.wires).toEqual([
      { source: "x", target: "one" },
      { source: "one", target: "two" },
    ]);
    expect(doc.blocks[1].repeat).toBe(3);
    const { spec, modules } = specFromDoc(doc);
    expect(spec.modules).toMatchObject(blocks.modules!);
    expect(Object.keys(spec.modules!.Residual.layout!)).toEqual(["fc", "add"]); // inner positions kept
    expect(specFromDoc(docFromSpec(spec).doc).spec).toEqual(spec);
    expect(spec.nodes).toEqual(blocks.nodes);
    expect(modules.Residual.nodeIds).toEqual(["fc", "add"]);
    expect(modules.Residual.edgeWires).toHaveLength(3);
    expect(modules.Pair.edgeWires).toEqual([]); // a chain: no edges written
  });
});
