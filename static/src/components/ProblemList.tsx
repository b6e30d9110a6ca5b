import type { Problem } from "../lib/types";

/** A problem's message and what to do about it. */
export function ProblemText({ problem }: { problem: Problem }) {
  return (
    <>
      <strong>{problem.message}</strong>
      {problem.hint && <span> — {problem.hint}</span>}
    </>
  );
}

/**
 * Problems as a list: message, then the hint on what to do; where in the document each
 * one is (its JSON pointer) sits behind a "details" toggle.
 */
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
            {p.path && (
              <details className="problem-details">
                <summary>details</summary>
                <code className="path">{p.path}</code>
              </details>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
