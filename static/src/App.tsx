import { MiniMap } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { BlockPanel } from "./components/BlockPanel";
import { Canvas, type SelectionChange } from "./components/Canvas";
import { CodePanel } from "./components/CodePanel";
import { HelpDialog } from "./components/HelpDialog";
import { MyModelsDialog } from "./components/MyModelsDialog";
import { Palette } from "./components/Palette";
import { RunPanel } from "./components/RunPanel";
import { ShareDialog } from "./components/ShareDialog";
import { StatusBar } from "./components/StatusBar";
import { SidePanel, type Tab } from "./components/SidePanel";
import { Toolbar } from "./components/Toolbar";
import { TrainingPanel } from "./components/TrainingPanel";
import { Welcome } from "./components/Welcome";
import { useDebouncedRequest } from "./hooks/useDebouncedRequest";
import { useEditing } from "./hooks/useEditing";
import { useKeymap, type KeyCommand } from "./hooks/useKeymap";
import { useViewPrefs } from "./hooks/useViewPrefs";
import {
  ApiError,
  downloadZip,
  fetchCatalog,
  fetchExample,
  generateFiles,
  listExamples,
  validate,
} from "./lib/api";
import { INPUT, emptyDoc, openDoc, specFromDoc, type Doc, type XY } from "./lib/doc";
import { renameBlock, updateBlock } from "./lib/edit";
import { downloadBlob, parseSpecText, saveSpecFile } from "./lib/files";
import { inputShapeHint } from "./lib/hints";
import * as H from "./lib/history";
import { placeBlocks } from "./lib/layout";
import { lint } from "./lib/lint";
import { placeProblems } from "./lib/problems";
import { loadDraft, loadDraftSource, saveDraft } from "./lib/storage";
import type { BlockDef, Catalog, ExampleInfo, Spec } from "./lib/types";
import { useSharing } from "./useSharing";

/** Validation follows edits closely (the shapes on the canvas); code generation a bit later. */
const VALIDATE_DELAY = 40;
const GENERATE_DELAY = 80;

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

export function App() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [examples, setExamples] = useState<ExampleInfo[]>([]);
  const [history, setHistory] = useState(() => H.start(initialDoc()));
  const doc = history.present;
  const [selection, setSelection] = useState<Set<string>>(new Set());
  const [wireSelection, setWireSelection] = useState<Set<string>>(new Set());
  const [tab, setTab] = useState<Tab>("training");
  const [helpOpen, setHelpOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fitRequest, setFitRequest] = useState(1);
  const [relayoutRequest, setRelayoutRequest] = useState(0);
  const [revealRequest, setRevealRequest] = useState<{ ids: string[]; n: number }>({ ids: [], n: 0 });
  const reveal = useCallback((ids: string[]) => setRevealRequest((r) => ({ ids, n: r.n + 1 })), []);
  const { prefs, toggle, setDirection } = useViewPrefs();
  const fileInput = useRef<HTMLInputElement>(null);

  const defs = useMemo(
    () => new Map<string, BlockDef>((catalog?.blocks ?? []).map((b) => [b.type, b])),
    [catalog],
  );
  const current = useMemo(() => specFromDoc(doc), [doc]);
  const spec = current.spec;
  const { layout: _layout, ...withoutLayout } = spec;
  const specKey = JSON.stringify(withoutLayout);
  const empty = doc.blocks.length === 0;

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

  // An empty canvas is not checked: it shows the welcome, not a problem.
  const checked = useDebouncedRequest(
    specKey,
    async (signal) => ({ analysis: await validate(current.spec, signal), checked: current }),
    { delay: VALIDATE_DELAY, enabled: !empty, onError: (e) => say(`Checking failed: ${e.message}`) },
  );
  const analysis = empty ? null : (checked.result?.analysis ?? null);
  const validated = empty ? null : (checked.result?.checked ?? null);
  const checking = !empty && checked.pending;

  // The code preview follows the model while the code tab is open.
  const code = useDebouncedRequest(specKey, (signal) => generateFiles(current.spec, signal), {
    delay: GENERATE_DELAY,
    enabled: tab === "code" && !empty,
    onError: (e) => say(`Code generation failed: ${e.message}`),
  });

  const placed = useMemo(
    () => placeProblems(analysis?.errors ?? [], validated?.nodeIds ?? []),
    [analysis, validated],
  );
  const warnings = useMemo(() => lint(doc, analysis), [doc, analysis]);

  const change = useCallback((next: Doc, key?: string) => {
    setHistory((h) => H.record(h, next, key ?? null));
  }, []);

  /** The layout moved blocks: part of the same undo step as the edit that caused it. */
  const arranged = useCallback((positions: Map<string, XY>) => {
    setHistory((h) => {
      const placedDoc = placeBlocks(h.present, positions);
      return placedDoc === h.present ? h : H.replace(h, placedDoc);
    });
  }, []);

  const select = useCallback((change: SelectionChange) => {
    if (change.nodes) setSelection(change.nodes);
    if (change.wires) setWireSelection(change.wires);
  }, []);
  // One block selected: its panel shows (unless the code is being read).
  useEffect(() => {
    const blocks = [...selection].filter((id) => id !== INPUT);
    if (blocks.length === 1) setTab((t) => (t === "code" ? t : "block"));
  }, [selection]);

  const fit = useCallback(() => setFitRequest((n) => n + 1), []);

  const load = useCallback(
    (spec: Spec, note: string, source?: string) => {
      const opened = openDoc(spec, source);
      change(opened);
      setSelection(new Set());
      setWireSelection(new Set());
      setTab("training");
      say(note);
      fit();
      return opened;
    },
    [change, fit, say],
  );

  const sharing = useSharing({ doc, spec, ready: catalog !== null, setHistory, load, say });
  const dialogOpen = helpOpen || sharing.share !== null || sharing.myModelsOpen;

  // Autosave, layout included, with the stored model the draft belongs to.
  const { draftSource } = sharing;
  useEffect(() => {
    const timer = window.setTimeout(() => saveDraft(spec, draftSource), 300);
    return () => window.clearTimeout(timer);
  }, [spec, draftSource]);

  const selectNew = useCallback(
    (ids: string[]) => {
      setSelection(new Set(ids));
      setWireSelection(new Set());
      reveal(ids);
    },
    [reveal],
  );
  const { addBlock, dropBlock, deleteSelection, copy, paste } = useEditing({
    doc,
    change,
    selection,
    wireSelection,
    setSelection,
    setWireSelection,
    selectNew,
    direction: prefs.direction,
  });

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

  const relayout = useCallback(() => {
    setRelayoutRequest((n) => n + 1);
    fit();
  }, [fit]);

  const undo = useCallback(() => setHistory((h) => H.undo(h)), []);
  const redo = useCallback(() => setHistory((h) => H.redo(h)), []);

  const commands: KeyCommand[] = [
    { keys: ["/"], what: "search the block palette", run: () => document.querySelector<HTMLInputElement>(".palette-search")?.focus() },
    { keys: ["Enter (palette)"], what: "stack the block under the selection" },
    { keys: ["Tab / Shift+Tab"], what: "move between toolbar, palette, canvas and panels" },
    { keys: ["Shift+click"], what: "add a block or a wire to the selection (Shift+drag: select a box)" },
    { keys: ["Arrow keys"], what: "move the selected blocks (a move that reorders blocks changes the layout)" },
    { keys: ["delete", "backspace"], what: "delete the selection (a chain stays connected)", run: deleteSelection },
    { keys: ["mod+z"], what: "undo", run: undo },
    { keys: ["mod+shift+z", "mod+y"], what: "redo", run: redo },
    { keys: ["mod+c"], what: "copy blocks", run: copy },
    { keys: ["mod+v"], what: "paste blocks", run: paste },
    { keys: ["mod+a"], what: "select every block", run: () => setSelection(new Set(doc.blocks.map((b) => b.id))) },
    { keys: ["shift+l"], what: "lay the model out again", run: relayout },
    { keys: ["shift+d"], what: "switch the layout between top-down and left-right", run: () => setDirection(prefs.direction === "DOWN" ? "RIGHT" : "DOWN") },
    { keys: ["shift+f"], what: "fit the view (at a readable zoom; scroll for the rest)", run: fit },
    { keys: ["mod+s"], what: "save the model as JSON", run: () => saveSpecFile(spec), anywhere: true },
    { keys: ["mod+o"], what: "open a model file", run: () => fileInput.current?.click(), anywhere: true },
    { keys: ["?"], what: "this help", run: () => setHelpOpen(true) },
  ];
  useKeymap(commands, dialogOpen);

  const onPageDrop = useCallback(
    (event: DragEvent) => {
      const file = event.dataTransfer.files?.[0];
      if (!file) return;
      event.preventDefault();
      void openFile(file);
    },
    [openFile],
  );

  const openExample = useCallback(
    (name: string) =>
      fetchExample(name)
        .then((example) => load(example, `Loaded the example ${example.name}`))
        .catch((e) => say(`The example did not load: ${e.message}`)),
    [load, say],
  );

  if (loadError) return <p className="fatal">{loadError}</p>;
  if (!catalog) return <p className="loading">Loading the block catalog…</p>;

  const selectedBlocks = doc.blocks.filter((b) => selection.has(b.id));
  const single = selectedBlocks.length === 1 ? selectedBlocks[0] : null;
  const problemCount = analysis?.errors.length ?? 0;
  const otherProblems = [...placed.model, ...[...placed.wires.values()].flat()];
  const layoutClass = [
    "app",
    prefs.palette ? "" : "palette-closed",
    prefs.side ? "" : "side-closed",
  ].join(" ");

  return (
    <div className={layoutClass} onDragOver={(e) => e.preventDefault()} onDrop={onPageDrop}>
      <Toolbar
        name={doc.name}
        examples={examples}
        canUndo={H.canUndo(history)}
        canRedo={H.canRedo(history)}
        prefs={prefs}
        onToggle={toggle}
        onDirection={setDirection}
        onName={(name) => change({ ...doc, name }, "name")}
        onNew={() => load(specFromDoc(emptyDoc()).spec, "New model (Undo brings the old one back)")}
        onOpen={() => fileInput.current?.click()}
        onSave={() => saveSpecFile(spec)}
        onExample={openExample}
        onUndo={undo}
        onRedo={redo}
        onLayout={relayout}
        onFit={fit}
        onDownload={download}
        onHelp={() => setHelpOpen(true)}
        canFork={doc.source !== undefined}
        onShare={sharing.openShare}
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
      {prefs.palette ? (
        <Palette catalog={catalog} onAdd={addBlock} onClose={() => toggle("palette")} />
      ) : (
        <button type="button" className="panel-opener palette-opener" onClick={() => toggle("palette")} aria-label="Show the block palette">
          Blocks ›
        </button>
      )}
      <main className={`workspace${prefs.minimap ? " with-minimap" : ""}`} aria-label="Canvas">
        {empty && <Welcome examples={examples} onExample={openExample} />}
        <Canvas
          doc={doc}
          defs={defs}
          analysis={analysis}
          placed={placed}
          warnings={warnings}
          edgeWires={validated?.edgeWires ?? []}
          selection={selection}
          wireSelection={wireSelection}
          direction={prefs.direction}
          onSelect={select}
          onOpenBlock={(id) => id !== INPUT && setTab((t) => (t === "code" ? t : "block"))}
          onChange={change}
          onArranged={arranged}
          relayoutRequest={relayoutRequest}
          fitRequest={fitRequest}
          revealRequest={revealRequest}
          onDropBlock={dropBlock}
          onDropFile={openFile}
          say={say}
        />
        {prefs.minimap && (
          <aside className="minimap-dock" aria-label="Minimap">
            <MiniMap
              pannable
              zoomable
              ariaLabel="Minimap"
              position="top-left"
              bgColor="var(--panel)"
              maskColor="var(--minimap-mask)"
              nodeColor="var(--wire)"
              nodeBorderRadius={4}
            />
          </aside>
        )}
      </main>
      {prefs.side ? (
        <SidePanel
          tab={tab}
          onTab={setTab}
          trainingProblems={placed.training.length + placed.input.length}
          problems={otherProblems}
          onClose={() => toggle("side")}
        >
          {tab === "block" &&
            (single ? (
              <BlockPanel
                key={single.id}
                block={single}
                def={defs.get(single.type)}
                info={analysis?.nodes[single.id]}
                problems={placed.nodes.get(single.id) ?? []}
                warnings={warnings.get(single.id) ?? []}
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
              inputHint={inputShapeHint(doc, defs)}
              training={doc.training}
              problems={placed.training}
              inputProblems={placed.input}
              onInputShape={(inputShape) => change({ ...doc, inputShape }, "input")}
              onTraining={(training) => change({ ...doc, training }, "training")}
              say={say}
            />
          )}
          {tab === "code" && <CodePanel files={empty ? null : code.result} pending={code.pending} onDownload={download} />}
          {tab === "run" && <RunPanel spec={spec} runnable={analysis?.valid === true && !!spec.training} say={say} />}
        </SidePanel>
      ) : (
        <button type="button" className="panel-opener side-opener" onClick={() => toggle("side")} aria-label="Show the side panel">
          ‹ Panel
        </button>
      )}
      <StatusBar analysis={analysis} checking={checking} problemCount={problemCount} empty={empty} message={message} />
      <HelpDialog open={helpOpen} commands={commands} onClose={() => setHelpOpen(false)} />
      <ShareDialog
        state={sharing.share}
        doc={doc}
        onShare={(description, tags) => {
          const next = { ...doc, description, tags };
          if (next.description !== doc.description || next.tags.join() !== doc.tags.join()) change(next);
          void sharing.shareNow(specFromDoc(next).spec);
        }}
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
