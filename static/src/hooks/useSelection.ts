import { useCallback, useState } from "react";
import type { SelectionChange } from "../components/Canvas";

/** The selected blocks and wires, and requests to scroll blocks into view. */
export function useSelection() {
  const [selection, setSelection] = useState<Set<string>>(new Set());
  const [wireSelection, setWireSelection] = useState<Set<string>>(new Set());
  const [revealRequest, setRevealRequest] = useState<{ ids: string[]; n: number }>({ ids: [], n: 0 });
  const reveal = useCallback((ids: string[]) => setRevealRequest((r) => ({ ids, n: r.n + 1 })), []);

  const select = useCallback((change: SelectionChange) => {
    if (change.nodes) setSelection(change.nodes);
    if (change.wires) setWireSelection(change.wires);
  }, []);
  const clearSelection = useCallback(() => {
    setSelection(new Set());
    setWireSelection(new Set());
  }, []);
  /** Select new blocks alone and scroll them into view. */
  const selectNew = useCallback(
    (ids: string[]) => {
      setSelection(new Set(ids));
      setWireSelection(new Set());
      reveal(ids);
    },
    [reveal],
  );
  return { selection, setSelection, wireSelection, setWireSelection, select, clearSelection, selectNew, revealRequest };
}
