import { useEffect, useId, useState } from "react";
import { isExpr } from "../lib/expr";
import { NONE, fieldText, formatValue, parseValue } from "../lib/params";
import type { ParamDef } from "../lib/types";

interface Props {
  def: ParamDef;
  value: unknown;
  onChange: (value: unknown) => void;
  /** Shown read-only instead of an input (an inferred parameter's resolved value). */
  readOnlyValue?: unknown;
  idPrefix?: string;
  /** Inside a definition: its parameters' kinds by name; the value may reference them (`planes * 4`). */
  names?: Record<string, string>;
}

function placeholder(def: ParamDef): string {
  if (def.required) return "required";
  if (def.default === null || def.default === undefined) return def.nullable ? NONE : "";
  return `default ${formatValue(def.default)}${def.nullable ? ` (or ${NONE})` : ""}`;
}

/** A select's option value for a literal choice, and for a reference to a parameter. */
const REF = "=";
const optionOf = (value: unknown) => (isExpr(value) ? `${REF}${value.expr}` : value === undefined || value === null ? "" : String(value));

/** One parameter's input, chosen by its kind in the catalog, with its doc as help text. */
export function ParamField({ def, value, onChange, readOnlyValue, idPrefix = "p", names = {} }: Props) {
  const id = `${idPrefix}-${useId()}-${def.name}`;
  const help = `${id}-help`;
  const [text, setText] = useState(fieldText(def, value));
  const [error, setError] = useState<string | null>(null);
  const [focused, setFocused] = useState(false);
  const [reverted, setReverted] = useState<string | null>(null);

  useEffect(() => {
    if (!focused) {
      setText(fieldText(def, value));
      setError(null);
    }
  }, [def, value, focused]);

  /** Leaving the field with an invalid text puts the last good value back, and says so. */
  const leave = () => {
    if (error !== null) {
      const kept = fieldText(def, value);
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

  // A choice, or a switch that may be null or reference a definition's parameter: a select.
  const sameKind = Object.keys(names).filter((n) => names[n] === def.kind);
  const references = isExpr(value) || sameKind.length > 0;
  if (def.kind === "choice" || (def.kind === "bool" && (def.nullable || references))) {
    const options: unknown[] = def.kind === "bool" ? [true, false] : (def.choices ?? []);
    const current = value === undefined ? def.default : value;
    return (
      <div className="param" data-param={def.name}>
        {label}
        <select
          id={id}
          aria-describedby={help}
          value={optionOf(current)}
          onChange={(e) => {
            const picked = e.target.value;
            if (picked.startsWith(REF)) onChange({ expr: picked.slice(REF.length) });
            else {
              const choice = picked === "" ? null : options.find((c) => String(c) === picked);
              onChange(choice === def.default ? undefined : choice);
            }
          }}
        >
          {(def.nullable || current === null || current === undefined) && <option value="">{NONE}</option>}
          {options.map((c) => (
            <option key={String(c)} value={String(c)}>
              {String(c)}
            </option>
          ))}
          {sameKind.map((n) => (
            <option key={n} value={`${REF}${n}`}>
              = {n}
            </option>
          ))}
          {isExpr(current) && !sameKind.includes(current.expr) && <option value={optionOf(current)}>= {current.expr}</option>}
        </select>
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

  return (
    <div className={`param${isExpr(value) ? " param-expr" : ""}`} data-param={def.name}>
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
          const parsed = parseValue(def, e.target.value, Object.keys(names));
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
  /** Inside a definition: its parameters' kinds by name, which values may reference. */
  names?: Record<string, string>;
}

/** A form for a list of params; unset values are left out (the registry default applies). */
export function ParamForm({ defs, values, onChange, resolved = {}, idPrefix, names }: FormProps) {
  return (
    <>
      {defs.map((def) => (
        <ParamField
          key={def.name}
          def={def}
          idPrefix={idPrefix}
          names={names}
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
