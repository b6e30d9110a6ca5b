import type { KeyCommand } from "./useKeymap";

/** What the editor's shortcuts do. */
export interface EditorActions {
  searchPalette: () => void;
  deleteSelection: () => void;
  undo: () => void;
  redo: () => void;
  copy: () => void;
  paste: () => void;
  selectAll: () => void;
  group: () => void;
  /** Back out of the definition being edited, else clear the selection. */
  escape: () => void;
  relayout: () => void;
  switchDirection: () => void;
  fit: () => void;
  save: () => void;
  open: () => void;
  help: () => void;
}

/** The editor's keyboard commands, in the order the help lists them. */
export function editorCommands(a: EditorActions): KeyCommand[] {
  return [
    { keys: ["/"], what: "search the block palette", run: a.searchPalette },
    { keys: ["Enter (palette)"], what: "stack the block under the selection" },
    { keys: ["Tab / Shift+Tab"], what: "move between toolbar, palette, canvas and panels" },
    { keys: ["Shift+click"], what: "add a block or a wire to the selection (Shift+drag: select a box)" },
    { keys: ["Arrow keys"], what: "move the selected blocks (a move that reorders blocks changes the layout)" },
    { keys: ["delete", "backspace"], what: "delete the selection (a chain stays connected)", run: a.deleteSelection },
    { keys: ["mod+z"], what: "undo", run: a.undo },
    { keys: ["mod+shift+z", "mod+y"], what: "redo", run: a.redo },
    { keys: ["mod+c"], what: "copy blocks", run: a.copy },
    { keys: ["mod+v"], what: "paste blocks", run: a.paste },
    { keys: ["mod+a"], what: "select every block", run: a.selectAll },
    { keys: ["mod+g"], what: "group the selected blocks as a reusable block (name it, choose its parameters)", run: a.group },
    { keys: ["Double-click"], what: "edit a reusable block's definition in place (every use changes)" },
    { keys: ["escape"], what: "back out of the definition being edited (else clear the selection)", run: a.escape },
    { keys: ["Ungroup (panel)"], what: "unpack a reusable block into its blocks; Repeat (panel) stacks it × N" },
    { keys: ["shift+l"], what: "lay the model out again", run: a.relayout },
    { keys: ["shift+d"], what: "switch the layout between top-down and left-right", run: a.switchDirection },
    { keys: ["shift+f"], what: "fit the view (at a readable zoom; scroll for the rest)", run: a.fit },
    { keys: ["mod+s"], what: "save the model as JSON", run: a.save, anywhere: true },
    { keys: ["mod+o"], what: "open a model file", run: a.open, anywhere: true },
    { keys: ["?"], what: "this help", run: a.help },
  ];
}
