import { afterEach, describe, expect, it, vi } from "vitest";
import {
  MY_MODELS_KEY,
  ShareError,
  canonicalJson,
  errorMessage,
  findMyModel,
  forgetModel,
  fork,
  loadModel,
  loadMyModels,
  parseMyModels,
  rememberModel,
  saveNew,
  touchModel,
  update,
  type MyModel,
  type StorageLike,
} from "./shared";
import type { Spec } from "./types";

const spec: Spec = {
  format: "torchcanvas.model",
  version: 1,
  name: "Tiny",
  input: { shape: [2] },
  nodes: [{ id: "fc", type: "Linear", params: { out_features: 1 } }],
};

function memory(initial: Record<string, string> = {}): StorageLike & { data: Record<string, string> } {
  const data = { ...initial };
  return {
    data,
    getItem: (key) => data[key] ?? null,
    setItem: (key, value) => {
      data[key] = value;
    },
  };
}

const model = (id: string, savedAt = "2025-01-02T03:04:05.000Z"): MyModel => ({
  id,
  name: `Model ${id}`,
  edit_token: `token-${id}`,
  etag: '"r1"',
  savedAt,
});

describe("parseMyModels", () => {
  it("reads a stored list, newest first", () => {
    const list = [model("a", "2025-01-01T00:00:00.000Z"), model("b", "2025-02-01T00:00:00.000Z")];
    expect(parseMyModels(JSON.stringify(list)).map((m) => m.id)).toEqual(["b", "a"]);
  });

  it.each([null, "", "not json {", "42", '"text"', "null", '{"id": "a"}'])(
    "gives an empty list for %j",
    (text) => {
      expect(parseMyModels(text)).toEqual([]);
    },
  );

  it("drops unusable entries and keeps the usable ones", () => {
    const text = JSON.stringify([
      null,
      7,
      "a",
      { id: "no token" },
      { id: "bad id!", edit_token: "t" },
      { id: "x", edit_token: "" },
      { id: "ok", edit_token: "t" },
      { id: "ok", edit_token: "duplicate" },
    ]);
    expect(parseMyModels(text)).toEqual([
      { id: "ok", name: "Untitled model", edit_token: "t", etag: "", savedAt: "" },
    ]);
  });

  it("repairs fields of the wrong type", () => {
    const text = JSON.stringify([{ id: "m", edit_token: "t", name: 3, etag: {}, savedAt: "yesterday" }]);
    expect(parseMyModels(text)[0]).toEqual({
      id: "m",
      name: "Untitled model",
      edit_token: "t",
      etag: "",
      savedAt: "",
    });
  });
});

describe("my models in storage", () => {
  it("remembers, updates and forgets models", () => {
    const storage = memory();
    rememberModel(model("a"), storage);
    rememberModel(model("b"), storage);
    expect(loadMyModels(storage)).toHaveLength(2);
    touchModel("a", { etag: '"r2"', name: "Renamed" }, storage);
    expect(findMyModel("a", storage)).toMatchObject({ etag: '"r2"', name: "Renamed", edit_token: "token-a" });
    touchModel("unknown", { etag: '"r9"' }, storage);
    expect(findMyModel("unknown", storage)).toBeNull();
    expect(forgetModel("a", storage).map((m) => m.id)).toEqual(["b"]);
    expect(JSON.parse(storage.data[MY_MODELS_KEY])).toEqual([model("b")]);
  });

  it("starts afresh over corrupt data", () => {
    const storage = memory({ [MY_MODELS_KEY]: "{{{" });
    expect(loadMyModels(storage)).toEqual([]);
    rememberModel(model("a"), storage);
    expect(loadMyModels(storage)).toEqual([model("a")]);
  });

  it("keeps working when storage throws or is missing", () => {
    const broken: StorageLike = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    expect(loadMyModels(broken)).toEqual([]);
    expect(rememberModel(model("a"), broken)).toEqual([model("a")]);
    expect(loadMyModels(null)).toEqual([]);
  });
});

describe("errorMessage", () => {
  const problem = { path: "/nodes/0/params/out_features", message: "must be at least 1", hint: "" };

  it("says what to do on a conflict", () => {
    expect(errorMessage(409, [])).toBe("Someone saved a newer version: reload or save as a copy.");
  });

  it("names the first problem of an invalid model", () => {
    const message = errorMessage(422, [problem, { path: "/x", message: "second", hint: "" }]);
    expect(message).toContain("/nodes/0/params/out_features: must be at least 1");
    expect(message).not.toContain("second");
    expect(errorMessage(422, [{ path: "", message: "no nodes", hint: "" }])).toContain("(no nodes)");
  });

  it("maps the other statuses", () => {
    expect(errorMessage(403, [])).toMatch(/save it as a copy/);
    expect(errorMessage(401, [])).toMatch(/save it as a copy/);
    expect(errorMessage(404, [])).toMatch(/No such model/);
    expect(errorMessage(413, [])).toMatch(/too large/);
    expect(errorMessage(429, [], "30")).toMatch(/try again in 30 s/);
    expect(errorMessage(429, [], null)).toMatch(/try again in a moment/);
    expect(errorMessage(0, [])).toMatch(/Could not reach the server/);
    expect(errorMessage(503, [{ path: "", message: "the database is not available", hint: "" }])).toContain(
      "the database is not available",
    );
    expect(errorMessage(500, [])).toContain("HTTP 500");
  });
});

describe("canonicalJson", () => {
  it("ignores key order, not array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe("API calls", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
    const fetch = vi.fn(
      async () =>
        new Response(body === null ? null : JSON.stringify(body), {
          status,
          headers: { "Content-Type": "application/json", ...headers },
        }),
    );
    vi.stubGlobal("fetch", fetch);
    return fetch;
  }

  it("saves a new model and reads its ETag", async () => {
    const fetch = respond(201, { id: "abc", edit_token: "tok", url: "http://h/m/abc" }, { ETag: '"r1"' });
    expect(await saveNew(spec)).toEqual({ id: "abc", edit_token: "tok", url: "http://h/m/abc", etag: '"r1"' });
    expect(fetch).toHaveBeenCalledWith("/api/models", expect.objectContaining({ method: "POST", body: JSON.stringify(spec) }));
  });

  it("updates with the token and If-Match", async () => {
    const fetch = respond(200, { id: "abc", spec, name: "Tiny", revision: 2, forked_from: null }, { ETag: '"r2"' });
    const saved = await update("abc", "tok", spec, '"r1"');
    expect(saved).toMatchObject({ revision: 2, etag: '"r2"', name: "Tiny" });
    const init = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init[0]).toBe("/api/models/abc");
    expect(init[1].headers).toMatchObject({ Authorization: "Bearer tok", "If-Match": '"r1"' });
  });

  it("turns a stale If-Match into the conflict message", async () => {
    respond(409, { errors: [{ path: "/If-Match", message: "changed", hint: "" }] });
    const error = await update("abc", "tok", spec, '"r1"').catch((e) => e);
    expect(error).toBeInstanceOf(ShareError);
    expect(error.status).toBe(409);
    expect(error.message).toMatch(/newer version/);
  });

  it("survives an error body that is not JSON, and a network failure", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>", { status: 502 })));
    await expect(loadModel("abc")).rejects.toThrow(/HTTP 502/);
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(loadModel("abc")).rejects.toThrow(/Could not reach the server/);
  });

  it("does not ask the server about impossible ids", async () => {
    const fetch = respond(200, {});
    await expect(loadModel("../etc")).rejects.toMatchObject({ status: 404 });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("forks, with the lineage", async () => {
    respond(201, { id: "kid", edit_token: "t2", url: "u", forked_from: "abc", forked_from_revision: 3 }, { ETag: '"r1"' });
    expect(await fork("abc")).toEqual({
      id: "kid",
      edit_token: "t2",
      url: "u",
      etag: '"r1"',
      forked_from: "abc",
      forked_from_revision: 3,
    });
  });
});
