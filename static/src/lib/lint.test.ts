import { describe, expect, it } from "vitest";
import { INPUT, emptyDoc, type Doc } from "./doc";
import { lint } from "./lint";

function model(types: string[], loss?: string): Doc {
  const ids = types.map((t, i) => `${t.toLowerCase()}_${i}`);
  return {
    ...emptyDoc(),
    blocks: types.map((type, i) => ({ id: ids[i], type, params: {}, position: { x: 0, y: 0 } })),
    wires: ids.map((id, i) => ({ source: i ? ids[i - 1] : INPUT, target: id })),
    training: loss ? { loss: { type: loss } } : {},
  };
}

describe("advice", () => {
  it("warns about Linear -> Softmax trained with CrossEntropyLoss", () => {
    const warnings = lint(model(["Flatten", "Linear", "Softmax"], "CrossEntropyLoss"), null);
    expect([...warnings.keys()]).toEqual(["softmax_2"]);
    expect(warnings.get("softmax_2")![0].message).toMatch(/Linear → Softmax with CrossEntropyLoss/);
  });

  it("counts the automatic loss of a classification task", () => {
    const analysis = { task: "classification" } as Parameters<typeof lint>[1];
    expect(lint(model(["Linear", "Softmax"]), analysis).size).toBe(1);
  });

  it("says nothing for logits, for other losses, or for a model only", () => {
    expect(lint(model(["Linear"], "CrossEntropyLoss"), null).size).toBe(0);
    expect(lint(model(["Linear", "Softmax"], "MSELoss"), null).size).toBe(0);
    expect(lint({ ...model(["Linear", "Softmax"], "CrossEntropyLoss"), training: null }, null).size).toBe(0);
  });
});
