/** Calls to the Flask JSON API. Every error body is `{"errors": [{path, message, hint}]}`. */
import type { Analysis, ArchitectureInfo, Catalog, ExampleInfo, Problem, Spec } from "./types";

export class ApiError extends Error {
  constructor(
    public status: number,
    public problems: Problem[],
    /** Seconds to wait before asking again (429 and 503 answers say so). */
    public retryAfter: number | null = null,
  ) {
    super(problems.map((p) => p.message).join("; ") || `HTTP ${status}`);
  }
}

function seconds(header: string | null): number | null {
  const value = Number(header);
  return header !== null && Number.isFinite(value) && value >= 0 ? value : null;
}

async function request(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok && response.status !== 422) {
    let problems: Problem[] = [];
    try {
      problems = (await response.json()).errors ?? [];
    } catch {
      problems = [{ path: "", message: `the server answered ${response.status}`, hint: "" }];
    }
    throw new ApiError(response.status, problems, seconds(response.headers.get("Retry-After")));
  }
  return response;
}

function postJson(body: unknown, signal?: AbortSignal): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  };
}

export async function fetchCatalog(): Promise<Catalog> {
  return (await request("/api/catalog")).json();
}

export async function listExamples(): Promise<ExampleInfo[]> {
  return (await request("/api/examples")).json();
}

export async function fetchExample(name: string): Promise<Spec> {
  return (await request(`/api/examples/${encodeURIComponent(name)}`)).json();
}

/** torchvision's models, imported beforehand, that this server takes. */
export async function listArchitectures(): Promise<ArchitectureInfo[]> {
  return (await request("/api/architectures")).json().then((body) => body.architectures);
}

export async function fetchArchitecture(name: string): Promise<Spec> {
  return (await request(`/api/architectures/${encodeURIComponent(name)}`)).json();
}

/** The spec of an ONNX file (the server parses it; unsupported ops come back as problems). */
export async function importOnnx(file: File): Promise<Spec> {
  const form = new FormData();
  form.append("file", file);
  const response = await request("/api/import/onnx", { method: "POST", body: form });
  const body = await response.json();
  if (response.status === 422) throw new ApiError(422, body.errors ?? []);
  return body.spec;
}

/** The analysis of a spec; invalid specs (422) carry their problems in `errors`. */
export async function validate(spec: Spec, signal?: AbortSignal): Promise<Analysis> {
  const response = await request("/api/validate", postJson(spec, signal));
  const body = await response.json();
  return {
    valid: false,
    nodes: {},
    order: [],
    output_shape: null,
    total_params: null,
    trainable_params: null,
    size_mb: null,
    task: null,
    ...body,
    errors: body.errors ?? [],
  };
}

/** The generated files, or null when the spec is invalid. */
export async function generateFiles(
  spec: Spec,
  signal?: AbortSignal,
): Promise<Record<string, string> | null> {
  const response = await request("/api/generate?format=json", postJson(spec, signal));
  if (response.status === 422) return null;
  return (await response.json()).files;
}

export interface Download {
  blob: Blob;
  filename: string;
}

/** A file the server sends as an attachment; 422 (an invalid spec) throws its problems. */
async function download(url: string, spec: Spec, fallback: string): Promise<Download> {
  const response = await request(url, postJson(spec));
  if (response.status === 422) {
    throw new ApiError(422, (await response.json()).errors ?? []);
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : fallback };
}

export function downloadZip(spec: Spec): Promise<Download> {
  return download("/api/generate", spec, "model.zip");
}

/** The picture of the graph, drawn by the server as on a model page. */
export function downloadGraph(spec: Spec, format: "svg" | "png"): Promise<Download> {
  return download(`/api/graph?format=${format}`, spec, `graph.${format}`);
}
