import { useEffect, useMemo, useState } from "react";
import * as R from "../lib/runs";
import { Chart, colour, type Series } from "./Chart";
import { useModal } from "./useModal";

interface Props {
  ids: string[];
  onClose: () => void;
}

const POLL_MS = 1500;
const show = (value: unknown) =>
  typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(4)) : String(value ?? "—");

/** The x axis shared by runs of different lengths, and each run's values on it. */
function aligned(runs: R.Run[], pick: (e: R.Epoch) => number | null) {
  const longest = Math.max(0, ...runs.map((r) => r.history.length ? r.history[r.history.length - 1].epoch : 0));
  const x = Array.from({ length: longest }, (_, i) => i + 1);
  const values = runs.map((r) => {
    const byEpoch = new Map(r.history.map((e) => [e.epoch, pick(e)]));
    return x.map((epoch) => byEpoch.get(epoch) ?? null);
  });
  return { x, values };
}

/**
 * Compare runs: their curves overlaid, a table of final metrics, and what differs
 * between their specs (training settings and blocks). Runs still going are refreshed.
 */
export function CompareView({ ids, onClose }: Props) {
  const ref = useModal(true);
  const [runs, setRuns] = useState<R.Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const key = ids.join(",");

  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const load = async () => {
      try {
        const loaded = await Promise.all(ids.map(R.getRun));
        if (stopped) return;
        setRuns(loaded);
        if (loaded.some((r) => !R.FINISHED.includes(r.status))) timer = window.setTimeout(load, POLL_MS);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
    };
    void load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const labels = runs.map((r, i) => `${i + 1}. ${r.name}`);
  const loss = useMemo(() => {
    const val = aligned(runs, (e) => e.val_loss);
    const train = aligned(runs, (e) => e.loss);
    const series: Series[] = runs.flatMap((_, i) => [
      { label: `${labels[i]} val_loss`, values: val.values[i] },
      { label: `${labels[i]} loss`, values: train.values[i], dash: true },
    ]);
    return { x: val.x, series };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs]);
  const metric = useMemo(() => {
    const m = aligned(runs, (e) => e.metric);
    return { x: m.x, series: runs.map((_, i) => ({ label: labels[i], values: m.values[i] })) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs]);
  const differences = useMemo(() => R.specDifferences(runs.map((r) => r.spec)), [runs]);
  const metricKeys = ["val_metric", "val_loss", "loss", "test_metric", "epochs", "seconds"].filter((k) =>
    runs.some((r) => r.metrics?.[k] !== undefined),
  );

  return (
    <dialog ref={ref} className="compare-view" aria-labelledby="compare-title" onClose={onClose}>
      <h2 id="compare-title">Compare runs</h2>
      {error && <p className="run-error">{error}</p>}
      <ul className="compare-legend">
        {runs.map((r, i) => (
          <li key={r.id} style={{ color: colour(2 * i) }}>
            {labels[i]} <span className={`run-status status-${r.status}`}>{r.status}</span>
          </li>
        ))}
      </ul>
      {runs.length > 0 && (
        <div className="compare-charts">
          <Chart title="Validation loss (solid) and training loss (dashed)" x={loss.x} series={loss.series} height={240} logScale />
          <Chart title="Validation metric" x={metric.x} series={metric.series} height={200} />
        </div>
      )}
      <h3>Final metrics</h3>
      <table className="compare-metrics">
        <thead>
          <tr>
            <th>run</th>
            {metricKeys.map((k) => (
              <th key={k}>{k}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((r, i) => (
            <tr key={r.id}>
              <td>{labels[i]}</td>
              {metricKeys.map((k) => (
                <td key={k}>{show(r.metrics?.[k])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h3>What differs</h3>
      {differences.length === 0 ? (
        <p className="muted">The specs are the same.</p>
      ) : (
        <table className="compare-diff">
          <thead>
            <tr>
              <th>setting</th>
              {runs.map((r, i) => (
                <th key={r.id}>{i + 1}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {differences.map((d) => (
              <tr key={d.path}>
                <td>
                  <code>{d.path}</code>
                </td>
                {d.values.map((v, i) => (
                  <td key={i}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
