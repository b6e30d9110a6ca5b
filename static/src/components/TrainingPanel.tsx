import type { Catalog, Component, ComponentDef, InputSpec, Problem, Training } from "../lib/types";
import { InputFields } from "./InputFields";
import { ParamForm } from "./ParamField";
import { ProblemList } from "./ProblemList";

interface Props {
  catalog: Catalog;
  input: InputSpec;
  /** The input shape's help, fitted to the first layer. */
  inputHint: string;
  training: Training | null;
  problems: Problem[];
  inputProblems: Problem[];
  onInput: (input: InputSpec) => void;
  onTraining: (training: Training | null) => void;
  say: (text: string) => void;
}

interface PickerProps {
  label: string;
  name: string;
  defs: ComponentDef[];
  value: Component | null | undefined;
  noneLabel?: string;
  onChange: (value: Component | null) => void;
  children?: React.ReactNode;
}

/** Choose a component (loss, optimizer, ...) and set its params. */
function ComponentPicker({ label, name, defs, value, noneLabel, onChange, children }: PickerProps) {
  const def = defs.find((d) => d.type === value?.type);
  return (
    <fieldset className="component" data-component={name}>
      <legend>{label}</legend>
      <select
        aria-label={label}
        value={value?.type ?? ""}
        onChange={(e) => onChange(e.target.value ? { type: e.target.value } : null)}
      >
        {noneLabel !== undefined && <option value="">{noneLabel}</option>}
        {defs.map((d) => (
          <option key={d.type} value={d.type}>
            {d.type}
          </option>
        ))}
      </select>
      {def && <small className="param-doc">{def.doc}</small>}
      {def && value && (
        <ParamForm
          defs={def.params}
          values={value.params ?? {}}
          idPrefix={name}
          onChange={(params) => onChange({ ...value, params })}
        />
      )}
      {children}
    </fieldset>
  );
}

/** Input (shape, dtype, vocabulary), dataset, loss, optimizer, scheduler, init and the training options. */
export function TrainingPanel(props: Props) {
  const { catalog, training } = props;
  const t = training ?? {};
  const set = (change: Partial<Training>) => {
    const next: Training = { ...t, ...change };
    for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
    props.onTraining(next);
  };
  const dataset = catalog.datasets.find((d) => d.kind === (t.dataset?.kind ?? catalog.defaults.dataset));
  const optimizer = { type: catalog.defaults.optimizer, ...t.optimizer };
  const generic = Object.fromEntries(
    catalog.training_fields.map((f) => [f.name, t[f.name]]).filter(([, v]) => v !== undefined),
  );
  const augmentations = t.augmentations ?? [];
  /**
   * A loss chosen before any dataset: pick the first dataset for the loss's task, so the
   * default (regression) data does not make a classification loss an error.
   */
  const datasetFor = (loss: Component | null): Partial<Training> => {
    if (t.dataset || !loss) return {};
    const task = catalog.losses.find((l) => l.type === loss.type)?.task;
    const match = catalog.datasets.find((d) => d.task === task);
    if (!match) return {};
    props.say(`Dataset set to ${match.kind} to fit ${loss.type}; choose your own under Dataset.`);
    return { dataset: { kind: match.kind } };
  };
  return (
    <section className="panel-section training" aria-label="Training">
      <h2>Model and training</h2>
      <ProblemList problems={props.inputProblems} />
      <InputFields fields={props.catalog.input_fields} input={props.input} hint={props.inputHint} onChange={props.onInput} />
      <ProblemList problems={props.problems} title="Training problems" />
      {training === null ? (
        <>
          <p className="muted">Model only: the download has model.py, no training script.</p>
          <button type="button" onClick={() => props.onTraining({})}>
            Add training settings
          </button>
        </>
      ) : (
        <>
          <fieldset className="component" data-component="dataset">
            <legend>Dataset</legend>
            <select
              aria-label="Dataset"
              value={dataset?.kind ?? ""}
              onChange={(e) => set({ dataset: { kind: e.target.value } })}
            >
              {catalog.datasets.map((d) => (
                <option key={d.kind} value={d.kind}>
                  {d.kind}
                </option>
              ))}
            </select>
            {dataset && <small className="param-doc">{dataset.doc}</small>}
            {dataset && (
              <ParamForm
                defs={dataset.params}
                values={t.dataset?.params ?? {}}
                idPrefix="dataset"
                onChange={(params) => set({ dataset: { kind: dataset.kind, params } })}
              />
            )}
          </fieldset>
          <fieldset className="component" data-component="options">
            <legend>Training options</legend>
            <ParamForm
              defs={catalog.training_fields}
              values={generic}
              idPrefix="training"
              onChange={(values) => {
                const next: Training = { ...t };
                for (const f of catalog.training_fields) delete next[f.name];
                props.onTraining({ ...next, ...values });
              }}
            />
          </fieldset>
          <ComponentPicker
            label="Loss"
            name="loss"
            defs={catalog.losses}
            value={t.loss}
            noneLabel="auto (by task)"
            onChange={(loss) => set({ loss: loss ?? undefined, ...datasetFor(loss) })}
          />
          <ComponentPicker
            label="Optimizer"
            name="optimizer"
            defs={catalog.optimizers}
            value={optimizer}
            onChange={(optimizer) =>
              set({
                optimizer: optimizer
                  ? { ...optimizer, exempt_bias_and_norm: t.optimizer?.exempt_bias_and_norm }
                  : undefined,
              })
            }
          >
            <label className="param param-bool">
              <input
                type="checkbox"
                checked={Boolean(t.optimizer?.exempt_bias_and_norm)}
                onChange={(e) =>
                  set({
                    optimizer: {
                      ...optimizer,
                      exempt_bias_and_norm: e.target.checked || undefined,
                    },
                  })
                }
              />{" "}
              no weight decay on biases and norm parameters
            </label>
          </ComponentPicker>
          <ComponentPicker
            label="Scheduler"
            name="scheduler"
            defs={catalog.schedulers}
            value={t.scheduler}
            noneLabel="none (constant learning rate)"
            onChange={(scheduler) => set({ scheduler: scheduler ?? undefined })}
          />
          <ComponentPicker
            label="Initialisation"
            name="init"
            defs={catalog.inits}
            value={t.init}
            noneLabel="torch default"
            onChange={(init) => set({ init: init ?? undefined })}
          />
          <fieldset className="component" data-component="early_stopping">
            <legend>Early stopping</legend>
            <label className="param param-bool">
              <input
                type="checkbox"
                checked={Boolean(t.early_stopping)}
                onChange={(e) => set({ early_stopping: e.target.checked ? {} : undefined })}
              />{" "}
              stop when validation stops improving, keep the best weights
            </label>
            {t.early_stopping && (
              <ParamForm
                defs={catalog.early_stopping_fields}
                values={t.early_stopping}
                idPrefix="early"
                onChange={(values) => set({ early_stopping: values })}
              />
            )}
          </fieldset>
          <fieldset className="component" data-component="augmentations">
            <legend>Augmentation (training data only)</legend>
            {catalog.augmentations.map((def) => {
              const index = augmentations.findIndex((a) => a.type === def.type);
              const current = index >= 0 ? augmentations[index] : null;
              return (
                <div key={def.type} className="augmentation">
                  <label className="param param-bool" title={def.doc}>
                    <input
                      type="checkbox"
                      checked={current !== null}
                      onChange={(e) =>
                        set({
                          augmentations: e.target.checked
                            ? [...augmentations, { type: def.type }]
                            : augmentations.filter((a) => a.type !== def.type),
                        })
                      }
                    />{" "}
                    {def.type}
                  </label>
                  <small className="param-doc">{def.doc}</small>
                  {current && (
                    <ParamForm
                      defs={def.params}
                      values={current.params ?? {}}
                      idPrefix={`aug-${def.type}`}
                      onChange={(params) =>
                        set({
                          augmentations: augmentations.map((a, i) =>
                            i === index ? { ...a, params } : a,
                          ),
                        })
                      }
                    />
                  )}
                </div>
              );
            })}
          </fieldset>
          <button type="button" className="link" onClick={() => props.onTraining(null)}>
            Remove training settings (model only)
          </button>
        </>
      )}
    </section>
  );
}
