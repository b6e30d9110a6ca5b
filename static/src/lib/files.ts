/** Opening and saving spec files. */
import type { Spec } from "./types";

/** Parse a spec file's text; the error message says what is wrong and what to do. */
export function parseSpecText(text: string): Spec {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("The file is not valid JSON. Open a model saved by TorchCanvas (.json).");
  }
  const spec = data as Partial<Spec>;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error("The file holds no model: expected a JSON object.");
  }
  if (spec.format !== "torchcanvas.model") {
    throw new Error('Not a TorchCanvas model: "format" must be "torchcanvas.model".');
  }
  if (!spec.input || !Array.isArray(spec.input.shape) || !Array.isArray(spec.nodes)) {
    throw new Error('The model needs "input": {"shape": [...]} and a "nodes" list.');
  }
  return spec as Spec;
}

export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "model"
  );
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function saveSpecFile(spec: Spec): void {
  const text = JSON.stringify(spec, null, 2) + "\n";
  downloadBlob(new Blob([text], { type: "application/json" }), `${slug(spec.name)}.json`);
}
