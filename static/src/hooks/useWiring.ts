import type { Connection, FinalConnectionState } from "@xyflow/react";
import { useCallback } from "react";
import type { WireEdge } from "../components/RoutedEdge";
import type { Graph } from "../lib/doc";
import { argumentOf, connect, reconnect } from "../lib/edit";
import { slotNames, slotOfHandle } from "../lib/slots";
import type { BlockDef } from "../lib/types";

/** The node under a screen point (a dropped wire's end), if any. */
function nodeAt(x: number, y: number): string | null {
  for (const element of document.elementsFromPoint(x, y)) {
    const node = element.closest<HTMLElement>(".react-flow__node");
    if (node?.dataset.id) return node.dataset.id;
  }
  return null;
}

function pointOf(event: MouseEvent | TouchEvent): { x: number; y: number } {
  if ("changedTouches" in event) {
    const touch = event.changedTouches[0];
    return { x: touch.clientX, y: touch.clientY };
  }
  return { x: event.clientX, y: event.clientY };
}

interface Options {
  graph: Graph;
  defs: Map<string, BlockDef>;
  onChange: (graph: Graph) => void;
  say: (text: string) => void;
}

/**
 * React Flow's wiring callbacks: a wire drawn or moved onto a handle, or let go anywhere on a
 * block, connects there (a labelled input's handle decides the argument), or says why not.
 */
export function useWiring({ graph, defs, onChange, say }: Options) {
  const defOf = useCallback((id: string) => defs.get(graph.blocks.find((b) => b.id === id)?.type ?? ""), [defs, graph]);

  /** Say where a wire to a labelled input went when it is not the input asked for. */
  const sayArgument = useCallback(
    (next: Graph, source: string, target: string, slot: number | undefined) => {
      const names = slotNames(defOf(target));
      const k = argumentOf(next, source, target);
      if (slot !== undefined && k >= 0 && k !== slot && names[k]) {
        say(`Wired as the ${names[k]} of ${target}: its inputs are taken in order (${names.join(", ")}).`);
      }
    },
    [defOf, say],
  );

  const wire = useCallback(
    (source: string, target: string, slot?: number) => {
      const def = defOf(target);
      const next = connect(graph, source, target, def ? def.max_inputs : 1, slot);
      if (next === graph) say(`No wire from ${source} to ${target}: it would repeat a wire or close a loop.`);
      else {
        onChange(next);
        sayArgument(next, source, target, slot);
      }
    },
    [graph, defOf, onChange, say, sayArgument],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (c.source && c.target) wire(c.source, c.target, slotOfHandle(defOf(c.target), c.targetHandle));
    },
    [wire, defOf],
  );

  /** A wire dropped on a block (not on its handle) connects to it all the same. */
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle) return;
      const { x, y } = pointOf(event);
      const other = nodeAt(x, y);
      if (!other || other === state.fromNode.id) return;
      if (state.fromHandle.type === "source") wire(state.fromNode.id, other);
      else wire(other, state.fromNode.id);
    },
    [wire],
  );

  const rewire = useCallback(
    (old: WireEdge, source: string, target: string, slot?: number) => {
      const def = defOf(target);
      const next = reconnect(graph, { source: old.source, target: old.target }, { source, target }, def ? def.max_inputs : 1, slot);
      if (next === graph) say("That wire cannot go there: it would repeat a wire or close a loop.");
      else {
        onChange(next);
        sayArgument(next, source, target, slot);
      }
    },
    [graph, defOf, onChange, say, sayArgument],
  );

  const onReconnect = useCallback(
    (old: WireEdge, c: Connection) => {
      if (c.source && c.target) rewire(old, c.source, c.target, slotOfHandle(defOf(c.target), c.targetHandle));
    },
    [rewire, defOf],
  );

  /** A wire's end let go on a block (not on a handle) moves there all the same. */
  const onReconnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, old: WireEdge, fixed: "source" | "target", state: FinalConnectionState) => {
      if (state.isValid) return;
      const { x, y } = pointOf(event);
      const other = nodeAt(x, y);
      if (!other) return;
      if (fixed === "source") rewire(old, old.source, other);
      else rewire(old, other, old.target);
    },
    [rewire],
  );

  return { onConnect, onConnectEnd, onReconnect, onReconnectEnd };
}
