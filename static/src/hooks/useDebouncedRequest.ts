import { useEffect, useRef, useState } from "react";

interface Options {
  /** Wait this long after the last change of `key` before asking. */
  delay: number;
  /** Ask only while this is true (the last result is kept meanwhile). */
  enabled?: boolean;
  onError?: (error: Error) => void;
}

/**
 * The answer of a request that follows `key`: asked `delay` ms after `key` last changed;
 * a newer key aborts the request in flight, so an answer is never older than one shown.
 */
export function useDebouncedRequest<T>(
  key: string,
  run: (signal: AbortSignal) => Promise<T>,
  { delay, enabled = true, onError }: Options,
): { result: T | null; pending: boolean } {
  const [result, setResult] = useState<T | null>(null);
  const [pending, setPending] = useState(false);
  const latest = useRef({ run, onError });
  latest.current = { run, onError };

  useEffect(() => {
    if (!enabled) {
      setPending(false);
      return;
    }
    const controller = new AbortController();
    setPending(true);
    const timer = window.setTimeout(() => {
      latest.current
        .run(controller.signal)
        .then((answer) => {
          if (controller.signal.aborted) return;
          setResult(answer);
          setPending(false);
        })
        .catch((error: Error) => {
          if (controller.signal.aborted) return;
          setPending(false);
          latest.current.onError?.(error);
        });
    }, delay);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key, enabled, delay]);

  return { result, pending };
}
