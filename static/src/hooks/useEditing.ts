import { useCallback, useRef, type Dispatch, type SetStateAction } from "react";
import { isInlet, type Graph, type XY } from "../lib/doc";
import { dropTarget } from "../lib/drop";
import {
  addFree,
  appendAfter,
  copyBlocks,
  insertOnWire,
  newBlock,
  pasteClip,
  removeBlocks,
  removeWires,
  stackTail,
  type Clip,
} from "../lib/edit";
import type { Sizes } from "../lib/geometry";
import { NODE_WIDTH, type Direction } from "../lib/layout";
import { wireId } from "../lib/slots";

interface Options {
  /** The graph being edited: the model's, or a definition's. */
  doc: Graph;
  change: (doc: Graph, key?: string) => void;
  selection: Set<string>;
  wireSelection: Set<string>;
  setSelection: Dispatch<SetStateAction<Set<string>>>;
  setWireSelection: Dispatch<SetStateAction<Set<string>>>;
  /** New blocks are selected, shown in their panel and scrolled into view. */
  selectNew: (ids: string[]) => void;
  direction: Direction;
}

/** The editing commands on the selection: add, drop, delete, copy and paste blocks. */
export function useEditing({ doc, change, selection, wireSelection, setSelection, setWireSelection, selectNew, direction }: Options) {
  const clip = useRef<Clip | null>(null);

  /** Stack a new block under the selected block (or the end of the stack), and select it. */
  const addBlock = useCallback(
    (type: string) => {
      const chosen = [...selection];
      const after = chosen.length === 1 ? chosen[0] : stackTail(doc);
      const block = newBlock(doc, type, { x: 0, y: 0 });
      change(appendAfter(doc, after, block));
      selectNew([block.id]);
    },
    [change, doc, selection, selectNew],
  );

  /** A block dropped from the palette: after a block, onto a wire, or free. */
  const dropBlock = useCallback(
    (type: string, point: XY, sizes: Sizes, routes: Map<string, XY[]>) => {
      const target = dropTarget(doc, point, sizes, routes, direction);
      const block = newBlock(doc, type, { x: point.x - NODE_WIDTH / 2, y: point.y });
      const next =
        target.kind === "append"
          ? appendAfter(doc, target.after, block)
          : target.kind === "wire"
            ? insertOnWire(doc, target.index, block)
            : addFree(doc, block);
      change(next);
      selectNew([block.id]);
    },
    [change, doc, direction, selectNew],
  );

  const deleteSelection = useCallback(() => {
    if (!selection.size && !wireSelection.size) return;
    const wires = doc.wires.filter((w) => wireSelection.has(wireId(w)));
    change(removeBlocks(removeWires(doc, wires), [...selection].filter((id) => !isInlet(doc, id))));
    setSelection(new Set());
    setWireSelection(new Set());
  }, [change, doc, selection, wireSelection, setSelection, setWireSelection]);

  const copy = useCallback(() => {
    clip.current = copyBlocks(doc, selection);
  }, [doc, selection]);

  const paste = useCallback(() => {
    if (!clip.current?.blocks.length) return;
    const pasted = pasteClip(doc, clip.current, { x: 40, y: 40 });
    change(pasted.doc);
    selectNew(pasted.ids);
  }, [change, doc, selectNew]);

  return { addBlock, dropBlock, deleteSelection, copy, paste };
}
