/** Autosave of the open model in localStorage, restored after a reload. */
import type { Spec } from "./types";

const KEY = "torchcanvas.autosave.v1";

export function saveDraft(spec: Spec): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(spec));
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

export function clearDraft(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}
