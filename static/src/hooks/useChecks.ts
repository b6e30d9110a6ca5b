import { useMemo } from "react";
import type { InletFace } from "../components/BlockNode";
import { generateFiles, validate } from "../lib/api";
import { INPUT, type Doc, type Graph, type specFromDoc } from "../lib/doc";
import { lint } from "../lib/lint";
import type { NodeAnalysis } from "../lib/types";
import { placeProblems } from "../lib/problems";
import { useDebouncedRequest } from "./useDebouncedRequest";

/** Validation follows edits closely (the shapes on the canvas); code generation a bit later. */
const VALIDATE_DELAY = 40;
const GENERATE_DELAY = 80;

type Written = ReturnType<typeof specFromDoc>;

interface Options {
  doc: Doc;
  /** The spec of the document, and where its nodes and edges came from. */
  current: Written;
  /** The spec without its layout, as text: what the checks depend on. */
  specKey: string;
  /** The code panel is open (the code preview follows the model). */
  codeOpen: boolean;
  /** The graph on the canvas, and the definition it is (null: the model's). */
  graph: Graph;
  editing: string | null;
  /** The instances opened to reach `editing`, outermost first: the last one's shapes show. */
  opened: string[];
  say: (text: string) => void;
}

/** The analysis of the instance reached through `path` (instance ids, outermost first). */
function openedUse(nodes: Record<string, NodeAnalysis> | undefined, path: string[]): NodeAnalysis | undefined {
  let use: NodeAnalysis | undefined;
  for (const id of path) {
    use = nodes?.[id];
    nodes = use?.inner ?? undefined;
  }
  return use;
}

/**
 * The server's checks of the model (validation, the code preview) after each edit, and what
 * they say about the graph on the canvas: problems on its blocks, wires and inlets, the
 * editor's own warnings, each block's analysis. An empty canvas is not checked: it shows the
 * welcome, not a problem.
 */
export function useChecks({ doc, current, specKey, codeOpen, graph, editing, opened, say }: Options) {
  const empty = doc.blocks.length === 0;
  const checked = useDebouncedRequest(
    specKey,
    async (signal) => ({ analysis: await validate(current.spec, signal), checked: current }),
    { delay: VALIDATE_DELAY, enabled: !empty, onError: (e) => say(`Checking failed: ${e.message}`) },
  );
  const analysis = empty ? null : (checked.result?.analysis ?? null);
  const validated = empty ? null : (checked.result?.checked ?? null);
  const code = useDebouncedRequest(specKey, (signal) => generateFiles(current.spec, signal), {
    delay: GENERATE_DELAY,
    enabled: codeOpen && !empty,
    onError: (e) => say(`Code generation failed: ${e.message}`),
  });

  const use = editing === null ? undefined : openedUse(analysis?.nodes, opened);
  const index = editing === null ? validated : validated?.modules[editing];
  const placed = useMemo(
    () => placeProblems(analysis?.errors ?? [], index?.nodeIds ?? [], editing ?? undefined),
    [analysis, index, editing],
  );
  const warnings = useMemo(() => (editing === null ? lint(doc, analysis) : new Map()), [doc, analysis, editing]);
  const inlets = useMemo(
    (): Record<string, InletFace> =>
      editing === null
        ? { [INPUT]: { title: "Input", shape: doc.input.shape, dtype: doc.input.dtype, vocab: doc.input.vocab_size, problems: placed.input } }
        : Object.fromEntries(
            graph.inlets.map((inlet, k) => [inlet.id, { title: "input", shape: use?.input_shapes[k] ?? null, problems: [] }]),
          ),
    [editing, doc.input, placed.input, graph.inlets, use],
  );
  return {
    analysis,
    checking: !empty && checked.pending,
    code,
    placed,
    warnings,
    inlets,
    /** Each block's analysis (shapes, counts, resolved parameters), by id. */
    infos: editing === null ? analysis?.nodes : (use?.inner ?? undefined),
    /** The wire of each edge of the checked spec's graph (problems point at `/edges/i`). */
    edgeWires: index?.edgeWires ?? [],
  };
}
