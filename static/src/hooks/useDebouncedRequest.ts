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
  const [answered, setAnswered] = useState<{ key: string | null; result: T | null }>({ key: null, result: null });
  const latest = useRef({ run, onError });
  latest.current = { run, onError };

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      latest.current
        .run(controller.signal)
        .then((result) => {
          if (!controller.signal.aborted) setAnswered({ key, result });
        })
        .catch((error: Error) => {
          if (controller.signal.aborted) return;
          setAnswered((a) => ({ ...a, key }));
          latest.current.onError?.(error);
        });
    }, delay);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key, enabled, delay]);

  // Pending from the moment the key changes, so an old answer is never taken for the new key.
  return { result: answered.result, pending: enabled && answered.key !== key };
}
