import { useEffect, useState } from "react";
import type { InputSpec, ParamDef } from "../lib/types";
import { FieldMessages } from "./NameField";
import { ParamField } from "./ParamField";

interface Props {
  /** The catalog's fields of the input besides its shape: dtype, vocab_size. */
  fields: ParamDef[];
  input: InputSpec;
  /** The shape's help, fitted to the first layer. */
  hint: string;
  onChange: (input: InputSpec) => void;
}

/** The model's input: one sample's shape, its dtype and (token ids) its vocabulary. */
export function InputFields({ fields, input, hint, onChange }: Props) {
  const tokens = input.dtype === "int64";
  const [dtypeField, vocabField] = ["dtype", "vocab_size"].map((name) => fields.find((f) => f.name === name)!);
  return (
    <fieldset className="component" data-component="input">
      <legend>Input</legend>
      <ShapeInput shape={input.shape} hint={hint} onChange={(shape) => onChange({ ...input, shape })} />
      <ParamField
        def={dtypeField}
        idPrefix="input"
        value={tokens ? "int64" : undefined}
        onChange={(dtype) =>
          onChange(dtype === "int64" ? { ...input, dtype: "int64", vocab_size: input.vocab_size ?? (vocabField.default as number) } : { shape: input.shape })
        }
      />
      {tokens && (
        <ParamField
          def={{ ...vocabField, required: true }}
          idPrefix="input"
          value={input.vocab_size ?? undefined}
          onChange={(vocab) => onChange({ ...input, vocab_size: typeof vocab === "number" ? vocab : null })}
        />
      )}
    </fieldset>
  );
}

interface ShapeProps {
  shape: number[];
  hint: string;
  onChange: (s: number[]) => void;
}

function ShapeInput({ shape, hint, onChange }: ShapeProps) {
  const [text, setText] = useState(shape.join(", "));
  const [error, setError] = useState<string | null>(null);
  const [reverted, setReverted] = useState<string | null>(null);
  useEffect(() => setText(shape.join(", ")), [shape]);
  return (
    <div className="param">
      <label htmlFor="input-shape" className="param-name">
        input shape
      </label>
      <input
        id="input-shape"
        value={text}
        aria-invalid={error !== null}
        aria-describedby="input-shape-help"
        onBlur={() => {
          if (error === null) return;
          setReverted(`“${text.trim()}” is not a shape (${error}), so the input stays ${shape.join(", ")}.`);
          setText(shape.join(", "));
          setError(null);
        }}
        onChange={(e) => {
          setText(e.target.value);
          setReverted(null);
          const parts = e.target.value.split(/[,\sx×]+/).filter(Boolean).map(Number);
          if (parts.length && parts.every((n) => Number.isInteger(n) && n > 0)) {
            setError(null);
            onChange(parts);
          } else {
            setError("positive whole numbers, e.g. 3, 32, 32");
          }
        }}
      />
      <FieldMessages error={error} reverted={reverted} />
      <small id="input-shape-help" className="param-doc">
        {hint}
      </small>
    </div>
  );
}

