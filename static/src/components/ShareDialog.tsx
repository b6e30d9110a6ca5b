import { useEffect, useRef, useState } from "react";
import type { ShareState } from "../useSharing";
import { useModal } from "./useModal";

interface Props {
  state: ShareState | null;
  onClose: () => void;
  onSaveCopy: () => void;
  onReload: () => void;
}

/** The result of Share: the model's link, ready to copy, or what went wrong. */
export function ShareDialog({ state, onClose, onSaveCopy, onReload }: Props) {
  const ref = useModal(state !== null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState("");
  const url = state?.kind === "done" ? state.url : null;

  useEffect(() => {
    setCopied("");
    if (url) selectLink();
  }, [url]);

  function selectLink() {
    field.current?.focus();
    field.current?.select();
  }

  async function copy() {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      setCopied("Link copied");
    } catch {
      // No clipboard API (or no permission): select the text for Ctrl+C.
      selectLink();
      let done = false;
      try {
        done = document.execCommand("copy");
      } catch {
        done = false;
      }
      setCopied(done ? "Link copied" : "The link is selected: press Ctrl+C to copy it");
    }
  }

  return (
    <dialog ref={ref} className="share-dialog" aria-labelledby="share-title" onClose={onClose}>
      <h2 id="share-title">Share this model</h2>
      {state?.kind === "saving" && <p role="status">Saving…</p>}
      {state?.kind === "done" && (
        <>
          <p>{state.note}</p>
          <div className="share-link">
            <label htmlFor="share-link">Link</label>
            <input id="share-link" ref={field} readOnly value={state.url} onFocus={(e) => e.target.select()} />
            <button type="button" className="primary" onClick={() => void copy()}>
              Copy link
            </button>
          </div>
          <p className="share-copied" role="status" aria-live="polite" data-testid="copy-status">
            {copied}
          </p>
          <p>
            <a href={state.url} target="_blank" rel="noopener">
              Open the public page
            </a>
          </p>
        </>
      )}
      {state?.kind === "error" && (
        <>
          <p className="share-error" role="alert">
            {state.message}
          </p>
          <div className="dialog-actions">
            {state.canCopy && (
              <button type="button" className="primary" onClick={onSaveCopy}>
                Save as a copy
              </button>
            )}
            {state.canReload && (
              <button type="button" onClick={onReload}>
                Open the newer version
              </button>
            )}
          </div>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
