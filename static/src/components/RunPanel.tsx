import { useEffect, useMemo, useState } from "react";
import { useRun } from "../hooks/useRun";
import * as R from "../lib/runs";
import type { Spec } from "../lib/types";
import { Chart, type Series } from "./Chart";
import { CompareView } from "./CompareView";
import { TryIt } from "./TryIt";
import "./runs.css";

interface Props {
  spec: Spec;
  /** The model is valid and has training settings: it can run. */
  runnable: boolean;
  say: (text: string) => void;
}

const fixed = (value: unknown, digits = 4) =>
  typeof value === "number" ? value.toFixed(digits) : value === null || value === undefined ? "—" : String(value);

/** Curves of one run: losses, and the metric beside the learning rate. */
export function RunCurves({ run }: { run: R.Run }) {
  const x = run.history.map((e) => e.epoch);
  const losses: Series[] = useMemo(
    () => [
      { label: "loss", values: run.history.map((e) => e.loss) },
      { label: "val_loss", values: run.history.map((e) => e.val_loss) },
    ],
    [run.history],
  );
  const metric = String(run.metrics?.metric ?? "metric");
  const others: Series[] = useMemo(
    () => [
      { label: `val ${metric}`, values: run.history.map((e) => e.metric) },
      { label: "lr", values: run.history.map((e) => e.lr), right: true, dash: true },
    ],
    [run.history, metric],
  );
  return (
    <div className="run-curves">
      <Chart title="Loss" x={x} series={losses} />
      <Chart title={`Validation ${metric} and learning rate`} x={x} series={others} />
    </div>
  );
}

function ProgressBar({ run }: { run: R.Run }) {
  const p = run.progress;
  const epoch = p?.epoch ?? run.history.length;
  const within = p && p.batches ? p.batch / p.batches : 0;
  const done = run.epochs ? Math.min(1, (run.history.length + within) / run.epochs) : 0;
  if (p?.stage === "starting") return <p className="run-progress muted">Starting: generating the project, loading torch…</p>;
  return (
    <div className="run-progress">
      <div className="run-progress-label">
        epoch {Math.min(epoch, run.epochs) || 0}/{run.epochs}
        {p && p.batches ? ` · batch ${p.batch}/${p.batches}` : ""}
        {p?.loss != null ? ` · loss ${p.loss.toFixed(4)}` : ""}
      </div>
      <progress aria-label="Progress within the epoch" max={1} value={within} />
      <progress aria-label="Progress of the run" max={1} value={done} />
    </div>
  );
}

function Metrics({ run }: { run: R.Run }) {
  const metrics = run.metrics ?? {};
  const shown = ["val_metric", "val_loss", "loss", "test_metric", "epochs", "best_epoch", "seconds"];
  const perClass = metrics.per_class_accuracy as number[] | undefined;
  return (
    <>
      <table className="run-metrics">
        <tbody>
          {shown
            .filter((k) => metrics[k] !== undefined)
            .map((k) => (
              <tr key={k}>
                <th>{k === "val_metric" ? `val ${String(metrics.metric ?? "metric")}` : k}</th>
                <td>{fixed(metrics[k], k === "epochs" || k === "best_epoch" ? 0 : 4)}</td>
              </tr>
            ))}
        </tbody>
      </table>
      {perClass && (
        <p className="muted">per-class accuracy: {perClass.map((v) => v.toFixed(2)).join(" · ")}</p>
      )}
      {run.artifacts.includes("confusion.png") && (
        <img className="run-confusion" src={R.artifactUrl(run.id, "confusion.png")} alt="Confusion matrix" />
      )}
      <p className="run-downloads">
        {run.artifacts.includes("model.pt") && (
          <a href={R.artifactUrl(run.id, "model.pt")} download>
            Download model.pt
          </a>
        )}
        {run.artifacts.includes("train.log") && (
          <a href={R.artifactUrl(run.id, "train.log")} target="_blank" rel="noreferrer">
            Log
          </a>
        )}
      </p>
    </>
  );
}

/**
 * The Run tab: check one batch, run the model in a worker and watch its curves, see the
 * results of a finished run, try the trained model, and compare runs.
 */
export function RunPanel({ spec, runnable, say }: Props) {
  const { run, myRuns, busy, start, cancel, open, remember } = useRun(say);
  const [epochs, setEpochs] = useState<number>(Number(spec.training?.epochs ?? 10));
  const [check, setCheck] = useState<R.CheckResult | string | null>(null);
  const [checking, setChecking] = useState(false);
  const [experiments, setExperiments] = useState<R.Experiment[]>([]);
  const [compare, setCompare] = useState<string[] | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const active = run !== null && !R.FINISHED.includes(run.status);

  useEffect(() => setEpochs(Number(spec.training?.epochs ?? 10)), [spec.training?.epochs]);
  useEffect(() => {
    R.listExperiments().then(setExperiments, () => setExperiments([]));
  }, []);

  const runCheck = async () => {
    setChecking(true);
    setCheck(null);
    try {
      setCheck(await R.checkSpec(spec));
    } catch (e) {
      setCheck((e as Error).message);
    } finally {
      setChecking(false);
    }
  };

  const startExperiment = async (experiment: R.Experiment) => {
    try {
      const runs = await R.startExperiment(experiment.name);
      runs.forEach((r) => remember(r.id, `${experiment.title}: ${r.label}`));
      setCompare(runs.map((r) => r.id));
    } catch (e) {
      say(`The experiment did not start: ${(e as Error).message}`);
    }
  };

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="run-panel panel-section">
      <div className="run-actions">
        <label>
          Epochs{" "}
          <input
            type="number"
            min={1}
            max={10000}
            value={epochs}
            onChange={(e) => setEpochs(Math.max(1, Number(e.target.value) || 1))}
          />
        </label>
        <button type="button" onClick={() => void runCheck()} disabled={!runnable || checking}>
          {checking ? "Checking…" : "Check"}
        </button>
        <button type="button" className="primary" onClick={() => void start(spec, epochs)} disabled={!runnable || busy || active}>
          Run
        </button>
        {active && (
          <button type="button" onClick={() => void cancel()}>
            Cancel
          </button>
        )}
      </div>
      {!runnable && <p className="muted">Fix the model's problems and choose its training settings to run it.</p>}
      {check && (
        <p className="run-check" role="status">
          {typeof check === "string"
            ? `Check failed: ${check}`
            : `Loss ${fixed(check.loss)}, gradients ${check.grads_finite ? "finite" : "NOT finite"}, ` +
              `${(check.seconds_per_batch * 1000).toFixed(1)} ms per batch, about ` +
              `${check.seconds_per_epoch.toFixed(1)} s per epoch of ${check.batches} batches, ` +
              `peak memory ${check.peak_memory_mb.toFixed(0)} MB`}
        </p>
      )}
      {run && (
        <section className="run-current" aria-label="Current run">
          <h3>
            {run.name} <span className={`run-status status-${run.status}`}>{run.status}</span>
          </h3>
          {run.status === "failed" && <p className="run-error">{run.error}</p>}
          {run.status === "running" && <ProgressBar run={run} />}
          {run.status === "queued" && <p className="muted">Waiting for a worker…</p>}
          {run.history.length > 0 && <RunCurves run={run} />}
          {run.status === "succeeded" && <Metrics run={run} />}
          {run.status === "succeeded" && run.artifacts.includes("model.pt") && <TryIt run={run} />}
        </section>
      )}
      {myRuns.length > 0 && (
        <section aria-label="Runs">
          <h3>Runs</h3>
          <ul className="run-list">
            {myRuns.map((r) => (
              <li key={r.id}>
                <input
                  type="checkbox"
                  aria-label={`Compare ${r.name}`}
                  checked={selected.has(r.id)}
                  onChange={() => toggle(r.id)}
                />
                <button type="button" className="link" onClick={() => void open(r.id)}>
                  {r.name}
                </button>
                <span className="muted"> {new Date(r.startedAt).toLocaleString()}</span>
              </li>
            ))}
          </ul>
          <button type="button" disabled={selected.size < 2} onClick={() => setCompare([...selected])}>
            Compare {selected.size > 1 ? selected.size : ""} runs
          </button>
        </section>
      )}
      {experiments.length > 0 && (
        <section aria-label="Experiments">
          <h3>Experiments</h3>
          {experiments.map((e) => (
            <div key={e.name} className="run-experiment">
              <button type="button" onClick={() => void startExperiment(e)}>
                {e.title}
              </button>
              <p className="muted">{e.description}</p>
            </div>
          ))}
        </section>
      )}
      {compare && <CompareView ids={compare} onClose={() => setCompare(null)} />}
    </div>
  );
}
