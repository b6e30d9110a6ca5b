import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { Block } from "../lib/doc";
import { formatCount, formatShape, summary } from "../lib/params";
import type { BlockDef, NodeAnalysis, Problem } from "../lib/types";

export interface BlockData extends Record<string, unknown> {
  block: Block;
  def: BlockDef | undefined;
  info: NodeAnalysis | undefined;
  problems: Problem[];
  isOutput: boolean;
}

export type BlockNodeType = Node<BlockData, "block">;

function keyValues(data: BlockData): Record<string, unknown> {
  const defaults = Object.fromEntries((data.def?.params ?? []).map((p) => [p.name, p.default]));
  return { ...defaults, ...(data.info?.resolved_params ?? {}), ...data.block.params };
}

/** A layer on the canvas: type, id, key params, output shape, parameter count, problems. */
export const BlockNode = memo(function BlockNode({ data, selected }: NodeProps<BlockNodeType>) {
  const { block, def, info, problems } = data;
  const category = (def?.category ?? "unknown").toLowerCase();
  const line = summary(def?.key_params ?? [], keyValues(data));
  return (
    <div
      className={`block cat-${category}${problems.length ? " has-problem" : ""}${selected ? " selected" : ""}`}
      data-testid={`node-${block.id}`}
      data-type={block.type}
    >
      <Handle type="target" position={Position.Top} />
      <div className="block-head">
        <span className="block-type">{block.type}</span>
        <span className="block-id">{block.label || block.id}</span>
      </div>
      {line && <div className="block-params">{line}</div>}
      <div className="block-foot">
        <span className="block-shape" data-testid="shape">
          → {info ? formatShape(info.output_shape) : "?"}
        </span>
        <span className="block-count" data-testid="count">
          {info && info.params !== null ? `${formatCount(info.params)} params` : ""}
        </span>
      </div>
      {data.isOutput && <div className="block-output">model output</div>}
      {problems.map((p, i) => (
        <div className="block-problem" role="alert" key={i} data-testid="problem">
          <strong>{p.message}</strong>
          {p.hint && <span> — {p.hint}</span>}
        </div>
      ))}
      {def === undefined && (
        <div className="block-problem" role="alert">
          unknown block type
        </div>
      )}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});

export interface InputData extends Record<string, unknown> {
  shape: number[];
  problems: Problem[];
}

export type InputNodeType = Node<InputData, "modelInput">;

/** The model's input: the sample shape, without the batch dimension. */
export const InputNode = memo(function InputNode({ data, selected }: NodeProps<InputNodeType>) {
  return (
    <div
      className={`block block-input${data.problems.length ? " has-problem" : ""}${selected ? " selected" : ""}`}
      data-testid="node-input"
    >
      <div className="block-head">
        <span className="block-type">Input</span>
        <span className="block-id">input</span>
      </div>
      <div className="block-foot">
        <span className="block-shape">{formatShape(data.shape)}</span>
      </div>
      {data.problems.map((p, i) => (
        <div className="block-problem" role="alert" key={i}>
          <strong>{p.message}</strong>
          {p.hint && <span> — {p.hint}</span>}
        </div>
      ))}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});
