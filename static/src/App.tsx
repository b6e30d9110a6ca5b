import { useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { BlockPanel } from "./components/BlockPanel";
import { Canvas, wireId } from "./components/Canvas";
import { CodePanel } from "./components/CodePanel";
import { HelpDialog } from "./components/HelpDialog";
import { MyModelsDialog } from "./components/MyModelsDialog";
import { Palette } from "./components/Palette";
import { ProblemList } from "./components/ProblemList";
import { ShareDialog } from "./components/ShareDialog";
import { StatusBar } from "./components/StatusBar";
import { Toolbar } from "./components/Toolbar";
import { TrainingPanel } from "./components/TrainingPanel";
import {
  ApiError,
  downloadZip,
  fetchCatalog,
  fetchExample,
  generateFiles,
  listExamples,
  validate,
} from "./lib/api";
import { INPUT, emptyDoc, specFromDoc, type Doc, type XY } from "./lib/doc";
import { dropTarget, type Sizes } from "./lib/drop";
import {
  addFree,
  appendAfter,
  copyBlocks,
  insertOnWire,
  newBlock,
  pasteClip,
  removeBlocks,
  removeWires,
  renameBlock,
  stackTail,
  updateBlock,
  type Clip,
} from "./lib/edit";
import { downloadBlob, parseSpecText, saveSpecFile } from "./lib/files";
import * as H from "./lib/history";
import { NODE_WIDTH, autoLayout, openDoc } from "./lib/layout";
import { placeProblems } from "./lib/problems";
import { loadDraft, loadDraftSource, saveDraft } from "./lib/storage";
import type { Analysis, BlockDef, Catalog, ExampleInfo, Spec } from "./lib/types";
import { useSharing } from "./useSharing";

type Tab = "block" | "training" | "code";

function initialDoc(): Doc {
  const draft = loadDraft();
  if (draft) {
    try {
      return openDoc(draft, loadDraftSource()?.id);
    } catch {
      // A draft from an older editor that no longer reads: start afresh.
    }
  }
  return emptyDoc();
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  return (
    element.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName)
  );
}

export function App() {
  const flow = useReactFlow();
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [examples, setExamples] = useState<ExampleInfo[]>([]);
  const [history, setHistory] = useState(() => H.start(initialDoc()));
  const doc = history.present;
  const [selection, setSelection] = useState<Set<string>>(new Set());
  const [wireSelection, setWireSelection] = useState<Set<string>>(new Set());
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [validated, setValidated] = useState<ReturnType<typeof specFromDoc> | null>(null);
  const [checking, setChecking] = useState(false);
  const [files, setFiles] = useState<Record<string, string> | null>(null);
  const [codePending, setCodePending] = useState(false);
  const [tab, setTab] = useState<Tab>("training");
  const [helpOpen, setHelpOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const clip = useRef<Clip | null>(null);
  const sizesRef = useRef<Sizes>(new Map());
  const fileInput = useRef<HTMLInputElement>(null);

  const defs = useMemo(
    () => new Map<string, BlockDef>((catalog?.blocks ?? []).map((b) => [b.type, b])),
    [catalog],
  );
  const current = useMemo(() => specFromDoc(doc), [doc]);
  const spec = current.spec;
  const { layout: _layout, ...withoutLayout } = spec;
  const specKey = JSON.stringify(withoutLayout);

  const say = useCallback((text: string) => {
    setMessage(text);
    window.setTimeout(() => setMessage((m) => (m === text ? null : m)), 6000);
  }, []);

  useEffect(() => {
    fetchCatalog()
      .then(setCatalog)
      .catch((e) => setLoadError(`The block catalog did not load: ${e.message}. Reload the page.`));
    listExamples()
      .then(setExamples)
      .catch(() => setExamples([]));
  }, []);

  // Validate shortly after each edit; a newer edit cancels the check in flight.
  useEffect(() => {
    const controller = new AbortController();
    setChecking(true);
    const timer = window.setTimeout(() => {
      validate(current.spec, controller.signal)
        .then((result) => {
          setAnalysis(result);
          setValidated(current);
        })
        .catch((e) => {
          if (!controller.signal.aborted) say(`Checking failed: ${e.message}`);
        })
        .finally(() => {
          if (!controller.signal.aborted) setChecking(false);
        });
    }, 250);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [specKey]);


  // The code preview follows the model while the code tab is open.
  const valid = analysis?.valid === true && !checking;
  useEffect(() => {
    if (tab !== "code" || !valid) return;
    const controller = new AbortController();
    setCodePending(true);
    const timer = window.setTimeout(() => {
      generateFiles(current.spec, controller.signal)
        .then((result) => result && setFiles(result))
        .catch((e) => {
          if (!controller.signal.aborted) say(`Code generation failed: ${e.message}`);
        })
        .finally(() => {
          if (!controller.signal.aborted) setCodePending(false);
        });
    }, 300);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [specKey, tab, valid]);

  const placed = useMemo(
    () => placeProblems(analysis?.errors ?? [], validated?.nodeIds ?? []),
    [analysis, validated],
  );

  const change = useCallback((next: Doc, key?: string) => {
    setHistory((h) => H.record(h, next, key ?? null));
  }, []);

  const select = useCallback((nodes: Set<string>, wires: Set<string>) => {
    setSelection(nodes);
    setWireSelection(wires);
    const blocks = [...nodes].filter((id) => id !== INPUT);
    if (blocks.length === 1) setTab((t) => (t === "code" ? t : "block"));
  }, []);

  const fitSoon = useCallback(() => {
    window.setTimeout(() => flow.fitView({ padding: 0.2, maxZoom: 1, duration: 200 }), 50);
  }, [flow]);

  const load = useCallback(
    (spec: Spec, note: string, source?: string) => {
      const opened = openDoc(spec, source);
      change(opened);
      setSelection(new Set());
      setWireSelection(new Set());
      setTab("training");
      say(note);
      fitSoon();
      return opened;
    },
    [change, fitSoon, say],
  );

  const sharing = useSharing({ doc, spec, ready: catalog !== null, setHistory, load, say });
  const dialogOpen = helpOpen || sharing.share !== null || sharing.myModelsOpen;

  // Autosave, layout included, with the stored model the draft belongs to.
  const { draftSource } = sharing;
  useEffect(() => {
    const timer = window.setTimeout(() => saveDraft(spec, draftSource), 300);
    return () => window.clearTimeout(timer);
  }, [spec, draftSource]);

  /** Stack a new block under the selected block (or the end of the stack), and select it. */
  const addBlock = useCallback(
    (type: string) => {
      const chosen = [...selection];
      const after = chosen.length === 1 ? chosen[0] : stackTail(doc);
      const block = newBlock(doc, type, { x: 0, y: 0 });
      change(appendAfter(doc, after, block));
      setSelection(new Set([block.id]));
      setWireSelection(new Set());
      setTab((t) => (t === "code" ? t : "block"));
    },
    [change, doc, selection],
  );

  const dropBlock = useCallback(
    (type: string, point: XY, sizes: Sizes) => {
      const target = dropTarget(doc, point, sizes);
      const block = newBlock(doc, type, { x: point.x - NODE_WIDTH / 2, y: point.y });
      const next =
        target.kind === "append"
          ? appendAfter(doc, target.after, block)
          : target.kind === "wire"
            ? insertOnWire(doc, target.index, block)
            : addFree(doc, block);
      change(next);
      setSelection(new Set([block.id]));
      setWireSelection(new Set());
      setTab((t) => (t === "code" ? t : "block"));
    },
    [change, doc],
  );

  const openFile = useCallback(
    async (file: File) => {
      try {
        load(parseSpecText(await file.text()), `Opened ${file.name}`);
      } catch (e) {
        say(`Could not open ${file.name}: ${(e as Error).message}`);
      }
    },
    [load, say],
  );

  const deleteSelection = useCallback(() => {
    const wires = doc.wires.filter((w) => wireSelection.has(wireId(w)));
    let next = removeWires(doc, wires);
    next = removeBlocks(next, [...selection].filter((id) => id !== INPUT));
    change(next);
    setSelection(new Set());
    setWireSelection(new Set());
  }, [change, doc, selection, wireSelection]);

  const download = useCallback(async () => {
    try {
      const { blob, filename } = await downloadZip(spec);
      downloadBlob(blob, filename);
    } catch (e) {
      const problems = e instanceof ApiError ? e.problems.length : 0;
      say(
        problems
          ? `Fix the ${problems} problem${problems > 1 ? "s" : ""} first: the project is generated from a valid model.`
          : `Download failed: ${(e as Error).message}`,
      );
    }
  }, [say, spec]);

  const layout = useCallback(() => {
    change(autoLayout(doc, sizesRef.current));
    fitSoon();
  }, [change, doc, fitSoon]);

  const undo = useCallback(() => setHistory((h) => H.undo(h)), []);
  const redo = useCallback(() => setHistory((h) => H.redo(h)), []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const ctrl = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (ctrl && key === "s") {
        event.preventDefault();
        saveSpecFile(spec);
        return;
      }
      if (ctrl && key === "o") {
        event.preventDefault();
        fileInput.current?.click();
        return;
      }
      if (isTyping(event.target) || dialogOpen) return;
      if (ctrl && key === "z" && !event.shiftKey) undo();
      else if (ctrl && (key === "y" || (key === "z" && event.shiftKey))) redo();
      else if (ctrl && key === "c") clip.current = copyBlocks(doc, selection);
      else if (ctrl && key === "v" && clip.current?.blocks.length) {
        const pasted = pasteClip(doc, clip.current, { x: 40, y: 40 });
        change(pasted.doc);
        setSelection(new Set(pasted.ids));
      } else if (ctrl && key === "a") {
        setSelection(new Set(doc.blocks.map((b) => b.id)));
      } else if (event.key === "Delete" || event.key === "Backspace") {
        if (!selection.size && !wireSelection.size) return;
        deleteSelection();
      } else if (event.key === "/") {
        document.querySelector<HTMLInputElement>(".palette-search")?.focus();
      } else if (event.key === "?") {
        setHelpOpen(true);
      } else if (event.shiftKey && key === "l") {
        layout();
      } else if (event.shiftKey && key === "f") {
        fitSoon();
      } else {
        return;
      }
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [change, deleteSelection, dialogOpen, doc, fitSoon, layout, redo, selection, spec, undo, wireSelection]);

  const onPageDrop = useCallback(
    (event: DragEvent) => {
      const file = event.dataTransfer.files?.[0];
      if (!file) return;
      event.preventDefault();
      void openFile(file);
    },
    [openFile],
  );

  if (loadError) return <p className="fatal">{loadError}</p>;
  if (!catalog) return <p className="loading">Loading the block catalog…</p>;

  const selectedBlocks = doc.blocks.filter((b) => selection.has(b.id));
  const single = selectedBlocks.length === 1 ? selectedBlocks[0] : null;
  const problemCount = analysis?.errors.length ?? 0;
  const otherProblems = [...placed.model, ...[...placed.wires.values()].flat()];

  return (
    <div className="app" onDragOver={(e) => e.preventDefault()} onDrop={onPageDrop}>
      <Toolbar
        name={doc.name}
        examples={examples}
        canUndo={H.canUndo(history)}
        canRedo={H.canRedo(history)}
        onName={(name) => change({ ...doc, name }, "name")}
        onNew={() => load(specFromDoc(emptyDoc()).spec, "New model (Undo brings the old one back)")}
        onOpen={() => fileInput.current?.click()}
        onSave={() => saveSpecFile(spec)}
        onExample={(name) =>
          fetchExample(name)
            .then((example) => load(example, `Loaded the example ${example.name}`))
            .catch((e) => say(`The example did not load: ${e.message}`))
        }
        onUndo={undo}
        onRedo={redo}
        onLayout={layout}
        onFit={fitSoon}
        onDownload={download}
        onHelp={() => setHelpOpen(true)}
        canFork={doc.source !== undefined}
        onShare={() => void sharing.shareNow()}
        onFork={() => void sharing.forkCurrent()}
        onMyModels={sharing.showMyModels}
      />
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="open-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void openFile(file);
          e.target.value = "";
        }}
      />
      <Palette catalog={catalog} onAdd={addBlock} />
      <main className="workspace" aria-label="Canvas">
        {!doc.blocks.length && (
          <div className="empty-hint">
            Drag blocks here from the palette, press Enter on one, or start from an example.
          </div>
        )}
        <Canvas
          doc={doc}
          defs={defs}
          analysis={analysis}
          placed={placed}
          edgeWires={validated?.edgeWires ?? []}
          selection={selection}
          wireSelection={wireSelection}
          onSelect={select}
          onChange={change}
          onDropBlock={dropBlock}
          onDropFile={openFile}
          sizesRef={sizesRef}
        />
      </main>
      <aside className="side" aria-label="Panels">
        <div className="tabs" role="tablist">
          {(["block", "training", "code"] as Tab[]).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={tab === t ? "active" : ""}
              onClick={() => setTab(t)}
            >
              {t === "block" ? "Block" : t === "training" ? "Training" : "Code"}
              {t === "training" && placed.training.length + placed.input.length > 0 && (
                <span className="badge">{placed.training.length + placed.input.length}</span>
              )}
            </button>
          ))}
        </div>
        <ProblemList problems={otherProblems} title="Model problems" />
        <div className="tab-body" role="tabpanel">
          {tab === "block" &&
            (single ? (
              <BlockPanel
                key={single.id}
                block={single}
                def={defs.get(single.type)}
                info={analysis?.nodes[single.id]}
                problems={placed.nodes.get(single.id) ?? []}
                isOutput={doc.output === single.id}
                takenIds={new Set(doc.blocks.map((b) => b.id))}
                onParams={(params) => change(updateBlock(doc, single.id, { params }), `params:${single.id}`)}
                onRename={(id) => {
                  change(renameBlock(doc, single.id, id));
                  setSelection(new Set([id]));
                }}
                onLabel={(label) =>
                  change(updateBlock(doc, single.id, { label: label || undefined }), `label:${single.id}`)
                }
                onOutput={(on) => change({ ...doc, output: on ? single.id : null })}
                onDelete={deleteSelection}
              />
            ) : (
              <p className="muted panel-section">
                {selectedBlocks.length > 1
                  ? `${selectedBlocks.length} blocks selected.`
                  : "Select a block to set its parameters."}
              </p>
            ))}
          {tab === "training" && (
            <TrainingPanel
              catalog={catalog}
              inputShape={doc.inputShape}
              training={doc.training}
              problems={placed.training}
              inputProblems={placed.input}
              onInputShape={(inputShape) => change({ ...doc, inputShape }, "input")}
              onTraining={(training) => change({ ...doc, training }, "training")}
            />
          )}
          {tab === "code" && <CodePanel files={valid ? files : null} pending={codePending} onDownload={download} />}
        </div>
      </aside>
      <StatusBar analysis={analysis} checking={checking} problemCount={problemCount} message={message} />
      <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <ShareDialog
        state={sharing.share}
        onClose={sharing.closeShare}
        onSaveCopy={() => void sharing.saveCopy()}
        onReload={sharing.reloadNewer}
      />
      <MyModelsDialog
        open={sharing.myModelsOpen}
        models={sharing.myModels}
        current={doc.source}
        onOpen={sharing.openMine}
        onDelete={sharing.deleteMine}
        onClose={sharing.closeMyModels}
      />
    </div>
  );
}
