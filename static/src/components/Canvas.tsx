import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState, type DragEvent } from "react";
import { INPUT, type Doc, type Wire, type XY } from "../lib/doc";
import { connect, moveBlocks } from "../lib/edit";
import type { Sizes } from "../lib/drop";
import type { Placed } from "../lib/problems";
import type { Analysis, BlockDef } from "../lib/types";
import { BlockNode, InputNode, type BlockData, type InputData } from "./BlockNode";
import { BLOCK_MIME } from "./Palette";

const nodeTypes = { block: BlockNode, modelInput: InputNode };

export const wireId = (w: Wire) => `${w.source}->${w.target}`;

interface Props {
  doc: Doc;
  defs: Map<string, BlockDef>;
  analysis: Analysis | null;
  placed: Placed;
  edgeWires: Wire[];
  selection: Set<string>;
  wireSelection: Set<string>;
  onSelect: (nodes: Set<string>, wires: Set<string>) => void;
  onChange: (doc: Doc, key?: string) => void;
  onDropBlock: (type: string, point: XY, sizes: Sizes) => void;
  onDropFile: (file: File) => void;
  sizesRef: { current: Sizes };
}

/** The React Flow canvas: a view of the document; every edit goes through `onChange`. */
export function Canvas(props: Props) {
  const { doc, defs, analysis, placed, selection, wireSelection, onChange, onSelect } = props;
  const flow = useReactFlow();
  const [nodes, setNodes] = useState<Node[]>([]);

  useEffect(() => {
    setNodes((previous) => {
      const before = new Map(previous.map((n) => [n.id, n]));
      const keep = (id: string) => {
        const old = before.get(id);
        return old?.measured ? { measured: old.measured } : {};
      };
      const input: Node<InputData> = {
        id: INPUT,
        type: "modelInput",
        position: doc.inputPosition,
        data: { shape: doc.inputShape, problems: placed.input },
        selected: selection.has(INPUT),
        deletable: false,
        ariaLabel: `Input ${doc.inputShape.join("×")}`,
        ...keep(INPUT),
      };
      const blocks: Node<BlockData>[] = doc.blocks.map((block) => ({
        id: block.id,
        type: "block",
        position: block.position,
        data: {
          block,
          def: defs.get(block.type),
          info: analysis?.nodes[block.id],
          problems: placed.nodes.get(block.id) ?? [],
          isOutput: doc.output === block.id,
        },
        selected: selection.has(block.id),
        ariaLabel: `${block.type} ${block.id}`,
        ...keep(block.id),
      }));
      return [input, ...blocks];
    });
  }, [doc, defs, analysis, placed, selection]);

  useEffect(() => {
    const sizes: Sizes = new Map();
    for (const node of nodes) {
      if (node.measured?.width && node.measured?.height) {
        sizes.set(node.id, { width: node.measured.width, height: node.measured.height });
      }
    }
    props.sizesRef.current = sizes;
  }, [nodes, props.sizesRef]);

  const edges: Edge[] = useMemo(() => {
    const problemWires = new Set<string>();
    placed.wires.forEach((_, index) => {
      const wire = props.edgeWires[index];
      if (wire) problemWires.add(wireId(wire));
    });
    const inputsOf = new Map<string, number>();
    return doc.wires.map((wire) => {
      const id = wireId(wire);
      const order = (inputsOf.get(wire.target) ?? 0) + 1;
      inputsOf.set(wire.target, order);
      const def = defs.get(doc.blocks.find((b) => b.id === wire.target)?.type ?? "");
      const merge = def !== undefined && def.max_inputs !== 1;
      return {
        id,
        source: wire.source,
        target: wire.target,
        selected: wireSelection.has(id),
        markerEnd: { type: MarkerType.ArrowClosed },
        className: problemWires.has(id) ? "wire-problem" : undefined,
        label: merge ? String(order) : undefined,
        ariaLabel: `wire from ${wire.source} to ${wire.target}`,
      };
    });
  }, [doc, defs, placed, props.edgeWires, wireSelection]);

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      const selects = changes.filter((c) => c.type === "select");
      if (selects.length) {
        const next = new Set(selection);
        for (const change of selects) {
          if (change.selected) next.add(change.id);
          else next.delete(change.id);
        }
        onSelect(next, wireSelection);
      }
      const rest = changes.filter((c) => c.type !== "select" && c.type !== "remove");
      if (!rest.length) return;
      setNodes((current) => {
        const updated = applyNodeChanges(rest, current);
        const settled = rest.filter(
          (c) => c.type === "position" && !c.dragging && c.position !== undefined,
        );
        const ended = rest.some((c) => c.type === "position" && c.dragging === false);
        if (settled.length || ended) {
          const moved = new Map(
            updated
              .filter((n) => rest.some((c) => c.type === "position" && c.id === n.id))
              .map((n) => [n.id, n.position]),
          );
          queueMicrotask(() => onChange(moveBlocks(doc, moved), "move"));
        }
        return updated;
      });
    },
    [doc, onChange, onSelect, selection, wireSelection],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const selects = changes.filter((c) => c.type === "select");
      if (!selects.length) return;
      const next = new Set(wireSelection);
      for (const change of selects) {
        if (change.selected) next.add(change.id);
        else next.delete(change.id);
      }
      onSelect(selection, next);
    },
    [onSelect, selection, wireSelection],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      const def = defs.get(doc.blocks.find((b) => b.id === c.target)?.type ?? "");
      onChange(connect(doc, c.source, c.target, def ? def.max_inputs : 1));
    },
    [doc, defs, onChange],
  );

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
        props.onDropBlock(type, point, props.sizesRef.current);
        return;
      }
      const file = event.dataTransfer.files?.[0];
      if (file) props.onDropFile(file);
    },
    [flow, props],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        deleteKeyCode={null}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.1}
        maxZoom={2}
        defaultEdgeOptions={{ type: "smoothstep" }}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel="Minimap" />
      </ReactFlow>
    </div>
  );
}
