/**
 * Shapes of the JSON API and of the model spec. They are generated from the server's
 * OpenAPI document (`api.gen.ts`, written by `make` with openapi-typescript from
 * `torchcanvas openapi`), so they cannot drift from the pydantic models they come from.
 */
import type { components } from "./api.gen";

type Schemas = components["schemas"];

export type Catalog = Schemas["Catalog"];
export type CategoryDef = Schemas["CatalogCategory"];
export type BlockDef = Schemas["CatalogBlock"];
export type ParamDef = Schemas["CatalogParam"];
export type ParamKind = ParamDef["kind"];
export type ComponentDef = Schemas["CatalogComponent"] & { task?: string; step?: string };
export type DatasetDef = Schemas["CatalogDataset"];
export type TrainingDefaults = Schemas["TrainingDefaults"];

export type Problem = Schemas["ErrorItem"];
export type NodeAnalysis = Schemas["NodeResult"];
export type Analysis = Schemas["ValidationResult"];
export type ExampleInfo = Schemas["ExampleSummary"];
export type ArchitectureInfo = Schemas["ArchitectureSummary"];

export type Params = Record<string, unknown>;
export type SpecNode = Schemas["NodeSpec"];
export type SpecEdge = Schemas["EdgeSpec"];
export type Component = Schemas["Component"];
export type InputSpec = Schemas["InputSpec"];

/** `training` of the spec. The editor also reads and writes its plain fields by name. */
export type Training = Schemas["TrainingSpec"] & { [field: string]: unknown };

/** Reusable blocks (`modules`, docs/spec.md "Reusable blocks"). */
export type ModuleParam = Schemas["ModuleParam"];
export type ModuleParams = Record<string, ModuleParam>;
export type ModuleSpec = Schemas["ModuleSpec"];
export type LibraryDefinition = Schemas["LibraryDefinition"];

/** A spec as the editor holds it: format and version always set. */
export type Spec = Schemas["ModelSpec"] & {
  format: "torchcanvas.model";
  version: 1;
  name: string;
};
