import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  useUpdateNodeInternals,
  type EdgeChange,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { useAutoLayout } from "../hooks/useAutoLayout";
import { useWiring } from "../hooks/useWiring";
import { positionIn, type Graph, type XY } from "../lib/doc";
import { moveBlocks, removeWires } from "../lib/edit";
import type { Sizes } from "../lib/geometry";
import { modelOrder, type Direction } from "../lib/layout";
import { MODEL_BLOCKS } from "../lib/modules";
import type { Placed } from "../lib/problems";
import { inputSlots, incomingWires, slotNames, wireId } from "../lib/slots";
import type { BlockDef, NodeAnalysis, Problem } from "../lib/types";
import { BlockNode, InletNode, type BlockData, type InletData, type InletFace } from "./BlockNode";
import { BLOCK_MIME } from "./Palette";
import { RoutedEdge, type WireEdge } from "./RoutedEdge";

const nodeTypes = { block: BlockNode, inlet: InletNode };
const edgeTypes = { wire: RoutedEdge };
/** How far from a handle a dropped wire still snaps to it, in screen pixels. */
const CONNECTION_RADIUS = 36;
/** The smallest zoom Fit view goes to: below it the text is too small to read, so it scrolls. */
export const READABLE_ZOOM = 0.7;
const FIT_PADDING = 40;

interface Props {
  /** The graph shown: the model's, or the definition being edited. */
  doc: Graph;
  inDefinition: boolean;
  defs: Map<string, BlockDef>;
  /** The analysis of each block (shapes, counts, resolved parameters), by id. */
  infos: Record<string, NodeAnalysis> | undefined;
  inlets: Record<string, InletFace>;
  placed: Placed;
  /** Warnings of the editor's own checks, by block id. */
  warnings: Map<string, Problem[]>;
  edgeWires: Graph["wires"];
  selection: Set<string>;
  wireSelection: Set<string>;
  direction: Direction;
  /** Change the selected blocks or wires, from what they are now. */
  onSelect: (change: SelectionChange) => void;
  /** A block was clicked (selected or not): show its panel. */
  onOpenBlock: (id: string) => void;
  /** A block was double-clicked (an instance opens its definition). */
  onEnterBlock: (id: string) => void;
  onChange: (doc: Graph, key?: string) => void;
  onArranged: (positions: Map<string, XY>) => void;
  /** Bumped to ask for a fresh layout (the Auto-layout command) and for fitting the view. */
  relayoutRequest: number;
  fitRequest: number;
  /** Blocks just added: scrolled into view once the layout has placed them. */
  revealRequest: { ids: string[]; n: number };
  onDropBlock: (type: string, point: XY, sizes: Sizes, routes: Map<string, XY[]>) => void;
  onDropFile: (file: File) => void;
  say: (text: string) => void;
}

type Update = (current: Set<string>) => Set<string>;
export interface SelectionChange {
  nodes?: Update;
  wires?: Update;
}

/** Selection changes reported by React Flow, applied to a set of ids. */
function applySelects(changes: { id: string; selected: boolean }[]): Update {
  return (current) => {
    const next = new Set(current);
    for (const change of changes) {
      if (change.selected) next.add(change.id);
      else next.delete(change.id);
    }
    return next;
  };
}

/**
 * The React Flow canvas: a view of the document, kept laid out by ELK; every edit goes
 * through `onChange`.
 */
export function Canvas(props: Props) {
  const { doc, defs, infos, inlets, placed, warnings, selection, wireSelection, onChange, onSelect, direction } = props;
  const flow = useReactFlow();
  const updateNodeInternals = useUpdateNodeInternals();
  const [nodes, setNodes] = useState<Node[]>([]);
  const [dragging, setDragging] = useState(false);
  const [resync, setResync] = useState(0);

  // Nodes are rebuilt from the document, reusing the ones whose content did not change, so
  // an edit re-renders only the blocks it touched (a big model stays quick to edit).
  const built = useRef(new Map<string, { key: string; node: Node }>());
  useEffect(() => {
    setNodes((previous) => {
      const before = new Map(previous.map((n) => [n.id, n]));
      const cache = built.current;
      const next = new Map<string, { key: string; node: Node }>();
      const reuse = (id: string, key: string, at: XY, make: () => Node): Node => {
        const old = before.get(id);
        const same = cache.get(id)?.key === key && old?.position.x === at.x && old.position.y === at.y;
        const node = same && old ? old : { ...make(), ...(old?.measured ? { measured: old.measured } : {}) };
        next.set(id, { key, node });
        return node;
      };
      const sources = doc.inlets.map((inlet) => {
        const face: InletFace = inlets[inlet.id] ?? { title: "input", shape: null, problems: [] };
        const data: InletData = { ...face, name: inlet.id, direction };
        const selected = selection.has(inlet.id);
        return reuse(inlet.id, JSON.stringify([data, selected]), inlet.position, (): Node<InletData> => ({
          id: inlet.id,
          type: "inlet",
          position: inlet.position,
          data,
          selected,
          deletable: false,
          ariaLabel: `${face.title} ${inlet.id}${face.shape ? ` ${face.shape.join("×")}` : ""}`,
        }));
      });
      const blocks = doc.blocks.map((block) => {
        const def = defs.get(block.type);
        const data: BlockData = {
          block,
          def,
          info: infos?.[block.id],
          problems: placed.nodes.get(block.id) ?? [],
          warnings: warnings.get(block.id) ?? [],
          isOutput: doc.output === block.id,
          direction,
          instance: def?.category === MODEL_BLOCKS,
          inDefinition: props.inDefinition,
        };
        const selected = selection.has(block.id);
        const key = JSON.stringify([block, def, data.info, data.problems, data.warnings, data.isOutput, direction, selected]);
        return reuse(block.id, key, block.position, (): Node<BlockData> => ({
          id: block.id,
          type: "block",
          position: block.position,
          data,
          selected,
          ariaLabel: `${block.type} ${block.id}`,
        }));
      });
      built.current = next;
      return [...sources, ...blocks];
    });
  }, [doc, defs, infos, inlets, placed, warnings, selection, direction, resync, props.inDefinition]);

  const nodeIds = [...doc.inlets, ...doc.blocks].map((b) => b.id);
  const handleKey = doc.blocks.map((b) => `${b.id}:${slotNames(defs.get(b.type)).join()}`).join();
  useEffect(() => {
    updateNodeInternals(nodeIds);
    // Handles move to other sides when the direction changes, and blocks change handles
    // when their type's inputs change (a definition's inputs).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [direction, handleKey, updateNodeInternals]);

  /** Measured sizes, once every node of the document has been measured. */
  const sizes = useMemo((): Sizes | null => {
    const measured: Sizes = new Map();
    for (const node of nodes) {
      if (node.measured?.width && node.measured?.height) {
        measured.set(node.id, { width: node.measured.width, height: node.measured.height });
      }
    }
    const all = [...doc.inlets, ...doc.blocks].every((b) => measured.has(b.id));
    return all ? measured : null;
  }, [nodes, doc.blocks, doc.inlets]);

  // A new layout keeps the block being worked on where it is on screen: the view follows it.
  const latest = useRef({ doc, selection });
  latest.current = { doc, selection };
  const { onArranged } = props;
  const arranged = useCallback(
    (positions: Map<string, XY>) => {
      const { doc: before, selection: chosen } = latest.current;
      const place = (id: string) => positionIn(before, id);
      const anchor = [...chosen, ...before.inlets.map((i) => i.id)].find((id) => positions.has(id) && place(id) !== undefined);
      const from = anchor !== undefined ? place(anchor) : undefined;
      const to = anchor !== undefined ? positions.get(anchor) : undefined;
      if (from && to && (from.x !== to.x || from.y !== to.y)) {
        const { x, y, zoom } = flow.getViewport();
        void flow.setViewport({ x: x - (to.x - from.x) * zoom, y: y - (to.y - from.y) * zoom, zoom });
      }
      onArranged(positions);
    },
    [flow, onArranged],
  );
  const layout = useAutoLayout({
    doc,
    sizes,
    direction,
    defs,
    paused: dragging,
    onArranged: arranged,
    onError: props.say,
  });
  const { relayout, settled } = layout;
  useEffect(() => {
    if (props.relayoutRequest) relayout();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.relayoutRequest]);

  // Fit the view once the layout has settled: the whole model if it fits at a readable
  // zoom, else its beginning (the input) at that zoom, to be scrolled from there.
  const container = useRef<HTMLDivElement>(null);
  const fitted = useRef(0);
  useEffect(() => {
    if (!settled || fitted.current === props.fitRequest || !container.current) return;
    fitted.current = props.fitRequest;
    const shown = flow.getNodes();
    if (!shown.length) return;
    const bounds = flow.getNodesBounds(shown);
    const { width, height } = container.current.getBoundingClientRect();
    const room = { width: width - 2 * FIT_PADDING, height: height - 2 * FIT_PADDING };
    const zoom = Math.max(READABLE_ZOOM, Math.min(1, room.width / bounds.width, room.height / bounds.height));
    const offset = (space: number, size: number, start: number) =>
      size * zoom <= space ? (space - size * zoom) / 2 + FIT_PADDING - start * zoom : FIT_PADDING - start * zoom;
    void flow.setViewport(
      { x: offset(room.width, bounds.width, bounds.x), y: offset(room.height, bounds.height, bounds.y), zoom },
      { duration: 150 },
    );
  }, [settled, props.fitRequest, flow]);

  // New blocks come into view (the zoom stays): the canvas pans just enough.
  const revealed = useRef(0);
  const { revealRequest } = props;
  useEffect(() => {
    if (!settled || revealed.current === revealRequest.n || !container.current) return;
    revealed.current = revealRequest.n;
    const shown = flow.getNodes().filter((n) => revealRequest.ids.includes(n.id));
    if (!shown.length) return;
    const bounds = flow.getNodesBounds(shown);
    const { x, y, zoom } = flow.getViewport();
    const { width, height } = container.current.getBoundingClientRect();
    const shift = (start: number, size: number, offset: number, space: number) => {
      const from = start * zoom + offset;
      const to = from + size * zoom;
      if (from >= FIT_PADDING && to <= space - FIT_PADDING) return offset;
      if (size * zoom > space - 2 * FIT_PADDING || from < FIT_PADDING) return offset + FIT_PADDING - from;
      return offset - (to - (space - FIT_PADDING));
    };
    void flow.setViewport(
      { x: shift(bounds.x, bounds.width, x, width), y: shift(bounds.y, bounds.height, y, height), zoom },
      { duration: 150 },
    );
  }, [settled, revealRequest, flow]);

  const routes = layout.arrangement?.routes;
  // The × of a selected wire: one function for every wire, reading the current document.
  const deleteWire = useCallback(
    (edgeId: string) => {
      const current = latest.current.doc;
      onChange(removeWires(current, current.wires.filter((w) => wireId(w) === edgeId)));
      onSelect({ wires: () => new Set() });
    },
    [onChange, onSelect],
  );
  // As for nodes, a wire whose drawing did not change keeps its object (and is not re-rendered).
  const builtEdges = useRef(new Map<string, { key: string; edge: WireEdge }>());
  const edges: WireEdge[] = useMemo(() => {
    const problemWires = new Set<string>();
    placed.wires.forEach((_, index) => {
      const wire = props.edgeWires[index];
      if (wire) problemWires.add(wireId(wire));
    });
    const at = new Map(nodes.map((n) => [n.id, n.position]));
    const inPlace = (id: string) => {
      const p = at.get(id);
      const q = layout.arrangement?.positions.get(id);
      return p !== undefined && q !== undefined && p.x === q.x && p.y === q.y;
    };
    const types = new Map(doc.blocks.map((b) => [b.id, b.type]));
    const slots = new Map(
      [...incomingWires(doc)].map(([target, wires]) => [target, inputSlots(defs.get(types.get(target) ?? ""), wires.length)]),
    );
    const order = new Map<string, number>();
    const next = new Map<string, { key: string; edge: WireEdge }>();
    const made = doc.wires.map((wire) => {
      const id = wireId(wire);
      const k = order.get(wire.target) ?? 0;
      order.set(wire.target, k + 1);
      const slot = slots.get(wire.target)?.[k];
      const route = inPlace(wire.source) && inPlace(wire.target) ? routes?.get(id) : undefined;
      const selected = wireSelection.has(id);
      const problem = problemWires.has(id);
      const key = JSON.stringify([slot, route, selected, problem]);
      const old = builtEdges.current.get(id);
      const edge: WireEdge =
        old && old.key === key
          ? old.edge
          : {
              id,
              type: "wire",
              source: wire.source,
              target: wire.target,
              targetHandle: slot?.handle,
              selected,
              // Only a selected wire's ends can be dragged, so they never catch clicks meant for others.
              reconnectable: selected,
              markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
              ariaLabel: `wire from ${wire.source} to ${wire.target}`,
              data: { route, label: slot?.label, problem, onDelete: deleteWire },
            };
      next.set(id, { key, edge });
      return edge;
    });
    builtEdges.current = next;
    return made;
  }, [doc, defs, placed, props.edgeWires, wireSelection, nodes, layout.arrangement, routes, deleteWire]);

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      const selects = changes.filter((c) => c.type === "select");
      if (selects.length) onSelect({ nodes: applySelects(selects) });
      const rest = changes.filter((c) => c.type !== "select" && c.type !== "remove");
      if (!rest.length) return;
      const moving = rest.some((c) => c.type === "position" && c.dragging);
      const ended = rest.some((c) => c.type === "position" && c.dragging === false);
      if (moving) setDragging(true);
      setNodes((current) => {
        const updated = applyNodeChanges(rest, current);
        const dropped = rest.some((c) => c.type === "position" && !c.dragging && c.position !== undefined);
        if (ended || dropped) {
          const moved = new Map(
            updated
              .filter((n) => rest.some((c) => c.type === "position" && c.id === n.id))
              .map((n) => [n.id, n.position]),
          );
          queueMicrotask(() => {
            setDragging(false);
            // A move only counts when it changes the order of blocks (their layout).
            const next = moveBlocks(doc, moved);
            const before = modelOrder(doc, direction).join();
            if (modelOrder(next, direction).join() !== before) onChange(next, "move");
            else setResync((n) => n + 1);
          });
        }
        return updated;
      });
    },
    [doc, direction, onChange, onSelect],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const selects = changes.filter((c) => c.type === "select");
      if (selects.length) onSelect({ wires: applySelects(selects) });
    },
    [onSelect],
  );

  const { onConnect, onConnectEnd, onReconnect, onReconnectEnd } = useWiring({ graph: doc, defs, onChange, say: props.say });

  const onDragOver = useCallback((event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = event.dataTransfer.types.includes(BLOCK_MIME) ? "copy" : "move";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const type = event.dataTransfer.getData(BLOCK_MIME);
      if (type) {
        const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
        props.onDropBlock(type, point, sizes ?? new Map(), routes ?? new Map());
        return;
      }
      const file = event.dataTransfer.files?.[0];
      if (file) props.onDropFile(file);
    },
    [flow, props, sizes, routes],
  );

  // A plain click on one block of several selected selects it alone (a modifier adds to them).
  const onNodeClick = useCallback(
    (event: React.MouseEvent, clicked: Node) => {
      if (!event.shiftKey && !event.metaKey && !event.ctrlKey && selection.size > 1) {
        onSelect({ nodes: () => new Set([clicked.id]), wires: () => new Set() });
      }
      props.onOpenBlock(clicked.id);
    },
    [onSelect, props, selection],
  );

  return (
    <div
      ref={container}
      className="canvas"
      data-testid="canvas"
      data-layout={layout.settled ? "done" : "busy"}
      data-direction={direction}
      onDragOver={onDragOver}
      onDrop={onDrop}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onNodeDoubleClick={(_, clicked) => props.onEnterBlock(clicked.id)}
        zoomOnDoubleClick={false}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onReconnect={onReconnect}
        onReconnectEnd={onReconnectEnd}
        edgesReconnectable
        reconnectRadius={10}
        connectionRadius={CONNECTION_RADIUS}
        deleteKeyCode={null}
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        selectionKeyCode="Shift"
        elevateEdgesOnSelect
        panOnScroll
        minZoom={0.1}
        maxZoom={2}
        colorMode="system"
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
