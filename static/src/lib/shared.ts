/**
 * Stored models (the /api/models API): save, update, fork, load, delete, and the list of
 * "my models" this browser holds edit tokens for (localStorage).
 *
 * Errors are `ShareError`s whose message says what happened and what to do.
 */
import type { Problem, Spec } from "./types";
import { withoutLayout } from "./doc";

export const MY_MODELS_KEY = "torchcanvas.mymodels.v1";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A model this browser saved or forked, with the token that lets it change or delete it. */
export interface MyModel {
  id: string;
  name: string;
  edit_token: string;
  /** The ETag of the revision this browser last saved or loaded, e.g. `"r2"`. */
  etag: string;
  /** ISO 8601 time of the last save. */
  savedAt: string;
  /** The model this one is a fork of. */
  forkedFrom?: string;
}

export interface Created {
  id: string;
  edit_token: string;
  url: string;
  etag: string;
}

export interface Forked extends Created {
  forked_from: string;
  forked_from_revision: number;
}

export interface StoredModel {
  id: string;
  spec: Spec;
  name: string;
  revision: number;
  forked_from: string | null;
  etag: string;
}

export class ShareError extends Error {
  constructor(
    public status: number,
    message: string,
    public problems: Problem[] = [],
  ) {
    super(message);
    this.name = "ShareError";
  }
}

/** What to tell the user about a failed call; `status` 0 is a network failure. */
export function errorMessage(status: number, problems: Problem[], retryAfter?: string | null): string {
  const first = problems[0];
  switch (status) {
    case 0:
      return "Could not reach the server: check the connection and try again.";
    case 401:
    case 403:
      return "This model was saved by someone else (its edit token does not fit): save it as a copy instead.";
    case 404:
      return "No such model: it may have been deleted. Check the link.";
    case 409:
      return "Someone saved a newer version: reload or save as a copy.";
    case 413:
      return "The model is too large to save.";
    case 422: {
      if (!first) return "The model has problems: fix them before sharing.";
      const where = first.path ? `${first.path}: ` : "";
      return `The model has problems (${where}${first.message}); fix them before sharing.`;
    }
    case 429: {
      const seconds = Number(retryAfter);
      const wait = retryAfter && Number.isFinite(seconds) && seconds > 0 ? `${Math.ceil(seconds)} s` : "a moment";
      return `Too many saves in a short time: try again in ${wait}.`;
    }
    default:
      return first
        ? `The server could not do it (${status}): ${first.message}`
        : `The server could not do it (HTTP ${status}); try again later.`;
  }
}

async function problemsOf(response: Response): Promise<Problem[]> {
  try {
    const body = await response.json();
    return Array.isArray(body?.errors) ? (body.errors as Problem[]) : [];
  } catch {
    return [];
  }
}

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ShareError(0, errorMessage(0, []));
  }
  if (!response.ok) {
    const problems = await problemsOf(response);
    throw new ShareError(
      response.status,
      errorMessage(response.status, problems, response.headers.get("Retry-After")),
      problems,
    );
  }
  return response;
}

const modelUrl = (id: string) => `/api/models/${encodeURIComponent(id)}`;

function jsonInit(method: string, spec: Spec, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(spec),
  };
}

async function created(response: Response): Promise<Created> {
  const body = await response.json();
  return {
    id: body.id,
    edit_token: body.edit_token,
    url: body.url,
    etag: response.headers.get("ETag") ?? '"r1"',
  };
}

async function stored(response: Response): Promise<StoredModel> {
  const body = await response.json();
  return {
    id: body.id,
    spec: body.spec,
    name: body.name ?? body.spec?.name ?? "",
    revision: body.revision,
    forked_from: body.forked_from ?? null,
    etag: response.headers.get("ETag") ?? `"r${body.revision}"`,
  };
}

/** Save a new model; the response's `url` is its public page. */
export async function saveNew(spec: Spec): Promise<Created> {
  return created(await call("/api/models", jsonInit("POST", spec)));
}

/** Save `spec` as the next revision; 409 (ShareError) when `etag` is no longer current. */
export async function update(id: string, token: string, spec: Spec, etag: string | null): Promise<StoredModel> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (etag) headers["If-Match"] = etag;
  return stored(await call(modelUrl(id), jsonInit("PUT", spec, headers)));
}

export async function fork(id: string): Promise<Forked> {
  const response = await call(`${modelUrl(id)}/fork`, { method: "POST" });
  const body = await response.clone().json();
  return {
    ...(await created(response)),
    forked_from: body.forked_from,
    forked_from_revision: body.forked_from_revision,
  };
}

export async function loadModel(id: string): Promise<StoredModel> {
  if (!ID.test(id)) throw new ShareError(404, errorMessage(404, []));
  return stored(await call(modelUrl(id), { cache: "no-cache" }));
}

export async function deleteModel(id: string, token: string): Promise<void> {
  await call(modelUrl(id), { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
}

/** The public page of a stored model. */
export function pageUrl(id: string): string {
  return `/m/${encodeURIComponent(id)}`;
}

/**
 * The model of a spec as canonical JSON, without its layout: the canvas lays itself out, so
 * where the blocks are is not a change of the model.
 */
export function modelText(spec: Spec): string {
  return canonicalJson(withoutLayout(spec));
}

/** JSON with object keys sorted, so two equal specs give the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

// My models, in localStorage.

export type StorageLike = Pick<Storage, "getItem" | "setItem">;

function defaultStorage(): StorageLike | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

function entry(value: unknown): MyModel | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || !ID.test(v.id)) return null;
  if (typeof v.edit_token !== "string" || !v.edit_token) return null;
  const savedAt = typeof v.savedAt === "string" && !Number.isNaN(Date.parse(v.savedAt)) ? v.savedAt : "";
  return {
    id: v.id,
    name: typeof v.name === "string" && v.name ? v.name : "Untitled model",
    edit_token: v.edit_token,
    etag: typeof v.etag === "string" ? v.etag : "",
    savedAt,
    ...(typeof v.forkedFrom === "string" && ID.test(v.forkedFrom) ? { forkedFrom: v.forkedFrom } : {}),
  };
}

/** The list stored under MY_MODELS_KEY: unreadable entries are dropped, ids kept once, newest first. */
export function parseMyModels(text: string | null): MyModel[] {
  if (!text) return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const seen = new Set<string>();
  const models: MyModel[] = [];
  for (const model of data.map(entry)) {
    if (model && !seen.has(model.id)) {
      seen.add(model.id);
      models.push(model);
    }
  }
  return models.sort((a, b) => (b.savedAt > a.savedAt ? 1 : b.savedAt < a.savedAt ? -1 : 0));
}

export function loadMyModels(storage: StorageLike | null = defaultStorage()): MyModel[] {
  try {
    return parseMyModels(storage?.getItem(MY_MODELS_KEY) ?? null);
  } catch {
    return [];
  }
}

function saveMyModels(models: MyModel[], storage: StorageLike | null): void {
  try {
    storage?.setItem(MY_MODELS_KEY, JSON.stringify(models));
  } catch {
    // Storage full or disabled: the model is saved on the server all the same.
  }
}

/** Add or update a model (matched by id); returns the new list. */
export function rememberModel(model: MyModel, storage: StorageLike | null = defaultStorage()): MyModel[] {
  const models = [model, ...loadMyModels(storage).filter((m) => m.id !== model.id)];
  saveMyModels(models, storage);
  return models;
}

/** Change the fields of one remembered model, if it is there; returns the new list. */
export function touchModel(
  id: string,
  fields: Partial<Omit<MyModel, "id">>,
  storage: StorageLike | null = defaultStorage(),
): MyModel[] {
  const known = loadMyModels(storage).find((m) => m.id === id);
  return known ? rememberModel({ ...known, ...fields }, storage) : loadMyModels(storage);
}

export function forgetModel(id: string, storage: StorageLike | null = defaultStorage()): MyModel[] {
  const models = loadMyModels(storage).filter((m) => m.id !== id);
  saveMyModels(models, storage);
  return models;
}

export function findMyModel(id: string, storage: StorageLike | null = defaultStorage()): MyModel | null {
  return loadMyModels(storage).find((m) => m.id === id) ?? null;
}
