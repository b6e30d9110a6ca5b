import { formatCount, formatShape } from "../lib/params";
import type { Analysis } from "../lib/types";

interface Props {
  analysis: Analysis | null;
  checking: boolean;
  problemCount: number;
  /** No blocks yet: nothing to check. */
  empty: boolean;
  message: string | null;
}

/** Totals of the model and the state of validation. */
export function StatusBar({ analysis, checking, problemCount, empty, message }: Props) {
  return (
    <footer className="status" aria-live="polite">
      <span data-testid="total-params">
        Parameters: <strong>{formatCount(analysis?.total_params)}</strong>
        {analysis?.trainable_params !== null &&
          analysis?.trainable_params !== undefined &&
          analysis.trainable_params !== analysis.total_params &&
          ` (${formatCount(analysis.trainable_params)} trainable)`}
      </span>
      <span data-testid="size-mb">
        Size: <strong>{analysis?.size_mb !== null && analysis?.size_mb !== undefined ? `${analysis.size_mb.toFixed(2)} MB` : "–"}</strong>
      </span>
      <span>
        Output: <strong>{formatShape(analysis?.output_shape)}</strong>
      </span>
      {analysis?.task && <span>Task: {analysis.task}</span>}
      <span data-testid="validity" className={empty ? "muted" : problemCount ? "bad" : "good"}>
        {empty
          ? "no blocks yet"
          : checking
            ? "checking…"
            : problemCount
              ? `${problemCount} problem${problemCount > 1 ? "s" : ""}`
              : "valid"}
      </span>
      {message && <span className="message">{message}</span>}
    </footer>
  );
}
