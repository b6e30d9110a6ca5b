import type { Scope } from "../lib/modules";

interface Props {
  scope: Scope;
  /** The instance opened at each level: the shapes shown are the last one's. */
  opened: string[];
  modelName: string;
  /** Back out to the scope at this depth (0: the model). */
  onLeave: (depth: number) => void;
}

/** Where the canvas is: the model, and the definitions opened from it, each a way back. */
export function Breadcrumb({ scope, opened, modelName, onLeave }: Props) {
  return (
    <nav className="breadcrumb" aria-label="Editing">
      <ol>
        <li>
          <button type="button" className="link" onClick={() => onLeave(0)} title="Back to the model (Esc goes up one level)">
            {modelName || "Model"}
          </button>
        </li>
        {scope.map((name, depth) => (
          <li key={name}>
            {depth === scope.length - 1 ? (
              <span aria-current="location">{name}</span>
            ) : (
              <button type="button" className="link" onClick={() => onLeave(depth + 1)}>
                {name}
              </button>
            )}
          </li>
        ))}
      </ol>
      <span className="muted">
        Editing a block: every use of it changes.{opened.length > 0 && ` Shapes as in ${opened.join(" › ")}.`}
      </span>
    </nav>
  );
}
