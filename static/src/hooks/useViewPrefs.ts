import { useEffect, useState } from "react";
import type { Direction } from "../lib/layout";

/** How the editor is arranged: open panels and the layout direction (kept in localStorage). */
export interface ViewPrefs {
  palette: boolean;
  side: boolean;
  minimap: boolean;
  direction: Direction;
}

const KEY = "torchcanvas.view.v1";
const DEFAULTS: ViewPrefs = { palette: true, side: true, minimap: true, direction: "DOWN" };

export function readPrefs(text: string | null): ViewPrefs {
  try {
    const data = JSON.parse(text ?? "{}") as Partial<Record<keyof ViewPrefs, unknown>>;
    const flag = (v: unknown, d: boolean) => (typeof v === "boolean" ? v : d);
    return {
      palette: flag(data.palette, DEFAULTS.palette),
      side: flag(data.side, DEFAULTS.side),
      minimap: flag(data.minimap, DEFAULTS.minimap),
      direction: data.direction === "RIGHT" ? "RIGHT" : "DOWN",
    };
  } catch {
    return DEFAULTS;
  }
}

export function useViewPrefs() {
  const [prefs, setPrefs] = useState<ViewPrefs>(() => {
    try {
      return readPrefs(localStorage.getItem(KEY));
    } catch {
      return DEFAULTS;
    }
  });
  useEffect(() => {
    try {
      localStorage.setItem(KEY, JSON.stringify(prefs));
    } catch {
      // storage disabled: the view is simply not remembered
    }
  }, [prefs]);
  const toggle = (part: "palette" | "side" | "minimap") => setPrefs((p) => ({ ...p, [part]: !p[part] }));
  const setDirection = (direction: Direction) => setPrefs((p) => ({ ...p, direction }));
  return { prefs, toggle, setDirection };
}
