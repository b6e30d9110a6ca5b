import type { Block } from "../lib/doc";
import { formatCount, formatShape } from "../lib/params";
import type { BlockDef, NodeAnalysis, ParamDef, Params, Problem } from "../lib/types";
import { NameField } from "./NameField";
import { ParamField, ParamForm } from "./ParamField";
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
  /** Inside a definition: its parameters' kinds by name, which values may reference. */
  names?: Record<string, string>;
  /** An instance of one of the model's definitions: its repeat, and the way into it. */
  instance?: {
    onRepeat: (times: number) => void;
    onEdit: () => void;
    onUngroup: () => void;
  };
}

/** The repeat of an instance: "× N" on its node, N instances in sequence. */
const REPEAT: ParamDef = {
  name: "repeat",
  kind: "int",
  default: 1,
  required: false,
  inferred: false,
  min: 1,
  max: 1000,
  exclusive_min: false,
  choices: null,
  length: null,
  nullable: false,
  data_path: false,
  doc: "Stack this many in sequence, each with its own weights (its output must fit its input).",
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The selected block's id, label and parameters, with its shapes and problems. */
export function BlockPanel(props: Props) {
  const { block, def, info } = props;
  const idProblem = (draft: string) =>
    !IDENTIFIER.test(draft)
      ? "letters, digits and _, not starting with a digit"
      : props.takenIds.has(draft) || draft === "input"
        ? "another block has this id"
        : null;
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
      <NameField
        id="block-id"
        label="id"
        value={block.id}
        check={idProblem}
        onCommit={props.onRename}
        doc="The attribute name in the generated model."
      />
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
      {props.instance && (
        <>
          {def?.max_inputs === 1 ? (
            <ParamField def={REPEAT} idPrefix={block.id} value={block.repeat} onChange={(n) => props.instance!.onRepeat(typeof n === "number" ? n : 1)} />
          ) : (
            <p className="muted">A block with several inputs is used once each time (no repeat).</p>
          )}
          <div className="instance-actions">
            <button type="button" onClick={props.instance.onEdit} title="Edit its definition (double-click the block)">
              Edit definition
            </button>
            <button type="button" onClick={props.instance.onUngroup} title="Replace it by the blocks of its definition">
              Ungroup
            </button>
          </div>
        </>
      )}
      <h3>Parameters</h3>
      {def ? (
        def.params.length ? (
          <ParamForm
            defs={def.params}
            values={block.params}
            resolved={info?.resolved_params}
            onChange={props.onParams}
            idPrefix={block.id}
            names={props.names}
          />
        ) : (
          <p className="muted">None.</p>
        )
      ) : (
        <p className="muted">Unknown block type: no parameters to show.</p>
      )}
      <label className="param param-bool">
        <input
          type="checkbox"
          checked={props.isOutput}
          onChange={(e) => props.onOutput(e.target.checked)}
        />{" "}
        {props.names ? "block output" : "model output"}
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
