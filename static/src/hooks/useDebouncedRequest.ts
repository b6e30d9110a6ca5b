import { useEffect, useRef, useState } from "react";
import { ApiError } from "../lib/api";

/** The longest a request waits for a busy server before it gives up, in seconds. */
const MAX_RETRY_AFTER = 30;

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
 * A server that is busy or asked too much (429, 503 with Retry-After) is asked again when
 * it says, still pending meanwhile.
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
    let timer = 0;
    const ask = () => {
      latest.current
        .run(controller.signal)
        .then((result) => {
          if (!controller.signal.aborted) setAnswered({ key, result });
        })
        .catch((error: Error) => {
          if (controller.signal.aborted) return;
          const wait = error instanceof ApiError ? error.retryAfter : null;
          if (wait !== null && wait <= MAX_RETRY_AFTER) {
            timer = window.setTimeout(ask, Math.max(wait, 1) * 1000);
            return;
          }
          setAnswered((a) => ({ ...a, key }));
          latest.current.onError?.(error);
        });
    };
    timer = window.setTimeout(ask, delay);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key, enabled, delay]);

  // Pending from the moment the key changes, so an old answer is never taken for the new key.
  return { result: answered.result, pending: enabled && answered.key !== key };
}
