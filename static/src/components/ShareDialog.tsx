import { useEffect, useRef, useState } from "react";
import type { Doc } from "../lib/doc";
import type { ShareState } from "../useSharing";
import { useModal } from "./useModal";

interface Props {
  state: ShareState | null;
  doc: Doc;
  /** Save the model with this description and these tags. */
  onShare: (description: string, tags: string[]) => void;
  onClose: () => void;
  onSaveCopy: () => void;
  onReload: () => void;
}

/** Tags as typed, comma separated: trimmed, without repeats or empties. */
export function parseTags(text: string): string[] {
  const tags = text.split(",").map((t) => t.trim()).filter(Boolean);
  return [...new Set(tags)].slice(0, 20);
}

/**
 * Share: describe and tag the model, save it, and show its link ready to copy (or what
 * went wrong).
 */
export function ShareDialog({ state, doc, onShare, onClose, onSaveCopy, onReload }: Props) {
  const ref = useModal(state !== null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState("");
  const [description, setDescription] = useState(doc.description);
  const [tags, setTags] = useState(doc.tags.join(", "));
  const url = state?.kind === "done" ? state.url : null;
  const composing = state?.kind === "compose";

  useEffect(() => {
    if (!composing) return;
    setDescription(doc.description);
    setTags(doc.tags.join(", "));
    // Fill the form from the model each time the dialog opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [composing]);

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
      {composing && (
        <form
          className="share-form"
          onSubmit={(e) => {
            e.preventDefault();
            onShare(description.trim(), parseTags(tags));
          }}
        >
          <p>
            <strong>{doc.name}</strong> will be saved with a public link; the gallery lists it.
          </p>
          <label htmlFor="share-description">Description</label>
          <textarea
            id="share-description"
            rows={3}
            maxLength={2000}
            value={description}
            placeholder="What the model does, what data it is for"
            onChange={(e) => setDescription(e.target.value)}
          />
          <label htmlFor="share-tags">Tags</label>
          <input
            id="share-tags"
            value={tags}
            placeholder="e.g. cnn, mnist, residual"
            onChange={(e) => setTags(e.target.value)}
          />
          <small className="muted">Separated by commas; the gallery's search finds them.</small>
          <div className="dialog-actions">
            <button type="submit" className="primary">
              Share
            </button>
          </div>
        </form>
      )}
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
