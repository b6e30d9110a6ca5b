import { useEffect, useState } from "react";
import type { InputSpec, ParamDef } from "../lib/types";
import { ParamField } from "./ParamField";

type DType = NonNullable<InputSpec["dtype"]>;

/** What each dtype of the spec's `input.dtype` means (typed by the schema: every dtype is here). */
const DTYPES: Record<DType, string> = {
  float32: "float32: features (numbers, pixels)",
  int64: "int64: token ids, each below the vocabulary size (for an Embedding)",
};

/** The byte-level vocabulary, a token input's first vocabulary size. */
const BYTES = 256;

function field(name: string, kind: ParamDef["kind"], doc: string, extra: Partial<ParamDef> = {}): ParamDef {
  return {
    name,
    kind,
    doc,
    default: null,
    required: false,
    inferred: false,
    min: null,
    max: null,
    exclusive_min: false,
    choices: null,
    length: null,
    nullable: false,
    data_path: false,
    ...extra,
  };
}

const DTYPE_FIELD = field("dtype", "choice", "What one value of the input is.", {
  default: "float32",
  choices: Object.keys(DTYPES),
});
const VOCAB_FIELD = field("vocab_size", "int", "Token ids are in [0, vocab_size): an Embedding's num_embeddings.", {
  required: true,
  min: 2,
});

interface Props {
  input: InputSpec;
  /** The shape's help, fitted to the first layer. */
  hint: string;
  onChange: (input: InputSpec) => void;
}

/** The model's input: one sample's shape, its dtype and (token ids) its vocabulary. */
export function InputFields({ input, hint, onChange }: Props) {
  const tokens = input.dtype === "int64";
  return (
    <fieldset className="component" data-component="input">
      <legend>Input</legend>
      <ShapeInput shape={input.shape} hint={hint} onChange={(shape) => onChange({ ...input, shape })} />
      <ParamField
        def={DTYPE_FIELD}
        idPrefix="input"
        value={tokens ? "int64" : undefined}
        onChange={(dtype) =>
          onChange(dtype === "int64" ? { ...input, dtype: "int64", vocab_size: input.vocab_size ?? BYTES } : { shape: input.shape })
        }
      />
      <small className="param-doc">{DTYPES[tokens ? "int64" : "float32"]}</small>
      {tokens && (
        <ParamField
          def={VOCAB_FIELD}
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
      {error && (
        <small className="param-error" role="alert">
          {error}
        </small>
      )}
      {reverted && (
        <small className="param-reverted" role="status">
          {reverted}
        </small>
      )}
      <small id="input-shape-help" className="param-doc">
        {hint}
      </small>
    </div>
  );
}

