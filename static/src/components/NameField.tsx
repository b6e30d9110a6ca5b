import { useEffect, useState } from "react";

interface Props {
  id: string;
  label: string;
  /** The name as it is: the field starts from it, and goes back to it when a draft is refused. */
  value: string;
  /** Why a draft cannot be the name, or null. */
  check: (draft: string) => string | null;
  onCommit: (name: string) => void;
  doc: string;
}

/**
 * A name that other things refer to (a block's id, a definition's name): edited as a draft
 * and taken when the field is left or Enter is pressed; a draft that cannot be the name is
 * put back, and the field says why.
 */
export function NameField({ id, label, value, check, onCommit, doc }: Props) {
  const [draft, setDraft] = useState(value);
  const [reverted, setReverted] = useState<string | null>(null);
  useEffect(() => setDraft(value), [value]);
  const problem = draft === value ? null : check(draft);
  const commit = () => {
    if (draft !== value && !problem) onCommit(draft);
    else {
      if (problem) setReverted(`“${draft}” was not used (${problem}); it stays ${value}.`);
      setDraft(value);
    }
  };
  return (
    <div className="param">
      <label htmlFor={id} className="param-name">
        {label}
      </label>
      <input
        id={id}
        value={draft}
        aria-invalid={problem !== null}
        onChange={(e) => {
          setDraft(e.target.value);
          setReverted(null);
        }}
        onBlur={commit}
        onKeyDown={(e) => e.key === "Enter" && commit()}
      />
      <FieldMessages error={problem} reverted={reverted} />
      <small className="param-doc">{doc}</small>
    </div>
  );
}

/** Under a field: why its draft is wrong, and why an entry was put back. */
export function FieldMessages({ error, reverted }: { error: string | null; reverted: string | null }) {
  return (
    <>
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
    </>
  );
}
