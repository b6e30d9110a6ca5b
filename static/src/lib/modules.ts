/**
 * Reusable blocks: definitions (the spec's `modules`) and their instances.
 *
 * A definition is a graph of its own, from its inputs to its output, with declared
 * parameters that inner blocks reference (`{"expr": "planes * 4"}`). A block whose type
 * names a definition is an instance; editing the definition changes every instance. This
 * module holds where the canvas is (the model, or a definition being edited), definitions
 * as palette blocks, and the document operations on them: rename a definition, repeat an
 * instance, and bring a definition in from the built-in library. Grouping and ungrouping
 * are in `grouping.ts`.
 */
import type { Definition, Doc, Graph } from "./doc";
import type { BlockDef, ModuleParam, ModuleSpec, ParamDef } from "./types";

/** The palette group, and the category, of the model's own definitions. */
export const MODEL_BLOCKS = "Blocks in this model";
/** Parameter kinds a definition can declare. */
export const MODULE_PARAM_KINDS: readonly ModuleParam["kind"][] = ["int", "float", "bool", "choice"];

// ---------------------------------------------------------------- where the canvas is

/** The definitions open for editing, outermost first; empty: the model itself. */
export type Scope = string[];

/** The graph a scope shows. A scope whose definition is gone shows the model. */
export function graphAt(doc: Doc, scope: Scope): Graph {
  const name = scope.at(-1);
  return (name !== undefined && doc.modules[name]) || doc;
}

/** The document with the scope's graph replaced (a definition, or the model's own graph). */
export function withGraph(doc: Doc, scope: Scope, graph: Graph): Doc {
  const name = scope.at(-1);
  if (name === undefined || !doc.modules[name]) return { ...doc, ...graph };
  return { ...doc, modules: { ...doc.modules, [name]: { ...doc.modules[name], ...graph } } };
}

/** The scope without definitions that no longer exist (after an undo, say). */
export function validScope(doc: Doc, scope: Scope): Scope {
  const kept = scope.findIndex((name) => !doc.modules[name]);
  return kept < 0 ? scope : scope.slice(0, kept);
}

// ---------------------------------------------------------------- definitions as blocks

function paramDef(name: string, param: ModuleParam): ParamDef {
  return {
    name,
    kind: param.kind,
    default: param.default,
    required: false,
    inferred: false,
    min: param.min ?? null,
    max: param.max ?? null,
    exclusive_min: false,
    choices: param.choices ?? null,
    length: null,
    nullable: false,
    data_path: false,
    doc: param.doc ?? "",
  };
}

/**
 * The catalog entry of a definition, so that the palette, the parameter form, the node and
 * its input slots treat an instance like any block. Several inputs are labelled slots.
 */
export function definitionBlock(name: string, definition: Definition | ModuleSpec, category = MODEL_BLOCKS): BlockDef {
  const inputs = "inlets" in definition ? definition.inlets.map((i) => i.id) : (definition.inputs ?? ["x"]);
  const params = Object.entries(definition.params ?? {});
  const size = "blocks" in definition ? definition.blocks.length : definition.nodes.length;
  return {
    type: name,
    category,
    colour: "var(--module)",
    doc: definition.description || `A block of ${size} layers, defined in this model.`,
    min_inputs: inputs.length,
    max_inputs: inputs.length,
    slots: inputs.length > 1 ? inputs : [],
    accepts: ["float32", "int64"],
    key_params: params.slice(0, 3).map(([n]) => n),
    params: params.map(([n, p]) => paramDef(n, p)),
  };
}

/** The palette group of the built-in library of definitions. */
export const LIBRARY = "Library";

/** The catalog's blocks, the library's definitions and the document's own, by type name. */
export function blockDefs(blocks: BlockDef[], library: Record<string, ModuleSpec>, modules: Doc["modules"]): Map<string, BlockDef> {
  const defs = new Map(blocks.map((b) => [b.type, b]));
  for (const [name, spec] of Object.entries(library)) defs.set(name, definitionBlock(name, spec, LIBRARY));
  for (const [name, definition] of Object.entries(modules)) defs.set(name, definitionBlock(name, definition));
  return defs;
}

/** Definitions that `name` uses, directly or through others (not itself). */
export function usedDefinitions(doc: Doc, name: string, seen: Set<string> = new Set()): Set<string> {
  for (const block of doc.modules[name]?.blocks ?? []) {
    if (doc.modules[block.type] && !seen.has(block.type)) {
      seen.add(block.type);
      usedDefinitions(doc, block.type, seen);
    }
  }
  return seen;
}

/** The number of blocks using each definition, in the model and in other definitions. */
export function usesOf(doc: Doc): Map<string, number> {
  const uses = new Map(Object.keys(doc.modules).map((n) => [n, 0]));
  for (const graph of [doc, ...Object.values(doc.modules)]) {
    for (const block of graph.blocks) if (uses.has(block.type)) uses.set(block.type, uses.get(block.type)! + 1);
  }
  return uses;
}

const DEFINITION_NAME = /^[A-Z][A-Za-z0-9_]*$/;

/** Why `name` cannot name a new definition, or null. */
export function nameProblem(name: string, doc: Doc, taken: Set<string>, renaming?: string): string | null {
  if (!DEFINITION_NAME.test(name)) return "a CamelCase name: letters, digits and _, starting with a capital letter";
  if (name === renaming) return null;
  if (taken.has(name)) return "a block type already has this name";
  if (doc.modules[name]) return "another block of this model has this name";
  return null;
}

// ---------------------------------------------------------------- rename, repeat, remove

/** Rename a definition and every block of its type, in the model and in other definitions. */
export function renameDefinition(doc: Doc, from: string, to: string): Doc {
  if (!doc.modules[from] || from === to || doc.modules[to]) return doc;
  const retype = <G extends Graph>(graph: G): G => ({
    ...graph,
    blocks: graph.blocks.map((b) => (b.type === from ? { ...b, type: to } : b)),
  });
  const modules = Object.fromEntries(
    Object.entries(doc.modules).map(([name, definition]) => [name === from ? to : name, retype(definition)]),
  );
  return { ...retype(doc), modules };
}

/** Stack an instance `times` times in sequence (1: once, no repeat). */
export function setRepeat<G extends Graph>(graph: G, id: string, times: number): G {
  return {
    ...graph,
    blocks: graph.blocks.map((b) => {
      if (b.id !== id) return b;
      const { repeat: _old, ...rest } = b;
      return times > 1 ? { ...rest, repeat: Math.floor(times) } : rest;
    }),
  };
}

/** Remove a definition no block uses. */
export function removeDefinition(doc: Doc, name: string): Doc {
  if (!doc.modules[name] || (usesOf(doc).get(name) ?? 0) > 0) return doc;
  const { [name]: _gone, ...modules } = doc.modules;
  return { ...doc, modules };
}

/** Change a definition's description or parameters. */
export function updateDefinition(doc: Doc, name: string, change: Partial<Pick<Definition, "description" | "params">>): Doc {
  const definition = doc.modules[name];
  if (!definition) return doc;
  return { ...doc, modules: { ...doc.modules, [name]: { ...definition, ...change } } };
}

// ---------------------------------------------------------------- the library

/**
 * Bring a library definition into the document (with the definitions it uses), unless the
 * document has one of that name already (which is then used as it is).
 */
export function adoptDefinition(doc: Doc, name: string, library: Record<string, ModuleSpec>, read: (m: ModuleSpec) => Definition): Doc {
  if (doc.modules[name] || !library[name]) return doc;
  let next: Doc = { ...doc, modules: { ...doc.modules, [name]: read(library[name]) } };
  for (const node of library[name].nodes) {
    if (library[node.type] && !next.modules[node.type]) next = adoptDefinition(next, node.type, library, read);
  }
  // Used definitions come first, as a reader of the spec expects.
  const used = usedDefinitions(next, name);
  const order = [...Object.keys(doc.modules), ...[...used].filter((n) => !doc.modules[n]), name];
  return { ...next, modules: Object.fromEntries([...new Set(order)].map((n) => [n, next.modules[n]])) };
}
