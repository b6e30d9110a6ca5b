import { useEffect, useRef, useState } from "react";
import type { Graph, XY } from "../lib/doc";
import { layoutEngine } from "../lib/elk";
import type { Sizes } from "../lib/geometry";
import { arrange, layoutKey, type Arrangement, type Direction } from "../lib/layout";
import type { BlockDef } from "../lib/types";

/** The name of the performance measure each layout run records (read by the benchmark). */
export const LAYOUT_MEASURE = "torchcanvas:layout";

interface Options {
  doc: Graph;
  /** Measured sizes of every node, or null while some node is not measured yet. */
  sizes: Sizes | null;
  direction: Direction;
  defs: Map<string, BlockDef>;
  /** A block is being dragged: wait until it is dropped. */
  paused: boolean;
  /** Put the blocks where the layout says (without a new undo step). */
  onArranged: (positions: Map<string, XY>) => void;
  onError: (message: string) => void;
}

function samePlaces(doc: Graph, positions: Map<string, XY>): boolean {
  const at = (id: string, p: XY) => {
    const q = positions.get(id);
    return q !== undefined && q.x === p.x && q.y === p.y;
  };
  return [...doc.inlets, ...doc.blocks].every((b) => at(b.id, b.position));
}

/**
 * Keeps the document laid out: after every edit that changes the graph, a block's size or
 * the direction, ELK lays it out again, and blocks moved by hand go back to their places
 * (a move that changes the order of blocks changes the layout). `settled` is true when
 * the canvas shows the current layout.
 */
export function useAutoLayout({ doc, sizes, direction, defs, paused, onArranged, onError }: Options) {
  const last = useRef<{ key: string; arrangement: Arrangement } | null>(null);
  const ticket = useRef(0);
  const [arrangement, setArrangement] = useState<Arrangement | null>(null);
  const [busy, setBusy] = useState(false);
  const [force, setForce] = useState(0);
  const key = sizes ? layoutKey(doc, sizes, direction) : null;

  useEffect(() => {
    if (key === null || sizes === null || paused) return;
    const cached = last.current;
    if (cached && cached.key === key) {
      if (!samePlaces(doc, cached.arrangement.positions)) onArranged(cached.arrangement.positions);
      return;
    }
    const mine = ++ticket.current;
    setBusy(true);
    const started = performance.now();
    arrange(layoutEngine(), doc, sizes, direction, defs)
      .then((result) => {
        if (mine !== ticket.current) return;
        performance.measure(LAYOUT_MEASURE, { start: started, end: performance.now() });
        last.current = { key, arrangement: result };
        setArrangement(result);
        setBusy(false);
        onArranged(result.positions);
      })
      .catch((error: Error) => {
        if (mine !== ticket.current) return;
        setBusy(false);
        onError(`Auto-layout failed: ${error.message}`);
      });
    // `doc` changes with every edit; the key says when the layout must run again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, paused, force, doc.blocks, doc.inlets]);

  const settled =
    !busy &&
    key !== null &&
    last.current?.key === key &&
    samePlaces(doc, last.current.arrangement.positions);
  return {
    arrangement: last.current?.key === key ? arrangement : null,
    settled,
    /** Lay out again from scratch (the Auto-layout command). */
    relayout: () => {
      last.current = null;
      setForce((n) => n + 1);
    },
  };
}
