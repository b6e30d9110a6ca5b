import { MiniMap } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { BlockTab } from "./components/BlockTab";
import { Breadcrumb } from "./components/Breadcrumb";
import { Canvas } from "./components/Canvas";
import { CodePanel } from "./components/CodePanel";
import { GroupDialog } from "./components/GroupDialog";
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
import { useCatalog } from "./hooks/useCatalog";
import { useChecks } from "./hooks/useChecks";
import { useDefinitions } from "./hooks/useDefinitions";
import { useEditing } from "./hooks/useEditing";
import { editorCommands } from "./hooks/commands";
import { useKeymap } from "./hooks/useKeymap";
import { useSelection } from "./hooks/useSelection";
import { useViewPrefs } from "./hooks/useViewPrefs";
import { ApiError, downloadGraph, downloadZip, fetchArchitecture, fetchExample, importOnnx } from "./lib/api";
import { INPUT, emptyDoc, isInlet, openDoc, specFromDoc, withoutLayout, type Doc } from "./lib/doc";
import { downloadBlob, parseSpecText, saveSpecFile } from "./lib/files";
import { inputShapeHint } from "./lib/hints";
import * as H from "./lib/history";
import { blockDefs, removeDefinition, usesOf } from "./lib/modules";
import { loadDraft, loadDraftSource, saveDraft } from "./lib/storage";
import type { Spec } from "./lib/types";
import { useSharing } from "./useSharing";

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
  const { catalog, loadError, examples, architectures, library } = useCatalog();
  const [history, setHistory] = useState(() => H.start(initialDoc()));
  const doc = history.present;
  const { selection, setSelection, wireSelection, setWireSelection, select, clearSelection, selectNew, revealRequest } =
    useSelection();
  const [tab, setTab] = useState<Tab>("training");
  const [helpOpen, setHelpOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fitRequest, setFitRequest] = useState(1);
  const [relayoutRequest, setRelayoutRequest] = useState(0);
  const { prefs, toggle, setDirection } = useViewPrefs();
  const fileInput = useRef<HTMLInputElement>(null);

  const defs = useMemo(() => blockDefs(catalog?.blocks ?? [], library, doc.modules), [catalog, library, doc.modules]);
  const current = useMemo(() => specFromDoc(doc), [doc]);
  const spec = current.spec;
  const specKey = JSON.stringify(withoutLayout(spec));
  const empty = doc.blocks.length === 0;

  const say = useCallback((text: string) => {
    setMessage(text);
    window.setTimeout(() => setMessage((m) => (m === text ? null : m)), 6000);
  }, []);

  const change = useCallback((next: Doc, key?: string) => {
    setHistory((h) => H.record(h, next, key ?? null));
  }, []);

  const fit = useCallback(() => setFitRequest((n) => n + 1), []);
  const definitions = useDefinitions({ doc, setHistory, defs, library, selection, selectNew, clearSelection, say, fit });
  const { graph, editing, changeGraph, leave } = definitions;
  const { analysis, checking, code, placed, warnings, inlets, infos, edgeWires } = useChecks({
    doc,
    current,
    specKey,
    codeOpen: tab === "code",
    graph,
    editing,
    opened: definitions.opened,
    say,
  });

  // One block selected: its panel shows (unless the code is being read).
  useEffect(() => {
    const blocks = [...selection].filter((id) => !isInlet(graph, id));
    if (blocks.length === 1) setTab((t) => (t === "code" ? t : "block"));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selection]);

  const load = useCallback(
    (spec: Spec, note: string, source?: string) => {
      const opened = openDoc(spec, source);
      change(opened);
      leave(0);
      setTab("training");
      say(note);
      return opened;
    },
    [change, leave, say],
  );

  const sharing = useSharing({ doc, spec, ready: catalog !== null, setHistory, load, say });
  const dialogOpen = helpOpen || sharing.share !== null || sharing.myModelsOpen || definitions.groupRequest !== null;

  // Autosave, layout included, with the stored model the draft belongs to.
  const { draftSource } = sharing;
  useEffect(() => {
    const timer = window.setTimeout(() => saveDraft(spec, draftSource), 300);
    return () => window.clearTimeout(timer);
  }, [spec, draftSource]);

  const { addBlock, dropBlock, deleteSelection, copy, paste } = useEditing({
    doc: graph,
    change: changeGraph,
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
        if (file.name.toLowerCase().endsWith(".onnx")) {
          load(await importOnnx(file), `Imported ${file.name} (the server read its graph)`);
          return;
        }
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

  const downloadPicture = useCallback(
    async (format: "svg" | "png") => {
      try {
        const { blob, filename } = await downloadGraph(spec, format);
        downloadBlob(blob, filename);
      } catch (e) {
        const problems = e instanceof ApiError ? e.problems : [];
        say(`Picture download failed: ${problems[0]?.message ?? (e as Error).message}`);
      }
    },
    [say, spec],
  );

  const relayout = useCallback(() => {
    setRelayoutRequest((n) => n + 1);
    fit();
  }, [fit]);

  const undo = useCallback(() => setHistory((h) => H.undo(h)), []);
  const redo = useCallback(() => setHistory((h) => H.redo(h)), []);

  const commands = editorCommands({
    searchPalette: () => document.querySelector<HTMLInputElement>(".palette-search")?.focus(),
    deleteSelection,
    undo,
    redo,
    copy,
    paste,
    selectAll: () => setSelection(new Set(graph.blocks.map((b) => b.id))),
    group: definitions.startGroup,
    escape: () => (editing !== null ? definitions.leave(definitions.scope.length - 1) : clearSelection()),
    relayout,
    switchDirection: () => setDirection(prefs.direction === "DOWN" ? "RIGHT" : "DOWN"),
    fit,
    save: () => saveSpecFile(spec),
    open: () => fileInput.current?.click(),
    help: () => setHelpOpen(true),
  });
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

  const openArchitecture = useCallback(
    (name: string) =>
      fetchArchitecture(name)
        .then((spec) => load(spec, `Started from ${name}, imported from torchvision`))
        .catch((e) => say(`The architecture did not load: ${e.message}`)),
    [load, say],
  );

  if (loadError) return <p className="fatal">{loadError}</p>;
  if (!catalog) return <p className="loading">Loading the block catalog…</p>;

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
        architectures={architectures}
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
        onArchitecture={(name) => void openArchitecture(name)}
        onUndo={undo}
        onRedo={redo}
        onLayout={relayout}
        onFit={fit}
        onDownload={download}
        onDownloadPicture={(format) => void downloadPicture(format)}
        onHelp={() => setHelpOpen(true)}
        canFork={doc.source !== undefined}
        onShare={sharing.openShare}
        onFork={() => void sharing.forkCurrent()}
        onMyModels={sharing.showMyModels}
      />
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json,.onnx"
        hidden
        data-testid="open-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void openFile(file);
          e.target.value = "";
        }}
      />
      {prefs.palette ? (
        <Palette
          catalog={catalog}
          defs={defs}
          uses={usesOf(doc)}
          recursive={definitions.recursive}
          onAdd={(type) => (definitions.recursive(type) ? say(`${editing} cannot use ${type}: a block never contains itself.`) : addBlock(type))}
          onRemove={(type) => change(removeDefinition(doc, type))}
          onClose={() => toggle("palette")}
        />
      ) : (
        <button type="button" className="panel-opener palette-opener" onClick={() => toggle("palette")} aria-label="Show the block palette">
          Blocks ›
        </button>
      )}
      <main className={`workspace${prefs.minimap ? " with-minimap" : ""}${editing !== null ? " editing" : ""}`} aria-label="Canvas">
        {empty && editing === null && <Welcome examples={examples} onExample={openExample} />}
        {editing !== null && <Breadcrumb scope={definitions.scope} opened={definitions.opened} modelName={doc.name} onLeave={definitions.leave} />}
        <Canvas
          doc={graph}
          inDefinition={editing !== null}
          defs={defs}
          infos={infos}
          inlets={inlets}
          placed={placed}
          warnings={warnings}
          edgeWires={edgeWires}
          selection={selection}
          wireSelection={wireSelection}
          direction={prefs.direction}
          onSelect={select}
          onOpenBlock={(id) => setTab((t) => (t === "code" ? t : id === INPUT && editing === null ? "training" : "block"))}
          onEnterBlock={definitions.enter}
          onChange={changeGraph}
          onArranged={definitions.arranged}
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
          {tab === "block" && (
            <BlockTab
              doc={doc}
              graph={graph}
              editing={editing}
              defs={defs}
              selection={selection}
              infos={infos}
              placed={placed}
              warnings={warnings}
              definitions={definitions}
              change={change}
              changeGraph={changeGraph}
              onRenamed={(id) => setSelection(new Set([id]))}
              onDelete={deleteSelection}
            />
          )}
          {tab === "training" && (
            <TrainingPanel
              catalog={catalog}
              input={doc.input}
              inputHint={inputShapeHint(doc, defs)}
              training={doc.training}
              problems={placed.training}
              inputProblems={placed.input}
              onInput={(input) => change({ ...doc, input }, "input")}
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
      <GroupDialog
        request={definitions.groupRequest}
        taken={new Set(defs.keys())}
        doc={doc}
        onGroup={definitions.finishGroup}
        onClose={definitions.cancelGroup}
      />
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
