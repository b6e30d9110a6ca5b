/**
 * In-app runs (the /api/runs API, docs/runs.md): start, follow, cancel, check, predict,
 * the example experiments, the runs this browser started (localStorage) and the
 * differences between the specs of runs to compare.
 *
 * The shapes below mirror builder/api/run_schemas.py (the OpenAPI document's RunOut & co.).
 */
import { ApiError } from "./api";
import type { Problem, Spec } from "./types";

export const MY_RUNS_KEY = "torchcanvas.myruns.v1";
const MAX_MY_RUNS = 50;

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Epoch {
  epoch: number;
  loss: number | null;
  val_loss: number | null;
  metric: number | null;
  lr: number | null;
  seconds: number | null;
}

export interface Progress {
  /** "starting": the worker generates the project and starts train.py. */
  stage?: "starting" | "training";
  epoch: number;
  batch: number;
  batches: number;
  loss?: number | null;
}

export interface Run {
  id: string;
  status: RunStatus;
  name: string;
  model_id: string | null;
  epochs: number;
  settings: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  progress: Progress | null;
  history: Epoch[];
  attempts: number;
  artifacts: string[];
  spec: Spec;
}

export interface CheckResult {
  loss: number | null;
  grads_finite: boolean;
  seconds_per_batch: number;
  seconds_per_epoch: number;
  batches: number;
  peak_memory_mb: number;
  parameters: number;
  device: string;
}

export interface Prediction {
  predicted: string | number;
  classes: string[];
  probabilities: number[];
}

export interface Experiment {
  name: string;
  title: string;
  description: string;
  example: string;
  variants: string[];
}

export interface MyRun {
  id: string;
  name: string;
  startedAt: string;
}

export const FINISHED: RunStatus[] = ["succeeded", "failed", "cancelled"];

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, [{ path: "", message: "the server cannot be reached", hint: "" }]);
  }
  if (!response.ok) {
    let problems: Problem[] = [];
    try {
      problems = (await response.json()).errors ?? [];
    } catch {
      problems = [{ path: "", message: `the server answered ${response.status}`, hint: "" }];
    }
    throw new ApiError(response.status, problems);
  }
  return response.json();
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

export const runUrl = (id: string) => `/api/runs/${encodeURIComponent(id)}`;
export const artifactUrl = (id: string, name: string) => `${runUrl(id)}/artifacts/${name}`;

export async function startRun(spec: Spec, epochs?: number): Promise<string> {
  const body = await call<{ id: string }>("/api/runs", json(epochs ? { spec, epochs } : { spec }));
  return body.id;
}

export const getRun = (id: string) => call<Run>(runUrl(id));
export const cancelRun = (id: string) => call<Run>(`${runUrl(id)}/cancel`, { method: "POST" });
export const checkSpec = (spec: Spec) => call<CheckResult>("/api/checks", json({ spec }));

export async function listExperiments(): Promise<Experiment[]> {
  return (await call<{ experiments: Experiment[] }>("/api/experiments")).experiments;
}

export async function startExperiment(name: string): Promise<{ label: string; id: string }[]> {
  const url = `/api/experiments/${encodeURIComponent(name)}/runs`;
  return (await call<{ runs: { label: string; id: string }[] }>(url, { method: "POST" })).runs;
}

/** Predict on an image or CSV file, or on CSV text (a header line and one row). */
export function predict(id: string, input: File | string): Promise<Prediction> {
  const form = new FormData();
  if (typeof input === "string") form.set("row", input);
  else form.set("file", input);
  return call<Prediction>(`${runUrl(id)}/predict`, { method: "POST", body: form });
}

export interface RunEvents {
  epoch: (epoch: Epoch) => void;
  progress: (progress: Progress) => void;
  status: (status: { status: RunStatus; error: string | null; metrics: Run["metrics"] }) => void;
  end: () => void;
}

/** Follow a run's Server-Sent Events; returns a function that stops following. */
export function follow(id: string, on: RunEvents): () => void {
  const source = new EventSource(`${runUrl(id)}/events`);
  const listen = <K extends keyof RunEvents>(name: K) =>
    source.addEventListener(name, (event) => {
      const data = JSON.parse((event as MessageEvent).data);
      if (name === "end") {
        source.close();
        on.end();
      } else {
        (on[name] as (d: unknown) => void)(data);
      }
    });
  listen("epoch");
  listen("progress");
  listen("status");
  listen("end");
  return () => source.close();
}

/** The run's history with `epoch` added (or replaced: a resumed run reports it again). */
export function withEpoch(history: Epoch[], epoch: Epoch): Epoch[] {
  return [...history.filter((e) => e.epoch !== epoch.epoch), epoch].sort((a, b) => a.epoch - b.epoch);
}

// the runs this browser started

export function loadMyRuns(storage: Storage = localStorage): MyRun[] {
  try {
    const list = JSON.parse(storage.getItem(MY_RUNS_KEY) ?? "[]");
    return Array.isArray(list) ? list.filter((r) => typeof r?.id === "string") : [];
  } catch {
    return [];
  }
}

export function rememberRun(run: MyRun, storage: Storage = localStorage): MyRun[] {
  const list = [run, ...loadMyRuns(storage).filter((r) => r.id !== run.id)].slice(0, MAX_MY_RUNS);
  storage.setItem(MY_RUNS_KEY, JSON.stringify(list));
  return list;
}

export function forgetRun(id: string, storage: Storage = localStorage): MyRun[] {
  const list = loadMyRuns(storage).filter((r) => r.id !== id);
  storage.setItem(MY_RUNS_KEY, JSON.stringify(list));
  return list;
}

// comparing specs

export interface Difference {
  /** e.g. "training.optimizer.params.weight_decay" or "nodes.drop1.params.p". */
  path: string;
  values: string[];
}

/** Leaf values of the parts of a spec that decide a run: training, input and blocks. */
export function flatten(spec: Spec): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
    } else {
      out.set(path, JSON.stringify(value));
    }
  };
  walk(spec.training ?? {}, "training");
  walk(spec.input ?? {}, "input");
  for (const node of spec.nodes ?? []) {
    walk({ type: node.type, params: node.params ?? {} }, `nodes.${node.id}`);
  }
  if (spec.edges) out.set("edges", JSON.stringify(spec.edges));
  return out;
}

/** What differs between the specs (one value per spec, "—" where a spec lacks it). */
export function specDifferences(specs: Spec[]): Difference[] {
  const flat = specs.map(flatten);
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  return paths
    .map((path) => ({ path, values: flat.map((f) => f.get(path) ?? "—") }))
    .filter((d) => new Set(d.values).size > 1);
}
