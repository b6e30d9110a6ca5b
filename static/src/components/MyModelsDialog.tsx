import { useEffect, useRef, useState } from "react";
import { pageUrl, type MyModel } from "../lib/shared";
import { useModal } from "./useModal";

interface Props {
  open: boolean;
  models: MyModel[];
  /** The stored id of the open document, if any. */
  current?: string;
  onOpen: (id: string) => void;
  onDelete: (id: string) => Promise<void>;
  onClose: () => void;
}

function savedTime(savedAt: string): string {
  const time = Date.parse(savedAt);
  return Number.isNaN(time) ? "unknown" : new Date(time).toLocaleString();
}

/** The models this browser saved (it holds their edit tokens): open, visit or delete them. */
export function MyModelsDialog({ open, models, current, onOpen, onDelete, onClose }: Props) {
  const ref = useModal(open);
  const closeButton = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [refocus, setRefocus] = useState<string | null>(null);

  useEffect(() => {
    if (!open) {
      setConfirming(null);
      setStatus("");
    }
  }, [open]);

  // After a row changes, put focus somewhere that still exists.
  useEffect(() => {
    if (refocus === null) return;
    const target = refocus ? document.getElementById(refocus) : null;
    (target ?? closeButton.current)?.focus();
    setRefocus(null);
  }, [refocus, models]);

  async function remove(model: MyModel) {
    setBusy(true);
    try {
      await onDelete(model.id);
      setStatus(`Deleted "${model.name}".`);
      setConfirming(null);
      setRefocus("");
    } catch (error) {
      setStatus(`"${model.name}" was not deleted: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="my-models" aria-labelledby="my-models-title" onClose={onClose}>
      <h2 id="my-models-title">My models</h2>
      <p className="muted">Models shared from this browser, which holds the keys to change or delete them.</p>
      {models.length === 0 ? (
        <p>None yet: Share a model to save it and get its link.</p>
      ) : (
        <ul className="my-models-list">
          {models.map((model) => (
            <li key={model.id} data-model-id={model.id}>
              <div className="my-model-info">
                <a href={pageUrl(model.id)} target="_blank" rel="noopener">
                  {model.name}
                </a>
                {model.id === current && <span className="badge">open</span>}
                {model.forkedFrom && (
                  <span className="muted forked-from">
                    forked from <a href={pageUrl(model.forkedFrom)}>{model.forkedFrom}</a>
                  </span>
                )}
                <span className="muted">
                  saved <time dateTime={model.savedAt}>{savedTime(model.savedAt)}</time> ·{" "}
                  <code className="my-model-id">{model.id}</code>
                </span>
              </div>
              {confirming === model.id ? (
                <div className="my-model-actions" role="group" aria-label={`Delete ${model.name}?`}>
                  <span>Delete it for everyone? Its link stops working.</span>
                  <button type="button" className="danger-button" disabled={busy} onClick={() => void remove(model)}>
                    Delete for good
                  </button>
                  <button
                    type="button"
                    autoFocus
                    onClick={() => {
                      setConfirming(null);
                      setRefocus(`delete-${model.id}`);
                    }}
                  >
                    Cancel
                  </button>
                </div>
              ) : (
                <div className="my-model-actions">
                  <button type="button" aria-label={`Open ${model.name}`} onClick={() => onOpen(model.id)}>
                    Open
                  </button>
                  <button
                    type="button"
                    id={`delete-${model.id}`}
                    aria-label={`Delete ${model.name}`}
                    onClick={() => setConfirming(model.id)}
                  >
                    Delete
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <p role="status" aria-live="polite" className="my-models-status">
        {status}
      </p>
      <div className="dialog-actions">
        <button type="button" ref={closeButton} onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
