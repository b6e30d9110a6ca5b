/**
 * Undo/redo history of documents. Consecutive edits with the same `key` (typing in one
 * field, say) within `COALESCE_MS` become one step.
 */
export const LIMIT = 200;
export const COALESCE_MS = 1000;

export interface History<T> {
  past: T[];
  present: T;
  future: T[];
  lastKey: string | null;
  lastTime: number;
}

export function start<T>(present: T): History<T> {
  return { past: [], present, future: [], lastKey: null, lastTime: 0 };
}

export function record<T>(
  history: History<T>,
  next: T,
  key: string | null = null,
  now: number = Date.now(),
): History<T> {
  if (next === history.present) return history;
  const coalesce =
    key !== null && key === history.lastKey && now - history.lastTime < COALESCE_MS;
  const past = coalesce ? history.past : [...history.past, history.present].slice(-LIMIT);
  return { past, present: next, future: [], lastKey: key, lastTime: now };
}

/** Replace the present without a new step (e.g. while a node is being dragged). */
export function replace<T>(history: History<T>, present: T): History<T> {
  return { ...history, present };
}

export function undo<T>(history: History<T>): History<T> {
  if (!history.past.length) return history;
  return {
    past: history.past.slice(0, -1),
    present: history.past[history.past.length - 1],
    future: [history.present, ...history.future],
    lastKey: null,
    lastTime: 0,
  };
}

export function redo<T>(history: History<T>): History<T> {
  if (!history.future.length) return history;
  return {
    past: [...history.past, history.present],
    present: history.future[0],
    future: history.future.slice(1),
    lastKey: null,
    lastTime: 0,
  };
}

export const canUndo = <T,>(h: History<T>) => h.past.length > 0;
export const canRedo = <T,>(h: History<T>) => h.future.length > 0;
