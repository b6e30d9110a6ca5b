import { useState } from "react";
import type { Definition, Doc } from "../lib/doc";
import { isExpr, namesIn } from "../lib/expr";
import { MODULE_PARAM_KINDS, definitionBlock, nameProblem, updateDefinition } from "../lib/modules";
import type { ModuleParam } from "../lib/types";
import { NameField } from "./NameField";
import { ParamField } from "./ParamField";

interface Props {
  name: string;
  definition: Definition;
  /** How many blocks use it. */
  uses: number;
  taken: Set<string>;
  doc: Doc;
  onRename: (to: string) => void;
  onChange: (doc: Doc) => void;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIRST_DEFAULT: Record<ModuleParam["kind"], unknown> = { int: 1, float: 1.0, bool: false, choice: null };

/** The parameters of a definition its inner blocks reference. */
function referenced(definition: Definition): Set<string> {
  const used = new Set<string>();
  for (const block of definition.blocks) {
    for (const value of Object.values(block.params)) if (isExpr(value)) namesIn(value.expr).forEach((n) => used.add(n));
  }
  return used;
}

/** The definition being edited: its name, description, parameters and inputs. */
export function DefinitionPanel({ name, definition, uses, taken, doc, onRename, onChange }: Props) {
  const [newParam, setNewParam] = useState("");
  const [newKind, setNewKind] = useState<ModuleParam["kind"]>("int");
  const params = definitionBlock(name, definition).params;
  const used = referenced(definition);
  const setParams = (next: Definition["params"]) => onChange(updateDefinition(doc, name, { params: next }));
  const paramProblem =
    newParam === ""
      ? null
      : !IDENTIFIER.test(newParam)
        ? "letters, digits and _, not starting with a digit"
        : definition.params[newParam]
          ? "there is a parameter of this name"
          : null;
  return (
    <section className="panel-section" aria-label={`Definition ${name}`}>
      <h2>
        {name} <span className="muted">definition</span>
      </h2>
      <p className="doc">
        Used by {uses} block{uses === 1 ? "" : "s"}; every one changes with this definition. Inner blocks take values
        from its parameters: type a parameter's name, or arithmetic such as <code>planes * 4</code>, in their fields.
      </p>
      <NameField
        id="definition-name"
        label="name"
        value={name}
        check={(draft) => nameProblem(draft, doc, taken, name)}
        onCommit={onRename}
        doc="The class name in model.py; every block of this type is renamed with it."
      />
      <div className="param">
        <label htmlFor="definition-description" className="param-name">
          description
        </label>
        <input
          id="definition-description"
          value={definition.description}
          placeholder="optional: the class docstring"
          maxLength={500}
          onChange={(e) => onChange(updateDefinition(doc, name, { description: e.target.value }))}
        />
      </div>
      <h3>Inputs</h3>
      <p className="muted">{definition.inlets.map((i) => i.id).join(", ")} (in argument order)</p>
      <h3>Parameters</h3>
      {params.length === 0 && <p className="muted">None yet.</p>}
      {params.map((def) => (
        <div key={def.name} className="definition-param" data-definition-param={def.name}>
          <ParamField
            def={{ ...def, doc: `${def.kind}: the default of each use that does not set it.` }}
            idPrefix={`def-${name}`}
            value={definition.params[def.name].default}
            onChange={(value) =>
              value !== undefined && setParams({ ...definition.params, [def.name]: { ...definition.params[def.name], default: value } })
            }
          />
          <button
            type="button"
            className="link"
            disabled={used.has(def.name)}
            title={used.has(def.name) ? "An inner block uses it" : undefined}
            onClick={() => {
              const { [def.name]: _gone, ...rest } = definition.params;
              setParams(rest);
            }}
          >
            remove {def.name}
          </button>
        </div>
      ))}
      <div className="definition-add">
        <input aria-label="new parameter name" placeholder="new parameter" value={newParam} onChange={(e) => setNewParam(e.target.value)} />
        <select aria-label="new parameter kind" value={newKind} onChange={(e) => setNewKind(e.target.value as ModuleParam["kind"])}>
          {MODULE_PARAM_KINDS.filter((k) => k !== "choice").map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <button
          type="button"
          disabled={newParam === "" || paramProblem !== null}
          onClick={() => {
            setParams({ ...definition.params, [newParam]: { kind: newKind, default: FIRST_DEFAULT[newKind] } });
            setNewParam("");
          }}
        >
          Add
        </button>
        {paramProblem && (
          <small className="param-error" role="alert">
            {paramProblem}
          </small>
        )}
      </div>
    </section>
  );
}
