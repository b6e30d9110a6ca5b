import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { Block } from "../lib/doc";
import type { Direction } from "../lib/layout";
import { formatCount, formatShape, summary } from "../lib/params";
import { OUT, inputHandles, type InputHandle } from "../lib/slots";
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
  /** An instance of one of the model's definitions (double-click edits it). */
  instance: boolean;
  /** The block is inside a definition being edited (its output is the block's, not the model's). */
  inDefinition: boolean;
}

/** Where wires come in and go out: top and bottom, or left and right. */
function sides(direction: Direction): [Position, Position] {
  return direction === "DOWN" ? [Position.Top, Position.Bottom] : [Position.Left, Position.Right];
}

export type BlockNodeType = Node<BlockData, "block">;

/** Where a handle sits along its side (labelled inputs share the side). */
function along(handle: InputHandle, direction: Direction): React.CSSProperties | undefined {
  if (handle.label === undefined) return undefined;
  return direction === "DOWN" ? { left: `${handle.at * 100}%` } : { top: `${handle.at * 100}%` };
}

/** A tensor's dtype, said only when it is not the usual float32. */
export function dtypeNote(dtype: string | null | undefined, vocab?: number | null): string {
  if (!dtype || dtype === "float32") return "";
  return vocab ? `${dtype} < ${formatCount(vocab)}` : dtype;
}

function keyValues(data: BlockData): Record<string, unknown> {
  const defaults = Object.fromEntries((data.def?.params ?? []).map((p) => [p.name, p.default]));
  return { ...defaults, ...(data.info?.resolved_params ?? {}), ...data.block.params };
}

/** A layer on the canvas: type, id, key params, output shape, parameter count, problems. */
export const BlockNode = memo(function BlockNode({ data, selected }: NodeProps<BlockNodeType>) {
  const { block, def, info, problems } = data;
  const line = summary(def?.key_params ?? [], keyValues(data));
  const [into, out] = sides(data.direction);
  const handles = inputHandles(def);
  const labelled = handles.some((h) => h.label !== undefined);
  return (
    <div
      className={`block${problems.length ? " has-problem" : ""}${selected ? " selected" : ""}${data.instance ? " block-instance" : ""}${labelled ? ` has-slots-${data.direction === "DOWN" ? "top" : "left"}` : ""}`}
      style={def ? ({ "--cat": def.colour } as React.CSSProperties) : undefined}
      data-testid={`node-${block.id}`}
      data-type={block.type}
      title={data.instance ? "Double-click to edit this block's definition (every use changes)" : undefined}
    >
      {handles.map((handle) => (
        <Handle
          key={handle.id}
          id={handle.id}
          type="target"
          position={into}
          style={along(handle, data.direction)}
          aria-label={handle.label ? `${handle.label} input of ${block.id}` : `input of ${block.id}`}
          data-slot={handle.label}
        />
      ))}
      {labelled && (
        <div className={`block-slots block-slots-${data.direction === "DOWN" ? "top" : "left"}`} aria-hidden>
          {handles.map((h) => (
            <span key={h.id} className="block-slot" style={along(h, data.direction)}>
              {h.label}
            </span>
          ))}
        </div>
      )}
      <div className="block-head">
        <span className="block-type">
          {block.type}
          {block.repeat && block.repeat > 1 ? (
            <span className="block-repeat" data-testid="repeat">
              {" "}
              × {block.repeat}
            </span>
          ) : null}
        </span>
        <span className="block-id">{block.label || block.id}</span>
      </div>
      {line && <div className="block-params">{line}</div>}
      <div className="block-foot">
        <span className="block-shape" data-testid="shape">
          → {info ? formatShape(info.output_shape) : "?"}
          {info && dtypeNote(info.output_dtype) ? ` ${dtypeNote(info.output_dtype)}` : ""}
        </span>
        <span className="block-count" data-testid="count">
          {info && info.params !== null ? `${formatCount(info.params)} params` : ""}
        </span>
      </div>
      {data.isOutput && <div className="block-output">{data.inDefinition ? "block output" : "model output"}</div>}
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

/** What an inlet node shows: the model's input, or a definition's input. */
export interface InletFace {
  /** "Input" for the model's input; "input" for a definition's input. */
  title: string;
  shape: number[] | null;
  dtype?: string | null;
  vocab?: number | null;
  problems: Problem[];
}

export interface InletData extends InletFace, Record<string, unknown> {
  name: string;
  direction: Direction;
}

export type InletNodeType = Node<InletData, "inlet">;

/** Where wires start: the model's input (its sample shape, dtype and vocabulary), or an input of a definition. */
export const InletNode = memo(function InletNode({ data, selected }: NodeProps<InletNodeType>) {
  const note = dtypeNote(data.dtype, data.vocab);
  return (
    <div
      className={`block block-input${data.problems.length ? " has-problem" : ""}${selected ? " selected" : ""}`}
      data-testid={`node-${data.name}`}
    >
      <div className="block-head">
        <span className="block-type">{data.title}</span>
        <span className="block-id">{data.name}</span>
      </div>
      <div className="block-foot">
        <span className="block-shape" data-testid="shape">
          {formatShape(data.shape)}
        </span>
        {note && (
          <span className="block-dtype" data-testid="dtype">
            {note}
          </span>
        )}
      </div>
      {data.problems.map((p, i) => (
        <div className="block-problem" role="alert" key={i}>
          <ProblemText problem={p} />
        </div>
      ))}
      <Handle id={OUT} type="source" position={sides(data.direction)[1]} aria-label={`output of ${data.name}`} />
    </div>
  );
});
