import { useCallback, useState, type Dispatch, type SetStateAction } from "react";
import { definitionOf, type Doc, type Graph, type XY } from "../lib/doc";
import * as H from "../lib/history";
import { placeBlocks } from "../lib/layout";
import { candidates, groupAsBlock, planGroup, ungroup, type Candidate, type Exposure, type GroupPlan } from "../lib/grouping";
import { adoptDefinition, graphAt, renameDefinition, usedDefinitions, validScope, withGraph, type Scope } from "../lib/modules";
import type { BlockDef, ModuleSpec, Params } from "../lib/types";

/** A "Group as block" in progress: what the selection would become, and what it can expose. */
export interface GroupRequest {
  plan: Extract<GroupPlan, { ok: true }>;
  candidates: Candidate[];
}

interface Options {
  doc: Doc;
  setHistory: Dispatch<SetStateAction<H.History<Doc>>>;
  defs: Map<string, BlockDef>;
  library: Record<string, ModuleSpec>;
  selection: Set<string>;
  /** Select blocks and bring them into view (new blocks, an unpacked instance). */
  selectNew: (ids: string[]) => void;
  clearSelection: () => void;
  say: (text: string) => void;
  fit: () => void;
}

/**
 * Reusable blocks in the editor: which graph the canvas shows (the model, or a definition
 * being edited, with the way back), and the commands that make, unpack and change
 * definitions. Every change is one undo step of the whole document.
 */
export function useDefinitions({ doc, setHistory, defs, library, selection, selectNew, clearSelection, say, fit }: Options) {
  const [trail, setTrail] = useState<Scope>([]);
  /** The instance double-clicked at each level of the trail: its shapes show inside. */
  const [uses, setUses] = useState<string[]>([]);
  const scope = validScope(doc, trail);
  const graph = graphAt(doc, scope);
  const editing = scope.at(-1) ?? null;
  const [groupRequest, setGroupRequest] = useState<GroupRequest | null>(null);

  /** The document with a library definition in it (and what it uses). */
  const withLibrary = useCallback((base: Doc, name: string) => adoptDefinition(base, name, library, definitionOf), [library]);

  /**
   * Record an edit of the graph on the canvas. A block from the library brings its
   * definition into the model.
   */
  const changeGraph = useCallback(
    (next: Graph, key?: string) =>
      setHistory((h) => {
        let doc = withGraph(h.present, scope, next);
        for (const block of next.blocks) if (!doc.modules[block.type] && library[block.type]) doc = withLibrary(doc, block.type);
        return H.record(h, doc, key ?? null);
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [scope.join("/"), setHistory, library, withLibrary],
  );

  /** The layout moved blocks: part of the same undo step as the edit that caused it. */
  const arranged = useCallback(
    (positions: Map<string, XY>) =>
      setHistory((h) => {
        const before = graphAt(h.present, scope);
        const placed = placeBlocks(before, positions);
        return placed === before ? h : H.replace(h, withGraph(h.present, scope, placed));
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [scope.join("/"), setHistory],
  );

  const goTo = useCallback(
    (next: Scope, through: string[]) => {
      setTrail(next);
      setUses(through);
      clearSelection();
      fit();
    },
    [clearSelection, fit],
  );

  /** Double-click on an instance: edit its definition (every instance changes with it). */
  const enter = useCallback(
    (id: string) => {
      const type = graph.blocks.find((b) => b.id === id)?.type;
      if (type && doc.modules[type]) goTo([...scope, type], [...uses.slice(0, scope.length), id]);
    },
    [doc.modules, goTo, graph.blocks, scope, uses],
  );

  /** Back out to the scope at `depth` (0: the model). */
  const leave = useCallback((depth: number) => goTo(scope.slice(0, depth), uses.slice(0, depth)), [goTo, scope, uses]);

  /** Would a block of `type` here make a definition use itself? */
  const recursive = useCallback(
    (type: string) => editing !== null && (type === editing || usedDefinitions(doc, type).has(editing)),
    [doc, editing],
  );

  const startGroup = useCallback(() => {
    const plan = planGroup(graph, selection);
    if (!plan.ok) return say(plan.reason);
    setGroupRequest({ plan, candidates: candidates(graph, plan.ids, defs) });
  }, [defs, graph, say, selection]);

  const finishGroup = useCallback(
    (name: string, exposures: Exposure[]) => {
      if (!groupRequest) return;
      const { doc: next, id } = groupAsBlock(doc, scope, groupRequest.plan, name, exposures, groupRequest.candidates);
      setHistory((h) => H.record(h, next));
      setGroupRequest(null);
      selectNew([id]);
      say(`Grouped ${groupRequest.plan.ids.length} blocks as ${name}: double-click it to edit, Ungroup unpacks it.`);
    },
    [doc, groupRequest, say, scope, selectNew, setHistory],
  );

  /** Ungroup an instance; `analysed`: its inner blocks' parameters as the analysis resolved them. */
  const unpack = useCallback(
    (id: string, analysed?: Record<string, Params>) => {
      const result = ungroup(doc, scope, id, analysed);
      if (!result) return say(`${id} cannot be unpacked yet: its definition's parameter arithmetic is worked out by the check of the model; fix its problems first.`);
      setHistory((h) => H.record(h, result.doc));
      selectNew(result.ids);
    },
    [doc, say, scope, selectNew, setHistory],
  );

  const rename = useCallback(
    (from: string, to: string) => {
      setHistory((h) => H.record(h, renameDefinition(h.present, from, to)));
      setTrail((t) => t.map((name) => (name === from ? to : name)));
    },
    [setHistory],
  );

  return {
    scope,
    /** The instances opened, outermost first (one per level of `scope`). */
    opened: uses.slice(0, scope.length),
    graph,
    editing,
    changeGraph,
    arranged,
    enter,
    leave,
    recursive,
    groupRequest,
    startGroup,
    finishGroup,
    cancelGroup: () => setGroupRequest(null),
    unpack,
    rename,
  };
}
