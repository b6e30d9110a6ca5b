import { useEffect, useState } from "react";
import type { GroupRequest } from "../hooks/useDefinitions";
import type { Doc } from "../lib/doc";
import { formatValue } from "../lib/params";
import { exposureName, type Exposure } from "../lib/grouping";
import { nameProblem } from "../lib/modules";
import { useModal } from "./useModal";

interface Props {
  request: GroupRequest | null;
  /** Type names in use (the catalog's blocks, the library, this model's definitions). */
  taken: Set<string>;
  doc: Doc;
  onGroup: (name: string, exposures: Exposure[]) => void;
  onClose: () => void;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function freshName(doc: Doc, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? "Block" : `Block${n}`;
    if (!taken.has(name) && !doc.modules[name]) return name;
  }
}

/**
 * "Group as block": name the new reusable block and choose the inner parameters it
 * exposes. Exposed parameters named alike become one parameter (say `planes` for two
 * convolutions' out_channels).
 */
export function GroupDialog({ request, taken, doc, onGroup, onClose }: Props) {
  const ref = useModal(request !== null);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<Map<string, string>>(new Map());
  const candidates = request?.candidates ?? [];
  const key = (c: { block: string; param: string }) => `${c.block}.${c.param}`;

  useEffect(() => {
    if (!request) return;
    setName(freshName(doc, taken));
    setChosen(new Map());
    // A fresh form each time the dialog opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [request]);

  const problem = name === "" ? "a name is needed" : nameProblem(name, doc, taken);
  const exposures: Exposure[] = candidates
    .filter((c) => chosen.has(key(c)))
    .map((c) => ({ block: c.block, param: c.param, name: chosen.get(key(c))! }));
  const clash = exposures.find((e) => {
    const kind = candidates.find((c) => key(c) === `${e.block}.${e.param}`)?.kind;
    return exposures.some((o) => o.name === e.name && candidates.find((c) => key(c) === `${o.block}.${o.param}`)?.kind !== kind);
  });
  const badName = exposures.find((e) => !IDENTIFIER.test(e.name));
  const paramProblem = badName
    ? `“${badName.name}” is not a parameter name (letters, digits and _)`
    : clash
      ? `${clash.name} names parameters of different kinds`
      : null;

  const toggle = (candidate: (typeof candidates)[number], on: boolean) => {
    const next = new Map(chosen);
    if (on) next.set(key(candidate), exposureName(candidate, new Set(next.values())));
    else next.delete(key(candidate));
    setChosen(next);
  };

  return (
    <dialog ref={ref} className="group-dialog" aria-labelledby="group-title" onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem && !paramProblem) onGroup(name, exposures);
        }}
      >
        <h2 id="group-title">Group as block</h2>
        <p className="muted">
          {request?.plan.ids.length} blocks become one reusable block, defined once in this model; use it again from
          the palette's “{"Blocks in this model"}”.
        </p>
        <div className="param">
          <label htmlFor="group-name" className="param-name">
            name
          </label>
          <input id="group-name" value={name} aria-invalid={problem !== null} onChange={(e) => setName(e.target.value)} autoFocus />
          {problem && name !== "" && (
            <small className="param-error" role="alert">
              {problem}
            </small>
          )}
          <small className="param-doc">The class name in the generated model.py, e.g. BasicBlock.</small>
        </div>
        <h3>Parameters it exposes</h3>
        {candidates.length === 0 ? (
          <p className="muted">The grouped blocks have no parameters to expose.</p>
        ) : (
          <table className="exposures">
            <thead>
              <tr>
                <th scope="col">expose</th>
                <th scope="col">inner parameter</th>
                <th scope="col">value</th>
                <th scope="col">as</th>
              </tr>
            </thead>
            <tbody>
              {candidates.map((c) => (
                <tr key={key(c)} data-exposure={key(c)}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`expose ${key(c)}`}
                      checked={chosen.has(key(c))}
                      onChange={(e) => toggle(c, e.target.checked)}
                    />
                  </td>
                  <td>
                    <code>{key(c)}</code>
                  </td>
                  <td>{formatValue(c.value)}</td>
                  <td>
                    {chosen.has(key(c)) && (
                      <input
                        aria-label={`name of ${key(c)}`}
                        value={chosen.get(key(c))}
                        onChange={(e) => setChosen(new Map(chosen).set(key(c), e.target.value))}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted">Give two parameters the same name to set both with one value.</p>
        {paramProblem && (
          <p className="param-error" role="alert">
            {paramProblem}
          </p>
        )}
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={problem !== null || paramProblem !== null}>
            Group
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
