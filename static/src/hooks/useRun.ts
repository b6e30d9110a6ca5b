/**
 * The run the Run panel shows: start it, follow its events (history, progress, status),
 * cancel it, or open an earlier one. The runs this browser started are kept in
 * localStorage (lib/runs.ts), for the list and the compare view.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import * as R from "../lib/runs";
import type { Spec } from "../lib/types";

export function useRun(say: (text: string) => void) {
  const [run, setRun] = useState<R.Run | null>(null);
  const [myRuns, setMyRuns] = useState<R.MyRun[]>(() => R.loadMyRuns());
  const [busy, setBusy] = useState(false);
  const stop = useRef<(() => void) | null>(null);

  const open = useCallback(
    async (id: string) => {
      stop.current?.();
      stop.current = null;
      let current: R.Run;
      try {
        current = await R.getRun(id);
      } catch (e) {
        say(`The run did not load: ${(e as Error).message}`);
        if ((e as { status?: number }).status === 404) setMyRuns(R.forgetRun(id));
        return;
      }
      setRun(current);
      if (R.FINISHED.includes(current.status)) return;
      stop.current = R.follow(id, {
        epoch: (epoch) => setRun((r) => r && { ...r, history: R.withEpoch(r.history, epoch) }),
        progress: (progress) => setRun((r) => r && { ...r, progress }),
        status: ({ status, error, metrics }) =>
          setRun((r) => r && { ...r, status, error, metrics: metrics ?? r.metrics }),
        end: () => {
          stop.current = null;
          // the final state has the artifacts (model.pt, confusion matrix) as well
          void R.getRun(id).then(setRun, () => undefined);
        },
      });
    },
    [say],
  );

  const remember = useCallback((id: string, name: string) => {
    setMyRuns(R.rememberRun({ id, name, startedAt: new Date().toISOString() }));
  }, []);

  const start = useCallback(
    async (spec: Spec, epochs?: number) => {
      setBusy(true);
      try {
        const id = await R.startRun(spec, epochs);
        remember(id, spec.name);
        await open(id);
      } catch (e) {
        say(`The run did not start: ${(e as Error).message}`);
      } finally {
        setBusy(false);
      }
    },
    [open, remember, say],
  );

  const cancel = useCallback(async () => {
    if (!run) return;
    try {
      const state = await R.cancelRun(run.id);
      setRun((r) => r && { ...r, status: state.status });
    } catch (e) {
      say(`Cancelling failed: ${(e as Error).message}`);
    }
  }, [run, say]);

  useEffect(() => () => stop.current?.(), []);

  return { run, myRuns, busy, start, cancel, open, remember };
}
