import { describe, expect, it } from "vitest";
import { INPUT, definitionOf, emptyDoc, specFromDoc, type Doc } from "./doc";
import { appendAfter, newBlock, updateBlock } from "./edit";
import * as H from "./history";
import {
  adoptDefinition,
  blockDefs,
  graphAt,
  removeDefinition,
  renameDefinition,
  setRepeat,
  usesOf,
  validScope,
  withGraph,
} from "./modules";
import { candidates, groupAsBlock, planGroup, ungroup, type Exposure } from "./grouping";
import { placeProblems } from "./problems";
import type { BlockDef, ModuleSpec, ParamDef } from "./types";

const param = (name: string, kind: ParamDef["kind"], extra: Partial<ParamDef> = {}): ParamDef => ({
  name, kind, default: null, required: false, inferred: false, min: null, max: null, exclusive_min: false,
  choices: null, length: null, nullable: false, data_path: false, doc: "", ...extra,
});
const block = (type: string, params: ParamDef[], extra: Partial<BlockDef> = {}): BlockDef => ({
  type, category: "Layers", colour: "#000", doc: "", min_inputs: 1, max_inputs: 1, slots: [], accepts: ["float32"],
  key_params: [], params, ...extra,
});
const CATALOG = [
  block("Conv2d", [param("in_channels", "int", { inferred: true }), param("out_channels", "int", { required: true }), param("kernel_size", "int_tuple", { default: 3 }), param("bias", "bool", { default: true })]),
  block("BatchNorm2d", [param("num_features", "int", { inferred: true }), param("eps", "float", { default: 1e-5 })]),
  block("ReLU", []),
  block("Add", [], { min_inputs: 2, max_inputs: null }),
];

/** input -> conv -> bn -> relu -> head, stacked. */
function model(): Doc {
  let doc: Doc = { ...emptyDoc(), input: { shape: [3, 8, 8] } };
  let after = INPUT;
  for (const [type, params] of [["Conv2d", { out_channels: 16 }], ["BatchNorm2d", {}], ["ReLU", {}], ["Conv2d", { out_channels: 4 }]] as const) {
    const b = newBlock(doc, type, { x: 0, y: 0 }, params);
    doc = appendAfter(doc, after, b);
    after = b.id;
  }
  return doc;
}
const defs = (doc: Doc) => blockDefs(CATALOG, {}, doc.modules);
const THREE = ["conv2d_1", "batch_norm2d_1", "relu_1"];

function grouped(exposures: Exposure[] = [{ block: "conv2d_1", param: "out_channels", name: "planes" }]) {
  const doc = model();
  const plan = planGroup(doc, THREE);
  if (!plan.ok) throw new Error(plan.reason);
  return groupAsBlock(doc, [], plan, "ConvBlock", exposures, candidates(doc, plan.ids, defs(doc)));
}

describe("group as block", () => {
  it("makes a definition with the exposed parameter and one instance wired in its place", () => {
    const { doc, id } = grouped();
    expect(id).toBe("conv_block_1");
    expect(doc.blocks.map((b) => b.type)).toEqual(["ConvBlock", "Conv2d"]);
    expect(doc.wires).toEqual([
      { source: "conv_block_1", target: "conv2d_2" },
      { source: INPUT, target: "conv_block_1" },
    ]);
    const { spec } = specFromDoc(doc);
    const { layout, ...definition } = spec.modules!.ConvBlock;
    expect(Object.keys(layout!)).toEqual(THREE);
    expect(definition).toEqual({
      params: { planes: { kind: "int", default: 16 } },
      inputs: ["x"],
      nodes: [
        { id: "conv2d_1", type: "Conv2d", params: { out_channels: { expr: "planes" } } },
        { id: "batch_norm2d_1", type: "BatchNorm2d" },
        { id: "relu_1", type: "ReLU" },
      ],
      output: "relu_1",
    });
    expect(spec.nodes.map((n) => n.id)).toEqual(["conv_block_1", "conv2d_2"]);
  });

  it("offers set and default parameters of the right kinds, never inferred ones", () => {
    const doc = model();
    const found = candidates(doc, THREE, defs(doc)).map((c) => `${c.block}.${c.param}=${String(c.value)}`);
    expect(found).toEqual(["conv2d_1.out_channels=16", "conv2d_1.bias=true", "batch_norm2d_1.eps=0.00001"]);
  });

  it("shares one parameter between inner blocks exposed under one name", () => {
    let doc = model();
    doc = updateBlock(doc, "conv2d_2", { params: { out_channels: 16 } });
    const ids = [...THREE, "conv2d_2"];
    const plan = planGroup(doc, ids);
    if (!plan.ok) throw new Error(plan.reason);
    const both = [
      { block: "conv2d_1", param: "out_channels", name: "planes" },
      { block: "conv2d_2", param: "out_channels", name: "planes" },
    ];
    const { doc: next } = groupAsBlock(doc, [], plan, "Two", both, candidates(doc, plan.ids, defs(doc)));
    const definition = specFromDoc(next).spec.modules!.Two;
    expect(Object.keys(definition.params!)).toEqual(["planes"]);
    expect(definition.nodes.filter((n) => (n.params?.out_channels as { expr?: string })?.expr === "planes")).toHaveLength(2);
  });

  it("refuses selections that are not one block", () => {
    const doc = model();
    expect(planGroup(doc, [])).toMatchObject({ ok: false });
    // Two blocks feeding the outside.
    const branch = { ...doc, wires: [...doc.wires, { source: "conv2d_1", target: "conv2d_2" }] };
    const two = planGroup(branch, ["conv2d_1", "batch_norm2d_1"]);
    expect(two.ok).toBe(false);
    expect(!two.ok && two.reason).toContain("both feed");
    // A block outside sits between selected ones.
    const gap = planGroup(doc, ["conv2d_1", "relu_1"]);
    expect(!gap.ok && gap.reason).toContain("batch_norm2d_1 sits between");
  });

  it("gives a definition several inputs, in wire order, for blocks fed from outside twice", () => {
    let doc = model();
    const add = newBlock(doc, "Add", { x: 0, y: 400 });
    doc = { ...doc, blocks: [...doc.blocks, add], wires: [...doc.wires, { source: "relu_1", target: add.id }, { source: "conv2d_1", target: add.id }] };
    const plan = planGroup(doc, [add.id]);
    expect(plan).toMatchObject({ ok: true, sources: ["relu_1", "conv2d_1"] });
    if (!plan.ok) return;
    const { doc: next, id } = groupAsBlock(doc, [], plan, "Merge", [], []);
    expect(next.modules.Merge.inlets.map((i) => i.id)).toEqual(["x1", "x2"]);
    expect(next.modules.Merge.wires).toEqual([
      { source: "x1", target: add.id },
      { source: "x2", target: add.id },
    ]);
    expect(next.wires.filter((w) => w.target === id).map((w) => w.source)).toEqual(["relu_1", "conv2d_1"]);
    expect(defs(next).get("Merge")).toMatchObject({ slots: ["x1", "x2"], min_inputs: 2, max_inputs: 2 });
  });

  it("inside a definition, passes on the parameters the grouped blocks reference", () => {
    const { doc } = grouped();
    const scope = ["ConvBlock"];
    const inner = graphAt(doc, scope);
    const plan = planGroup(inner, ["conv2d_1", "batch_norm2d_1"]);
    if (!plan.ok) throw new Error(plan.reason);
    const { doc: nested } = groupAsBlock(doc, scope, plan, "ConvBn", [], candidates(inner, plan.ids, defs(doc)));
    expect(nested.modules.ConvBn.params).toEqual({ planes: { kind: "int", default: 16 } });
    const use = nested.modules.ConvBlock.blocks.find((b) => b.type === "ConvBn")!;
    expect(use.params).toEqual({ planes: { expr: "planes" } });
    expect(Object.keys(nested.modules)).toEqual(["ConvBlock", "ConvBn"]);
  });
});

describe("instances", () => {
  it("a second use has its own values; editing the definition changes both", () => {
    let { doc } = grouped();
    const second = newBlock(doc, "ConvBlock", { x: 0, y: 0 }, { planes: 32 });
    doc = appendAfter(doc, "conv_block_1", second);
    expect(usesOf(doc).get("ConvBlock")).toBe(2);
    // Edit the definition: the ReLU becomes a GELU.
    const scope = ["ConvBlock"];
    const inner = graphAt(doc, scope);
    doc = withGraph(doc, scope, updateBlock(inner, "relu_1", { type: "GELU" }));
    const { spec } = specFromDoc(doc);
    expect(spec.modules!.ConvBlock.nodes.map((n) => n.type)).toEqual(["Conv2d", "BatchNorm2d", "GELU"]);
    expect(spec.nodes.filter((n) => n.type === "ConvBlock").map((n) => n.params ?? {})).toEqual([{}, { planes: 32 }]);
  });

  it("ungroup puts the definition's blocks back, with the instance's values", () => {
    const { doc } = grouped();
    const set = updateBlock(doc, "conv_block_1", { params: { planes: 24 } });
    const result = ungroup(set, [], "conv_block_1")!;
    expect(result.ids).toEqual(["conv_block_1_conv2d_1", "conv_block_1_batch_norm2d_1", "conv_block_1_relu_1"]);
    const { spec } = specFromDoc(result.doc);
    expect(spec.nodes.map((n) => [n.type, n.params])).toEqual([
      ["Conv2d", { out_channels: 24 }],
      ["BatchNorm2d", undefined],
      ["ReLU", undefined],
      ["Conv2d", { out_channels: 4 }],
    ]);
    expect(spec.edges).toBeUndefined(); // a plain chain again
    expect(spec.modules!.ConvBlock).toBeDefined(); // still in the palette
  });

  it("ungroup takes arithmetic the analysis worked out, and refuses without it", () => {
    const { doc } = grouped();
    const wide = withGraph(doc, ["ConvBlock"], updateBlock(graphAt(doc, ["ConvBlock"]), "conv2d_1", { params: { out_channels: { expr: "planes * 4" } } }));
    expect(ungroup(wide, [], "conv_block_1")).toBeNull();
    const result = ungroup(wide, [], "conv_block_1", { conv2d_1: { in_channels: 3, out_channels: 64 } })!;
    expect(result.doc.blocks[0].params).toEqual({ out_channels: 64 });
  });

  it("repeat stacks N; ungrouping a repeat chains N copies", () => {
    const { doc } = grouped();
    const repeated = setRepeat(doc, "conv_block_1", 3);
    expect(specFromDoc(repeated).spec.nodes[0]).toMatchObject({ type: "ConvBlock", repeat: 3 });
    expect(setRepeat(repeated, "conv_block_1", 1).blocks[0].repeat).toBeUndefined();
    const { doc: unpacked } = ungroup(repeated, [], "conv_block_1")!;
    expect(unpacked.blocks).toHaveLength(3 * 3 + 1);
    expect(unpacked.wires).toContainEqual({ source: "conv_block_1_1_relu_1", target: "conv_block_1_2_conv2d_1" });
    expect(unpacked.wires).toContainEqual({ source: "conv_block_1_3_relu_1", target: "conv2d_2" });
  });

  it("renames a definition everywhere it is used, and removes one no block uses", () => {
    const { doc } = grouped();
    const renamed = renameDefinition(doc, "ConvBlock", "Stem");
    expect(Object.keys(renamed.modules)).toEqual(["Stem"]);
    expect(renamed.blocks[0].type).toBe("Stem");
    expect(removeDefinition(renamed, "Stem")).toBe(renamed);
    const { doc: unpacked } = ungroup(renamed, [], "conv_block_1")!;
    expect(removeDefinition(unpacked, "Stem").modules).toEqual({});
  });

  it("undo takes a group back in one step, redo does it again", () => {
    const before = model();
    let history = H.start(before);
    const plan = planGroup(before, THREE);
    if (!plan.ok) throw new Error(plan.reason);
    const after = groupAsBlock(before, [], plan, "ConvBlock", [], []).doc;
    history = H.record(history, after);
    history = H.undo(history);
    expect(history.present).toBe(before);
    expect(validScope(history.present, ["ConvBlock"])).toEqual([]);
    history = H.redo(history);
    expect(history.present.modules.ConvBlock).toBeDefined();
  });

  it("places problems inside a definition on its blocks", () => {
    const { doc } = grouped();
    const { modules } = specFromDoc(doc);
    const problems = [
      { path: "/modules/ConvBlock/nodes/1/params/eps", message: "bad", hint: "" },
      { path: "/nodes/1", message: "elsewhere", hint: "" },
    ];
    const placed = placeProblems(problems, modules.ConvBlock.nodeIds, "ConvBlock");
    expect(placed.nodes.get("batch_norm2d_1")).toHaveLength(1);
    expect(placed.model).toHaveLength(1);
  });
});

describe("the library", () => {
  const library: Record<string, ModuleSpec> = {
    Inner: { params: {}, inputs: ["x"], nodes: [{ id: "act", type: "ReLU" }], output: "act" },
    Outer: { params: {}, inputs: ["x"], nodes: [{ id: "a", type: "Inner" }, { id: "b", type: "Inner" }], output: "b" },
  };

  it("brings a definition in with the ones it uses, used ones first", () => {
    const doc = adoptDefinition(emptyDoc(), "Outer", library, definitionOf);
    expect(Object.keys(doc.modules)).toEqual(["Inner", "Outer"]);
    expect(adoptDefinition(doc, "Outer", library, definitionOf)).toBe(doc);
  });
});
