import { useEffect, useId, useState } from "react";
import { formatValue, parseValue } from "../lib/params";
import type { ParamDef } from "../lib/types";

interface Props {
  def: ParamDef;
  value: unknown;
  onChange: (value: unknown) => void;
  /** Shown read-only instead of an input (an inferred parameter's resolved value). */
  readOnlyValue?: unknown;
  idPrefix?: string;
}

function placeholder(def: ParamDef): string {
  if (def.required) return "required";
  if (def.default === null || def.default === undefined) return def.nullable ? "none" : "";
  return `default ${formatValue(def.default)}`;
}

/** One parameter's input, chosen by its kind in the catalog, with its doc as help text. */
export function ParamField({ def, value, onChange, readOnlyValue, idPrefix = "p" }: Props) {
  const id = `${idPrefix}-${useId()}-${def.name}`;
  const help = `${id}-help`;
  const [text, setText] = useState(formatValue(value));
  const [error, setError] = useState<string | null>(null);
  const [focused, setFocused] = useState(false);
  const [reverted, setReverted] = useState<string | null>(null);

  useEffect(() => {
    if (!focused) {
      setText(formatValue(value));
      setError(null);
    }
  }, [value, focused]);

  /** Leaving the field with an invalid text puts the last good value back, and says so. */
  const leave = () => {
    if (error !== null) {
      const kept = formatValue(value);
      setReverted(`“${text.trim()}” is not valid here (${error}), so ${def.name} stays ${kept === "" ? "at its default" : kept}.`);
    }
    setFocused(false);
  };

  const label = (
    <label htmlFor={id} className="param-name">
      {def.name}
      {def.required && <span className="required"> *</span>}
    </label>
  );
  const doc = (
    <small id={help} className="param-doc">
      {def.doc}
      {def.min !== null && def.max !== null && def.kind !== "bool" ? ` (${def.min}–${def.max})` : ""}
    </small>
  );

  if (def.inferred) {
    const shown = value !== undefined ? value : readOnlyValue;
    return (
      <div className="param inferred" data-param={def.name}>
        {label}
        <input id={id} readOnly aria-describedby={help} value={formatValue(shown)} placeholder="inferred" />
        {doc}
      </div>
    );
  }

  if (def.kind === "bool") {
    const checked = value === undefined ? Boolean(def.default) : Boolean(value);
    return (
      <div className="param param-bool" data-param={def.name}>
        <label htmlFor={id} className="param-name">
          <input
            id={id}
            type="checkbox"
            aria-describedby={help}
            checked={checked}
            onChange={(e) => onChange(e.target.checked === def.default ? undefined : e.target.checked)}
          />{" "}
          {def.name}
        </label>
        {doc}
      </div>
    );
  }

  if (def.kind === "choice" && def.choices) {
    const current = value === undefined ? def.default : value;
    return (
      <div className="param" data-param={def.name}>
        {label}
        <select
          id={id}
          aria-describedby={help}
          value={current === null || current === undefined ? "" : String(current)}
          onChange={(e) => {
            const choice = def.choices!.find((c) => String(c) === e.target.value);
            onChange(choice === def.default ? undefined : choice);
          }}
        >
          {(current === null || current === undefined) && <option value="">—</option>}
          {def.choices.map((c) => (
            <option key={String(c)} value={String(c)}>
              {String(c)}
            </option>
          ))}
        </select>
        {doc}
      </div>
    );
  }

  return (
    <div className="param" data-param={def.name}>
      {label}
      <input
        id={id}
        type="text"
        inputMode={def.kind === "str" ? "text" : "decimal"}
        aria-describedby={help}
        aria-invalid={error !== null}
        value={text}
        placeholder={placeholder(def)}
        onFocus={() => setFocused(true)}
        onBlur={leave}
        onChange={(e) => {
          setText(e.target.value);
          setReverted(null);
          const parsed = parseValue(def, e.target.value);
          if (parsed.ok) {
            setError(null);
            onChange(parsed.value);
          } else {
            setError(parsed.message);
          }
        }}
      />
      {error && (
        <small className="param-error" role="alert">
          {def.name}: {error}
        </small>
      )}
      {reverted && (
        <small className="param-reverted" role="status">
          {reverted}
        </small>
      )}
      {doc}
    </div>
  );
}

interface FormProps {
  defs: ParamDef[];
  values: Record<string, unknown>;
  onChange: (values: Record<string, unknown>) => void;
  resolved?: Record<string, unknown>;
  idPrefix?: string;
}

/** A form for a list of params; unset values are left out (the registry default applies). */
export function ParamForm({ defs, values, onChange, resolved = {}, idPrefix }: FormProps) {
  return (
    <>
      {defs.map((def) => (
        <ParamField
          key={def.name}
          def={def}
          idPrefix={idPrefix}
          value={values[def.name]}
          readOnlyValue={resolved[def.name]}
          onChange={(value) => {
            const next = { ...values };
            if (value === undefined) delete next[def.name];
            else next[def.name] = value;
            onChange(next);
          }}
        />
      ))}
    </>
  );
}
