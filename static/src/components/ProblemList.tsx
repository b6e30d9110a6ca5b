import type { Problem } from "../lib/types";

/** Problems as a list: message, then the hint on what to do, with the JSON pointer. */
export function ProblemList({ problems, title }: { problems: Problem[]; title?: string }) {
  if (!problems.length) return null;
  return (
    <div className="problems" role="alert">
      {title && <h4>{title}</h4>}
      <ul>
        {problems.map((p, i) => (
          <li key={i}>
            <strong>{p.message}</strong>
            {p.hint && <div className="hint">{p.hint}</div>}
            {p.path && <code className="path">{p.path}</code>}
          </li>
        ))}
      </ul>
    </div>
  );
}
