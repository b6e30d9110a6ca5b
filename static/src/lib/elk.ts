/** The ELK layout engine of the editor, in a web worker so a big layout never blocks the page. */
import ELK, { type ELK as Engine } from "elkjs/lib/elk-api.js";
import workerUrl from "elkjs/lib/elk-worker.min.js?url";

let engine: Engine | null = null;

export function layoutEngine(): Engine {
  engine ??= new ELK({ workerUrl });
  return engine;
}
