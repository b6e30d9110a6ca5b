import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { Block } from "../lib/doc";
import type { Direction } from "../lib/layout";
import { formatCount, formatShape, summary } from "../lib/params";
import { OUT, inputHandles } from "../lib/slots";
import type { BlockDef, NodeAnalysis, Problem } from "../lib/types";
import { ProblemText } from "./ProblemList";

export interface BlockData extends Record<string, unknown> {
  block: Block;
  def: BlockDef | undefined;
  info: NodeAnalysis | undefined;
  problems: Problem[];
  /** Advice of the editor's own checks: shown, but the model is still valid. */
  warnings: Problem[];
  isOutput: boolean;
  direction: Direction;
}

/** Where wires come in and go out: top and bottom, or left and right. */
function sides(direction: Direction): [Position, Position] {
  return direction === "DOWN" ? [Position.Top, Position.Bottom] : [Position.Left, Position.Right];
}

export type BlockNodeType = Node<BlockData, "block">;

function keyValues(data: BlockData): Record<string, unknown> {
  const defaults = Object.fromEntries((data.def?.params ?? []).map((p) => [p.name, p.default]));
  return { ...defaults, ...(data.info?.resolved_params ?? {}), ...data.block.params };
}

/** A layer on the canvas: type, id, key params, output shape, parameter count, problems. */
export const BlockNode = memo(function BlockNode({ data, selected }: NodeProps<BlockNodeType>) {
  const { block, def, info, problems } = data;
  const line = summary(def?.key_params ?? [], keyValues(data));
  const [into, out] = sides(data.direction);
  return (
    <div
      className={`block${problems.length ? " has-problem" : ""}${selected ? " selected" : ""}`}
      style={def ? ({ "--cat": def.colour } as React.CSSProperties) : undefined}
      data-testid={`node-${block.id}`}
      data-type={block.type}
    >
      {inputHandles(def).map((handle) => (
        <Handle key={handle} id={handle} type="target" position={into} aria-label={`input of ${block.id}`} />
      ))}
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
          <ProblemText problem={p} />
        </div>
      ))}
      {data.warnings.map((p, i) => (
        <div className="block-warning" key={i} data-testid="warning">
          <ProblemText problem={p} />
        </div>
      ))}
      {def === undefined && (
        <div className="block-problem" role="alert">
          unknown block type
        </div>
      )}
      <Handle id={OUT} type="source" position={out} aria-label={`output of ${block.id}`} />
    </div>
  );
});

export interface InputData extends Record<string, unknown> {
  shape: number[];
  problems: Problem[];
  direction: Direction;
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
          <ProblemText problem={p} />
        </div>
      ))}
      <Handle id={OUT} type="source" position={sides(data.direction)[1]} aria-label="output of input" />
    </div>
  );
});
