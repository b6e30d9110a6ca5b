import { useState } from "react";
import * as R from "../lib/runs";

/**
 * Try it: the trained model's prediction for an image or a CSV row, with the class
 * probabilities. The server runs the project's predict.py on the input in a worker.
 */
export function TryIt({ run }: { run: R.Run }) {
  const kind = run.spec.training?.dataset?.kind ?? "";
  const rows = kind === "csv";
  const images = ["mnist", "fashion-mnist", "cifar10", "image-folder", "image-csv"].includes(kind);
  const [row, setRow] = useState("");
  const [result, setResult] = useState<R.Prediction | string | null>(null);
  const [pending, setPending] = useState(false);
  if (!rows && !images) return null;

  const send = async (input: File | string) => {
    setPending(true);
    setResult(null);
    try {
      setResult(await R.predict(run.id, input));
    } catch (e) {
      setResult((e as Error).message);
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="try-it" aria-label="Try it">
      <h3>Try it</h3>
      <label>
        {images ? "An image: " : "A CSV file (header and rows): "}
        <input
          type="file"
          accept={images ? "image/*" : ".csv,text/csv"}
          onChange={(e) => e.target.files?.[0] && void send(e.target.files[0])}
        />
      </label>
      {rows && (
        <>
          <textarea
            aria-label="A CSV row with its header line"
            placeholder={"column_a,column_b\n1.5,red"}
            value={row}
            onChange={(e) => setRow(e.target.value)}
            rows={3}
          />
          <button type="button" disabled={!row.trim() || pending} onClick={() => void send(row)}>
            Predict
          </button>
        </>
      )}
      {pending && <p className="muted">Predicting…</p>}
      {typeof result === "string" && <p className="run-error">{result}</p>}
      {result && typeof result !== "string" && (
        <div className="prediction" role="status">
          <p>
            Prediction: <strong>{String(result.predicted)}</strong>
          </p>
          <ul className="probabilities">
            {result.classes.map((name, i) => (
              <li key={name}>
                <span className="probability-name">{name}</span>
                <meter min={0} max={1} value={result.probabilities[i]} />
                <span>{(result.probabilities[i] * 100).toFixed(1)}%</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
