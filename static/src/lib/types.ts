/** Shapes of the JSON API (docs/api.md) and of the model spec (docs/spec.md). */

export type ParamKind =
  | "int"
  | "float"
  | "bool"
  | "str"
  | "choice"
  | "int_tuple"
  | "int_list"
  | "float_tuple";

export interface ParamDef {
  name: string;
  kind: ParamKind;
  default: unknown;
  required: boolean;
  inferred: boolean;
  min: number | null;
  max: number | null;
  exclusive_min?: boolean;
  choices: (string | number)[] | null;
  length: number | null;
  nullable: boolean;
  doc: string;
}

export interface BlockDef {
  type: string;
  category: string;
  doc: string;
  min_inputs: number;
  max_inputs: number | null;
  key_params: string[];
  params: ParamDef[];
}

export interface ComponentDef {
  type: string;
  doc: string;
  task?: string;
  params: ParamDef[];
}

export interface DatasetDef {
  kind: string;
  doc: string;
  task: string | null;
  in_memory?: boolean;
  params: ParamDef[];
}

export interface Catalog {
  categories: string[];
  blocks: BlockDef[];
  losses: ComponentDef[];
  optimizers: ComponentDef[];
  schedulers: ComponentDef[];
  inits: ComponentDef[];
  datasets: DatasetDef[];
  augmentations: ComponentDef[];
  training_fields: ParamDef[];
}

export interface Problem {
  path: string;
  message: string;
  hint: string;
}

export interface NodeAnalysis {
  type: string;
  input_shapes: number[][];
  output_shape: number[] | null;
  params: number | null;
  resolved_params: Record<string, unknown>;
}

export interface Analysis {
  valid: boolean;
  errors: Problem[];
  nodes: Record<string, NodeAnalysis>;
  order: string[];
  output_shape: number[] | null;
  total_params: number | null;
  trainable_params: number | null;
  size_mb: number | null;
  task: string | null;
}

export type Params = Record<string, unknown>;

export interface SpecNode {
  id: string;
  type: string;
  params?: Params;
  label?: string;
}

export interface SpecEdge {
  source: string;
  target: string;
}

export interface Component {
  type: string;
  params?: Params;
}

/** `training` of the spec: generic fields plus the nested components. */
export interface Training {
  dataset?: { kind: string; params?: Params };
  loss?: Component | null;
  optimizer?: Component & { exempt_bias_and_norm?: boolean };
  scheduler?: Component | null;
  init?: Component | null;
  early_stopping?: { patience?: number; min_delta?: number } | null;
  augmentations?: Component[];
  [field: string]: unknown;
}

export interface Spec {
  format: "torchcanvas.model";
  version: 1;
  name: string;
  description?: string;
  tags?: string[];
  input: { shape: number[] };
  nodes: SpecNode[];
  edges?: SpecEdge[];
  output?: string | null;
  training?: Training | null;
  layout?: Record<string, { x: number; y: number }>;
}

export interface ExampleInfo {
  name: string;
  title: string;
  description: string;
}
