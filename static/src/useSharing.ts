/**
 * Sharing from the editor: Share (save a new model or a new revision of mine), Fork,
 * My models, and opening `/?model=<id>` or `/?fork=<id>` on start.
 *
 * The document remembers the stored model it came from (`doc.source`). It is "mine" when
 * this browser holds that model's edit token (lib/shared.ts, "my models"); Share then
 * saves a new revision at the same link, with If-Match so a newer save by someone else is
 * never overwritten. Any other document is saved as a new model.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from "react";
import { openDoc, specFromDoc, type Doc } from "./lib/doc";
import * as H from "./lib/history";
import * as S from "./lib/shared";
import { loadDraftSource, type DraftSource } from "./lib/storage";
import type { Spec } from "./lib/types";

export type ShareState =
  | { kind: "compose" }
  | { kind: "saving" }
  | { kind: "done"; url: string; note: string }
  | { kind: "error"; message: string; canCopy: boolean; canReload: boolean };

/** The revision a document is based on: its ETag and its spec (canonical JSON) if known. */
interface Base {
  etag: string;
  text: string | null;
}

interface Options {
  doc: Doc;
  spec: Spec;
  /** The editor can show a model (the catalog is loaded). */
  ready: boolean;
  setHistory: Dispatch<SetStateAction<H.History<Doc>>>;
  load: (spec: Spec, note: string, source?: string) => Doc;
  say: (text: string) => void;
}

const now = () => new Date().toISOString();
const absolute = (id: string) => new URL(S.pageUrl(id), window.location.origin).href;
/** The model of a spec as the editor writes it after opening it (chains without edges). */
const editorText = (spec: Spec) => S.modelText(specFromDoc(openDoc(spec)).spec);

function shareError(error: unknown): S.ShareError {
  return error instanceof S.ShareError ? error : new S.ShareError(-1, (error as Error).message);
}

/** Fork the stored model `id`, load the copy and keep its edit token in My models. */
async function forkToMine(id: string) {
  const forked = await S.fork(id);
  const copy = await S.loadModel(forked.id);
  const mine = S.rememberModel({
    id: forked.id,
    name: copy.name,
    edit_token: forked.edit_token,
    etag: copy.etag,
    savedAt: now(),
    forkedFrom: forked.forked_from,
  });
  return { forked, copy, mine };
}

function withSource(doc: Doc, source: string | undefined): Doc {
  if (source) return { ...doc, source };
  const { source: _old, ...rest } = doc;
  return rest;
}

export function useSharing({ doc, spec, ready, setHistory, load, say }: Options) {
  const [share, setShare] = useState<ShareState | null>(null);
  const [myModels, setMyModels] = useState<S.MyModel[]>(() => S.loadMyModels());
  const [myModelsOpen, setMyModelsOpen] = useState(false);
  const bases = useRef<Map<string, Base> | null>(null);
  if (bases.current === null) {
    const draft = loadDraftSource();
    bases.current = new Map(draft ? [[draft.id, { etag: draft.etag, text: draft.text }]] : []);
  }
  const [basesVersion, setBasesVersion] = useState(0);

  const setBase = useCallback((id: string, base: Base) => {
    bases.current!.set(id, base);
    setBasesVersion((v) => v + 1);
  }, []);

  /** Where the autosaved draft comes from, saved with it. */
  const draftSource = useMemo((): DraftSource | null => {
    if (!doc.source) return null;
    const base = bases.current!.get(doc.source);
    return { id: doc.source, etag: base?.etag ?? "", text: base?.text ?? null };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc.source, basesVersion]);

  /** Point documents linked to `from` at `to`: the present one, or every one in the history. */
  const relink = useCallback(
    (from: string | undefined, to: string | undefined, scope: "present" | "all") => {
      setHistory((h) => {
        const fix = (d: Doc) => (d.source === from ? withSource(d, to) : d);
        if (scope === "present") {
          const present = fix(h.present);
          return present === h.present ? h : H.replace(h, present);
        }
        return { ...h, past: h.past.map(fix), present: fix(h.present), future: h.future.map(fix) };
      });
    },
    [setHistory],
  );

  const saveCopy = useCallback(async (next?: Spec) => {
    const saved = next ?? spec;
    setShare({ kind: "saving" });
    try {
      const created = await S.saveNew(saved);
      setBase(created.id, { etag: created.etag, text: S.modelText(saved) });
      setMyModels(
        S.rememberModel({
          id: created.id,
          name: saved.name,
          edit_token: created.edit_token,
          etag: created.etag,
          savedAt: now(),
        }),
      );
      relink(doc.source, created.id, "present");
      setShare({
        kind: "done",
        url: created.url,
        note: doc.source
          ? "Saved as a new model of your own; the original is unchanged. Anyone with this link can see it:"
          : "Saved. Anyone with this link can see the model and open it in the editor:",
      });
    } catch (error) {
      setShare({ kind: "error", message: shareError(error).message, canCopy: false, canReload: false });
    }
  }, [doc.source, relink, setBase, spec]);

  /** Save `next` (the document with the dialog's description and tags) at its link. */
  const shareNow = useCallback(async (next?: Spec) => {
    const shared = next ?? spec;
    const id = doc.source;
    const mine = id ? S.findMyModel(id) : null;
    if (!id || !mine) return saveCopy(shared);
    const text = S.modelText(shared);
    const base = bases.current!.get(id) ?? { etag: mine.etag, text: null };
    if (base.text === text) {
      setShare({ kind: "done", url: absolute(id), note: "No changes since the last save. The link shows this model:" });
      return;
    }
    setShare({ kind: "saving" });
    try {
      const saved = await S.update(id, mine.edit_token, shared, base.etag || null);
      setBase(id, { etag: saved.etag, text });
      setMyModels(S.touchModel(id, { etag: saved.etag, name: saved.name || shared.name, savedAt: now() }));
      setShare({
        kind: "done",
        url: absolute(id),
        note: `Saved as revision ${saved.revision}; the link shows it:`,
      });
    } catch (error) {
      const { status, message } = shareError(error);
      setShare({
        kind: "error",
        message,
        canCopy: [401, 403, 404, 409].includes(status),
        canReload: status === 409,
      });
    }
  }, [doc.source, saveCopy, setBase, spec]);

  const openStored = useCallback(
    async (id: string) => {
      try {
        const model = await S.loadModel(id);
        const mine = S.findMyModel(id);
        const note = mine
          ? `Opened your model "${model.name}": Share saves a new revision at the same link.`
          : `Opened "${model.name}": Share saves your changes as a new model, Fork makes your own copy now.`;
        const opened = load(model.spec, note, id);
        setBase(id, { etag: model.etag, text: S.modelText(specFromDoc(opened).spec) });
        if (mine) setMyModels(S.touchModel(id, { etag: model.etag, name: model.name }));
      } catch (error) {
        const { status, message } = shareError(error);
        if (status === 404 && S.findMyModel(id)) {
          setMyModels(S.forgetModel(id));
          say(`The model ${id} no longer exists; it is removed from My models.`);
        } else {
          say(`The model ${id} did not open: ${message}`);
        }
      }
    },
    [load, say, setBase],
  );

  /** Fork the stored model `id` and open the copy (on start, from a `?fork=` link). */
  const forkAndOpen = useCallback(
    async (id: string) => {
      try {
        const { forked, copy, mine } = await forkToMine(id);
        setMyModels(mine);
        const opened = load(copy.spec, `Forked "${copy.name}": this copy is yours, Share saves it at its own link.`, forked.id);
        setBase(forked.id, { etag: copy.etag, text: S.modelText(specFromDoc(opened).spec) });
      } catch (error) {
        say(`The model ${id} could not be forked: ${shareError(error).message}`);
      }
    },
    [load, say, setBase],
  );

  /** Fork the model the document came from; the copy keeps any unsaved changes. */
  const forkCurrent = useCallback(async () => {
    const id = doc.source;
    if (!id) return;
    say("Forking…");
    try {
      const { forked, copy, mine } = await forkToMine(id);
      setMyModels(mine);
      const copyText = editorText(copy.spec);
      const text = S.modelText(spec);
      relink(id, forked.id, "present");
      if (copyText === text) {
        setBase(forked.id, { etag: copy.etag, text });
        say(`Forked "${copy.name}": this is now your own copy at ${absolute(forked.id)}; Share updates it.`);
        return;
      }
      try {
        const saved = await S.update(forked.id, forked.edit_token, spec, copy.etag);
        setBase(forked.id, { etag: saved.etag, text });
        setMyModels(S.touchModel(forked.id, { etag: saved.etag, name: saved.name || spec.name }));
        say(`Forked "${copy.name}" with your changes: your own copy is at ${absolute(forked.id)}.`);
      } catch (error) {
        setBase(forked.id, { etag: copy.etag, text: copyText });
        say(`Forked "${copy.name}", but your changes are not saved in the copy yet: ${shareError(error).message}`);
      }
    } catch (error) {
      say(`Fork failed: ${shareError(error).message}`);
    }
  }, [doc.source, relink, say, setBase, spec]);

  const reloadNewer = useCallback(() => {
    setShare(null);
    if (doc.source) void openStored(doc.source);
  }, [doc.source, openStored]);

  const openMine = useCallback(
    (id: string) => {
      setMyModelsOpen(false);
      void openStored(id);
    },
    [openStored],
  );

  /** Delete one of my models on the server (rejects with a readable message). */
  const deleteMine = useCallback(
    async (id: string) => {
      const mine = S.findMyModel(id);
      if (mine) {
        try {
          await S.deleteModel(id, mine.edit_token);
        } catch (error) {
          if (shareError(error).status !== 404) throw shareError(error); // 404: already gone
        }
      }
      setMyModels(S.forgetModel(id));
      bases.current!.delete(id);
      relink(id, undefined, "all");
    },
    [relink],
  );

  const showMyModels = useCallback(() => {
    setMyModels(S.loadMyModels()); // another tab may have saved meanwhile
    setMyModelsOpen(true);
  }, []);

  // `/?model=<id>` opens a stored model, `/?fork=<id>` a fresh fork of it; the address
  // then drops the parameter, so a reload neither forks again nor undoes later edits.
  const started = useRef(false);
  useEffect(() => {
    if (!ready || started.current) return;
    started.current = true;
    const params = new URLSearchParams(window.location.search);
    const model = params.get("model");
    const forked = params.get("fork");
    if (model === null && forked === null) return;
    params.delete("model");
    params.delete("fork");
    const rest = params.toString();
    const { pathname, hash } = window.location;
    window.history.replaceState(window.history.state, "", `${pathname}${rest ? `?${rest}` : ""}${hash}`);
    if (forked !== null) void forkAndOpen(forked);
    else if (model !== null) void openStored(model);
  }, [ready, forkAndOpen, openStored]);

  return {
    share,
    draftSource,
    myModels,
    myModelsOpen,
    shareNow,
    saveCopy,
    reloadNewer,
    /** Share: first the dialog, to describe and tag the model. */
    openShare: () => setShare({ kind: "compose" }),
    closeShare: () => setShare(null),
    forkCurrent,
    showMyModels,
    closeMyModels: () => setMyModelsOpen(false),
    openMine,
    deleteMine,
  };
}
