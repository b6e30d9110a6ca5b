import { useEffect, useState } from "react";
import type { Block } from "../lib/doc";
import { formatCount, formatShape } from "../lib/params";
import type { BlockDef, NodeAnalysis, Params, Problem } from "../lib/types";
import { ParamForm } from "./ParamField";
import { ProblemList, ProblemText } from "./ProblemList";

interface Props {
  block: Block;
  def: BlockDef | undefined;
  info: NodeAnalysis | undefined;
  problems: Problem[];
  warnings: Problem[];
  isOutput: boolean;
  takenIds: Set<string>;
  onParams: (params: Params) => void;
  onRename: (id: string) => void;
  onLabel: (label: string) => void;
  onOutput: (isOutput: boolean) => void;
  onDelete: () => void;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The selected block's id, label and parameters, with its shapes and problems. */
export function BlockPanel(props: Props) {
  const { block, def, info } = props;
  const [id, setId] = useState(block.id);
  const [reverted, setReverted] = useState<string | null>(null);
  useEffect(() => setId(block.id), [block.id]);
  const idProblem =
    id === block.id
      ? null
      : !IDENTIFIER.test(id)
        ? "letters, digits and _, not starting with a digit"
        : props.takenIds.has(id) || id === "input"
          ? "another block has this id"
          : null;
  const commitId = () => {
    if (id !== block.id && !idProblem) props.onRename(id);
    else {
      if (idProblem) setReverted(`“${id}” was not used (${idProblem}); the id stays ${block.id}.`);
      setId(block.id);
    }
  };
  return (
    <section className="panel-section" aria-label={`${block.type} ${block.id}`}>
      <h2>
        {block.type} <span className="muted">{block.id}</span>
      </h2>
      {def && <p className="doc">{def.doc}</p>}
      <ProblemList problems={props.problems} />
      {props.warnings.length > 0 && (
        <div className="warnings" data-testid="panel-warning">
          {props.warnings.map((w, i) => (
            <p key={i}>
              <ProblemText problem={w} />
            </p>
          ))}
        </div>
      )}
      <div className="param">
        <label htmlFor="block-id" className="param-name">
          id
        </label>
        <input
          id="block-id"
          value={id}
          aria-invalid={idProblem !== null}
          onChange={(e) => {
            setId(e.target.value);
            setReverted(null);
          }}
          onBlur={commitId}
          onKeyDown={(e) => e.key === "Enter" && commitId()}
        />
        {idProblem && (
          <small className="param-error" role="alert">
            {idProblem}
          </small>
        )}
        {reverted && (
          <small className="param-reverted" role="status">
            {reverted}
          </small>
        )}
        <small className="param-doc">The attribute name in the generated model.</small>
      </div>
      <div className="param">
        <label htmlFor="block-label" className="param-name">
          label
        </label>
        <input
          id="block-label"
          value={block.label ?? ""}
          placeholder="optional"
          maxLength={200}
          onChange={(e) => props.onLabel(e.target.value)}
        />
      </div>
      <dl className="facts">
        <dt>input</dt>
        <dd data-testid="panel-input-shape">
          {info ? info.input_shapes.map((s) => formatShape(s)).join(" + ") || "–" : "?"}
        </dd>
        <dt>output</dt>
        <dd data-testid="panel-output-shape">{info ? formatShape(info.output_shape) : "?"}</dd>
        <dt>parameters</dt>
        <dd>{formatCount(info?.params)}</dd>
      </dl>
      <h3>Parameters</h3>
      {def ? (
        <ParamForm
          defs={def.params}
          values={block.params}
          resolved={info?.resolved_params}
          onChange={props.onParams}
          idPrefix={block.id}
        />
      ) : (
        <p className="muted">Unknown block type: no parameters to show.</p>
      )}
      <label className="param param-bool">
        <input
          type="checkbox"
          checked={props.isOutput}
          onChange={(e) => props.onOutput(e.target.checked)}
        />{" "}
        model output
        <small className="param-doc">
          By default the output is the only block that feeds nothing; choose one when there are
          several.
        </small>
      </label>
      <button type="button" className="danger" onClick={props.onDelete}>
        Delete block
      </button>
    </section>
  );
}
