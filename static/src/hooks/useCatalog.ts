import { useEffect, useMemo, useState } from "react";
import { fetchCatalog, listArchitectures, listExamples } from "../lib/api";
import type { ArchitectureInfo, Catalog, ExampleInfo, ModuleSpec } from "../lib/types";

/**
 * What the server offers the editor, fetched once: the catalog (blocks, training options,
 * the built-in library of definitions), the examples and the pre-imported architectures. `library` holds the library's
 * definitions by name.
 */
export function useCatalog() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [examples, setExamples] = useState<ExampleInfo[]>([]);
  const [architectures, setArchitectures] = useState<ArchitectureInfo[]>([]);

  useEffect(() => {
    fetchCatalog()
      .then(setCatalog)
      .catch((e) => setLoadError(`The block catalog did not load: ${e.message}. Reload the page.`));
    listExamples()
      .then(setExamples)
      .catch(() => setExamples([]));
    listArchitectures()
      .then(setArchitectures)
      .catch(() => setArchitectures([]));
  }, []);

  const library = useMemo<Record<string, ModuleSpec>>(
    () => Object.fromEntries((catalog?.library ?? []).map((entry) => [entry.name, entry.definition])),
    [catalog],
  );
  return { catalog, loadError, examples, architectures, library };
}
