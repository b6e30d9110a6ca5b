import { useModal } from "./useModal";

export const SHORTCUTS: [string, string][] = [
  ["/", "search the block palette"],
  ["Enter (palette)", "stack the block under the selection"],
  ["Tab / Shift+Tab", "move between toolbar, palette, canvas and panels"],
  ["Arrow keys", "move the selected blocks"],
  ["Delete / Backspace", "delete the selection (a chain stays connected)"],
  ["Ctrl+Z", "undo"],
  ["Ctrl+Shift+Z, Ctrl+Y", "redo"],
  ["Ctrl+C / Ctrl+V", "copy / paste blocks"],
  ["Ctrl+A", "select every block"],
  ["Shift+L", "auto-layout"],
  ["Shift+F", "fit the view"],
  ["Ctrl+S", "save the model as JSON"],
  ["Ctrl+O", "open a model file"],
  ["?", "this help"],
];

/** The keyboard shortcuts, in a modal dialog. */
export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useModal(open);
  return (
    <dialog ref={ref} className="help" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Drag a block just under another to stack it, onto a wire to insert it. Drag from a
        block's bottom handle to another block's top handle to wire a branch; Add and Concat
        take several inputs, in the order shown on their wires.
      </p>
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </dialog>
  );
}
