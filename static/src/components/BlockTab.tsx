import type { useDefinitions } from "../hooks/useDefinitions";
import type { Doc, Graph } from "../lib/doc";
import { renameBlock, updateBlock } from "../lib/edit";
import { MODEL_BLOCKS, setRepeat, usesOf } from "../lib/modules";
import type { Placed } from "../lib/problems";
import type { BlockDef, NodeAnalysis, Problem } from "../lib/types";
import { BlockPanel } from "./BlockPanel";
import { DefinitionPanel } from "./DefinitionPanel";

interface Props {
  doc: Doc;
  /** The graph on the canvas: the model's, or the definition being edited. */
  graph: Graph;
  editing: string | null;
  defs: Map<string, BlockDef>;
  selection: Set<string>;
  infos: Record<string, NodeAnalysis> | undefined;
  placed: Placed;
  warnings: Map<string, Problem[]>;
  definitions: ReturnType<typeof useDefinitions>;
  change: (doc: Doc, key?: string) => void;
  changeGraph: (graph: Graph, key?: string) => void;
  onRenamed: (id: string) => void;
  onDelete: () => void;
}

/**
 * The Block tab: the selected block's panel; with nothing selected inside a definition, the
 * definition's own panel; with several blocks selected, the way to group them.
 */
export function BlockTab({ doc, graph, editing, defs, selection, infos, placed, warnings, definitions, change, changeGraph, onRenamed, onDelete }: Props) {
  const selected = graph.blocks.filter((b) => selection.has(b.id));
  const single = selected.length === 1 ? selected[0] : null;
  const definition = editing !== null ? doc.modules[editing] : undefined;
  if (single) {
    const def = defs.get(single.type);
    const id = single.id;
    return (
      <BlockPanel
        key={id}
        block={single}
        def={def}
        info={infos?.[id]}
        problems={placed.nodes.get(id) ?? []}
        warnings={warnings.get(id) ?? []}
        isOutput={graph.output === id}
        takenIds={new Set([...graph.blocks, ...graph.inlets].map((b) => b.id))}
        names={definition && Object.fromEntries(Object.entries(definition.params).map(([n, p]) => [n, p.kind]))}
        onParams={(params) => changeGraph(updateBlock(graph, id, { params }), `params:${id}`)}
        onRename={(to) => {
          changeGraph(renameBlock(graph, id, to));
          onRenamed(to);
        }}
        onLabel={(label) => changeGraph(updateBlock(graph, id, { label: label || undefined }), `label:${id}`)}
        onOutput={(on) => changeGraph({ ...graph, output: on ? id : null })}
        onDelete={onDelete}
        instance={
          def?.category === MODEL_BLOCKS
            ? {
                onRepeat: (times) => changeGraph(setRepeat(graph, id, times), `repeat:${id}`),
                onEdit: () => definitions.enter(id),
                onUngroup: () => definitions.unpack(id),
              }
            : undefined
        }
      />
    );
  }
  if (definition && editing !== null && selected.length === 0) {
    return (
      <DefinitionPanel
        key={editing}
        name={editing}
        definition={definition}
        uses={usesOf(doc).get(editing) ?? 0}
        taken={new Set(defs.keys())}
        doc={doc}
        onRename={(to) => definitions.rename(editing, to)}
        onChange={(next) => change(next, `definition:${editing}`)}
      />
    );
  }
  return (
    <div className="panel-section">
      {selected.length > 1 ? (
        <>
          <p className="muted">{selected.length} blocks selected.</p>
          <button type="button" onClick={definitions.startGroup} title="Ctrl+G">
            Group as block…
          </button>
        </>
      ) : (
        <p className="muted">Select a block to set its parameters.</p>
      )}
    </div>
  );
}
