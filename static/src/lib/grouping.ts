/**
 * Group and ungroup: a selection of blocks becomes one instance of a new definition (the
 * spec's `modules`) with the inner parameters it exposes, and an instance unpacks back into
 * its definition's blocks with its values filled in.
 */
import { INPUT, STEP, type Block, type Definition, type Doc, type Graph, type Wire, type XY } from "./doc";
import { descendants, freshId } from "./edit";
import { isExpr, namesIn, substitute } from "./expr";
import { MODULE_PARAM_KINDS, graphAt, withGraph, type Scope } from "./modules";
import type { BlockDef, ModuleParam, ModuleParams, ParamDef, Params } from "./types";

// ---------------------------------------------------------------- group as block

/** A parameter of a grouped block that the new definition can expose. */
export interface Candidate {
  block: string;
  param: string;
  kind: ModuleParam["kind"];
  value: unknown;
  def: ParamDef;
}

/** An inner parameter exposed as the definition's parameter `name` (one name may serve several). */
export interface Exposure {
  block: string;
  param: string;
  name: string;
}

/** What grouping a selection would make, or why it cannot. */
export type GroupPlan =
  | { ok: true; ids: string[]; sources: string[]; output: string }
  | { ok: false; reason: string };

/**
 * Can `ids` become one block? Its inputs are the distinct sources of wires coming in from
 * outside (in wire order); exactly one block may feed the rest of the graph (or be its
 * output); and no outside block may sit between two grouped ones.
 */
export function planGroup(graph: Graph, ids: Iterable<string>): GroupPlan {
  const chosen = new Set([...ids].filter((id) => graph.blocks.some((b) => b.id === id)));
  if (!chosen.size) return { ok: false, reason: "Select the blocks to group first." };
  const sources: string[] = [];
  for (const wire of graph.wires) {
    if (chosen.has(wire.target) && !chosen.has(wire.source) && !sources.includes(wire.source)) sources.push(wire.source);
  }
  if (!sources.length) return { ok: false, reason: "The selected blocks take no input from outside them: select blocks that a wire comes into." };
  for (const id of chosen) {
    const between = [...descendants(graph, id)].find(
      (d) => !chosen.has(d) && [...descendants(graph, d)].some((e) => chosen.has(e)),
    );
    if (between) return { ok: false, reason: `${between} sits between selected blocks: select it too, or leave out the blocks after it.` };
  }
  const feeding = new Set(graph.wires.filter((w) => chosen.has(w.source) && !chosen.has(w.target)).map((w) => w.source));
  if (graph.output !== null && chosen.has(graph.output)) feeding.add(graph.output);
  if (feeding.size > 1) {
    return { ok: false, reason: `A block has one output, but ${[...feeding].join(" and ")} both feed blocks outside the selection: select what they feed too, or fewer blocks.` };
  }
  let output = [...feeding][0];
  if (output === undefined) {
    const sinks = [...chosen].filter((id) => !graph.wires.some((w) => w.source === id && chosen.has(w.target)));
    if (sinks.length !== 1) return { ok: false, reason: `The selection ends in ${sinks.length} blocks (${sinks.join(", ")}): a block has one output.` };
    output = sinks[0];
  }
  const order = graph.blocks.map((b) => b.id).filter((id) => chosen.has(id));
  return { ok: true, ids: order, sources, output };
}

/** The parameters of the selected blocks a definition can expose: set or defaulted, never inferred. */
export function candidates(graph: Graph, ids: string[], defs: Map<string, BlockDef>): Candidate[] {
  const found: Candidate[] = [];
  for (const id of ids) {
    const block = graph.blocks.find((b) => b.id === id);
    const def = block && defs.get(block.type);
    if (!block || !def) continue;
    for (const param of def.params) {
      const kind = param.kind as ModuleParam["kind"];
      if (param.inferred || !MODULE_PARAM_KINDS.includes(kind)) continue;
      const value = block.params[param.name] ?? param.default;
      if (value === null || value === undefined || isExpr(value)) continue;
      found.push({ block: id, param: param.name, kind, value, def: param });
    }
  }
  return found;
}

/** A fresh name for an exposed parameter: its own, or with the block's id when taken. */
export function exposureName(candidate: Candidate, taken: Set<string>): string {
  if (!taken.has(candidate.param)) return candidate.param;
  const joined = `${candidate.block}_${candidate.param}`;
  if (!taken.has(joined)) return joined;
  for (let n = 2; ; n++) if (!taken.has(`${joined}_${n}`)) return `${joined}_${n}`;
}

function moduleParam(candidate: Candidate): ModuleParam {
  const { def } = candidate;
  return {
    kind: candidate.kind,
    default: candidate.value,
    ...(def.min !== null ? { min: def.min } : {}),
    ...(def.max !== null ? { max: def.max } : {}),
    ...(def.choices ? { choices: def.choices } : {}),
    ...(def.doc ? { doc: def.doc } : {}),
  };
}

function topLeft(blocks: Block[]): XY {
  return {
    x: Math.min(...blocks.map((b) => b.position.x)),
    y: Math.min(...blocks.map((b) => b.position.y)),
  };
}

/**
 * Group the blocks of a plan as the new definition `name`, exposing the chosen parameters;
 * the blocks are replaced by one instance, wired like them. Inside a definition, parameters
 * the grouped blocks reference are passed on to the new one under the same names.
 */
export function groupAsBlock(
  doc: Doc,
  scope: Scope,
  plan: Extract<GroupPlan, { ok: true }>,
  name: string,
  exposures: Exposure[],
  candidateList: Candidate[],
): { doc: Doc; id: string } {
  const graph = graphAt(doc, scope);
  const outer = scope.length ? doc.modules[scope.at(-1)!] : null;
  const chosen = new Set(plan.ids);
  const inputs = plan.sources.length === 1 ? ["x"] : plan.sources.map((_, k) => `x${k + 1}`);
  const inputOf = new Map(plan.sources.map((s, k) => [s, inputs[k]]));
  const params: ModuleParams = {};
  const passed: Params = {};
  for (const exposure of exposures) {
    const candidate = candidateList.find((c) => c.block === exposure.block && c.param === exposure.param);
    if (candidate && !params[exposure.name]) params[exposure.name] = moduleParam(candidate);
  }
  const origin = topLeft(graph.blocks.filter((b) => chosen.has(b.id)));
  const blocks = graph.blocks
    .filter((b) => chosen.has(b.id))
    .map((b) => {
      const inner = { ...b.params };
      for (const e of exposures) if (e.block === b.id) inner[e.param] = { expr: e.name };
      // References to the outer definition's parameters become parameters of this one.
      for (const value of Object.values(inner)) {
        if (!isExpr(value) || !outer) continue;
        for (const used of namesIn(value.expr)) {
          if (params[used] || !outer.params[used]) continue;
          params[used] = structuredClone(outer.params[used]);
          passed[used] = { expr: used };
        }
      }
      return { ...b, params: inner, position: { x: b.position.x - origin.x, y: b.position.y - origin.y + STEP } };
    });
  const wires: Wire[] = graph.wires
    .filter((w) => chosen.has(w.target))
    .map((w) => ({ source: inputOf.get(w.source) ?? w.source, target: w.target }));
  const definition: Definition = {
    description: "",
    params,
    inlets: inputs.map((id, k) => ({ id, position: { x: 240 * k, y: 0 } })),
    blocks,
    wires,
    output: plan.output,
  };
  const id = freshId(graph, name);
  const instance: Block = { id, type: name, params: passed, position: origin };
  const first = graph.blocks.findIndex((b) => chosen.has(b.id));
  const kept = graph.blocks.filter((b) => !chosen.has(b.id));
  kept.splice(Math.min(first, kept.length), 0, instance);
  const outerWires = graph.wires
    .filter((w) => !chosen.has(w.target))
    .map((w) => (w.source === plan.output ? { ...w, source: id } : w));
  const grouped: Graph = {
    inlets: graph.inlets,
    blocks: kept,
    wires: [...outerWires, ...plan.sources.map((source) => ({ source, target: id }))],
    output: graph.output !== null && chosen.has(graph.output) ? id : graph.output,
  };
  const withDefinition = { ...doc, modules: { ...doc.modules, [name]: definition } };
  return { doc: withGraph(withDefinition, scope, grouped), id };
}

// ---------------------------------------------------------------- ungroup

/** The values an instance gives its definition's parameters: its own, or the defaults. */
export function instanceValues(definition: Definition, block: Block): Params {
  const values: Params = {};
  for (const [name, param] of Object.entries(definition.params)) values[name] = block.params[name] ?? param.default;
  return values;
}

/**
 * Inner parameters with references replaced by the instance's values; `known` are the values
 * the analysis worked out for this instance (arithmetic of plain values). Null when one
 * cannot be worked out.
 */
function resolved(params: Params, values: Params, known: Params | undefined): Params | null {
  const out: Params = {};
  for (const [name, value] of Object.entries(params)) {
    const v = isExpr(value) ? (substitute(value, values) ?? known?.[name]) : value;
    if (v === undefined) return null;
    out[name] = v;
  }
  return out;
}

/**
 * Unpack an instance into the blocks of its definition (each repeat in turn), wired as the
 * instance was. `analysed` holds the resolved parameters of its inner blocks, by id, as the
 * analysis found them for this instance. Values the instance takes from an outer definition
 * stay references. Refused (null) when a reference cannot be worked out.
 */
export function ungroup(doc: Doc, scope: Scope, id: string, analysed: Record<string, Params> = {}): { doc: Doc; ids: string[] } | null {
  const graph = graphAt(doc, scope);
  const instance = graph.blocks.find((b) => b.id === id);
  const definition = instance && doc.modules[instance.type];
  if (!instance || !definition) return null;
  const values = instanceValues(definition, instance);
  const arguments_ = graph.wires.filter((w) => w.target === id).map((w) => w.source);
  const copies = Math.max(1, instance.repeat ?? 1);
  const others = graph.blocks.filter((b) => b.id !== id);
  const taken = new Set([...others.map((b) => b.id), ...graph.inlets.map((i) => i.id)]);
  const blocks: Block[] = [];
  const wires: Wire[] = [];
  let feeds = arguments_;
  let last = id;
  for (let c = 0; c < copies; c++) {
    const prefix = copies > 1 ? `${id}_${c + 1}` : id;
    const rename = new Map<string, string>();
    for (const inner of definition.blocks) {
      let fresh = `${prefix}_${inner.id}`;
      for (let n = 2; taken.has(fresh); n++) fresh = `${prefix}_${inner.id}_${n}`;
      taken.add(fresh);
      rename.set(inner.id, fresh);
    }
    const inputs = new Map(definition.inlets.map((inlet, k) => [inlet.id, feeds[k] ?? INPUT]));
    for (const inner of definition.blocks) {
      const params = resolved(inner.params, values, analysed[inner.id]);
      if (params === null) return null;
      blocks.push({
        ...structuredClone(inner),
        id: rename.get(inner.id)!,
        params,
        position: {
          x: instance.position.x + inner.position.x,
          y: instance.position.y + inner.position.y + c * STEP * definition.blocks.length,
        },
      });
    }
    for (const wire of definition.wires) {
      wires.push({
        source: inputs.get(wire.source) ?? rename.get(wire.source) ?? wire.source,
        target: rename.get(wire.target) ?? wire.target,
      });
    }
    last = rename.get(definition.output ?? definition.blocks.at(-1)?.id ?? "") ?? id;
    feeds = [last];
  }
  const at = graph.blocks.findIndex((b) => b.id === id);
  const outside = graph.wires.filter((w) => w.target !== id).map((w) => (w.source === id ? { ...w, source: last } : w));
  others.splice(at, 0, ...blocks);
  const unpacked: Graph = {
    inlets: graph.inlets,
    blocks: others,
    wires: [...outside, ...wires],
    output: graph.output === id ? last : graph.output,
  };
  return { doc: withGraph(doc, scope, unpacked), ids: blocks.map((b) => b.id) };
}

