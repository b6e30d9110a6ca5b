import { describe, expect, it } from "vitest";
import { flatten, forgetRun, loadMyRuns, rememberRun, specDifferences, withEpoch, type Epoch } from "./runs";
import type { Spec } from "./types";

const spec = (weightDecay: number, p = 0.2): Spec => ({
  format: "torchcanvas.model",
  version: 1,
  name: "MLP",
  input: { shape: [64] },
  nodes: [
    { id: "fc", type: "Linear", params: { out_features: 32 } },
    { id: "drop", type: "Dropout", params: { p } },
  ],
  training: { epochs: 5, optimizer: { type: "SGD", params: { lr: 0.1, weight_decay: weightDecay } } },
});

class MemoryStorage {
  private items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
}

describe("comparing specs", () => {
  it("lists the training settings and block parameters that differ", () => {
    expect(specDifferences([spec(0), spec(0.01)])).toEqual([
      { path: "training.optimizer.params.weight_decay", values: ["0", "0.01"] },
    ]);
    expect(specDifferences([spec(0, 0), spec(0, 0.5), spec(0, 0.5)])).toEqual([
      { path: "nodes.drop.params.p", values: ["0", "0.5", "0.5"] },
    ]);
  });

  it("marks what one spec lacks and ignores names and layout", () => {
    const other = { ...spec(0), name: "another", nodes: [...spec(0).nodes, { id: "out", type: "ReLU" }] };
    expect(specDifferences([spec(0), other])).toEqual([
      { path: "nodes.out.type", values: ["—", '"ReLU"'] },
    ]);
    expect(flatten(spec(0)).get("nodes.fc.params.out_features")).toBe("32");
  });
});

describe("history", () => {
  const epoch = (n: number, loss: number): Epoch => ({ epoch: n, loss, val_loss: null, metric: null, lr: null, seconds: 1 });

  it("keeps epochs in order and replaces one reported again after a resume", () => {
    const history = withEpoch(withEpoch([epoch(1, 0.9)], epoch(3, 0.5)), epoch(2, 0.7));
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(withEpoch(history, epoch(3, 0.4)).map((e) => e.loss)).toEqual([0.9, 0.7, 0.4]);
  });
});

describe("my runs", () => {
  it("remembers the newest first, once each, and forgets", () => {
    const storage = new MemoryStorage() as unknown as Storage;
    rememberRun({ id: "a", name: "A", startedAt: "1" }, storage);
    rememberRun({ id: "b", name: "B", startedAt: "2" }, storage);
    rememberRun({ id: "a", name: "A", startedAt: "3" }, storage);
    expect(loadMyRuns(storage).map((r) => r.id)).toEqual(["a", "b"]);
    expect(forgetRun("a", storage).map((r) => r.id)).toEqual(["b"]);
  });

  it("survives a broken entry in storage", () => {
    const storage = new MemoryStorage() as unknown as Storage;
    storage.setItem("torchcanvas.myruns.v1", "{not json");
    expect(loadMyRuns(storage)).toEqual([]);
  });
});
