/** Autosave of the open model in localStorage, restored after a reload. */
import type { Spec } from "./types";

const KEY = "torchcanvas.autosave.v1";
const SOURCE_KEY = "torchcanvas.autosave.source.v1";

/** The stored model the draft was opened from or shared as, and the revision it is based on. */
export interface DraftSource {
  id: string;
  etag: string;
  /** The saved revision's spec as canonical JSON, when known (to tell unsaved changes). */
  text: string | null;
}

/** Save the draft and where it came from together, so the two always match. */
export function saveDraft(spec: Spec, source: DraftSource | null = null): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(spec));
    if (source) localStorage.setItem(SOURCE_KEY, JSON.stringify(source));
    else localStorage.removeItem(SOURCE_KEY);
  } catch {
    // Storage full or disabled: autosave is a convenience, the editor keeps working.
  }
}

export function loadDraft(): Spec | null {
  try {
    const text = localStorage.getItem(KEY);
    return text ? (JSON.parse(text) as Spec) : null;
  } catch {
    return null;
  }
}

export function loadDraftSource(): DraftSource | null {
  try {
    const data = JSON.parse(localStorage.getItem(SOURCE_KEY) ?? "null");
    if (typeof data?.id !== "string" || typeof data?.etag !== "string") return null;
    return { id: data.id, etag: data.etag, text: typeof data.text === "string" ? data.text : null };
  } catch {
    return null;
  }
}

export function clearDraft(): void {
  try {
    localStorage.removeItem(KEY);
    localStorage.removeItem(SOURCE_KEY);
  } catch {
    // ignore
  }
}
