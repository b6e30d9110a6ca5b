import type { KeyCommand } from "../hooks/useKeymap";
import { useModal } from "./useModal";

/** How a key combination is written for people: `mod+shift+z` -> `Ctrl+Shift+Z`. */
export function keyLabel(combo: string): string {
  if (combo.includes(" ") || combo.length === 1) return combo;
  return combo
    .split("+")
    .map((part) => (part === "mod" ? "Ctrl" : part.charAt(0).toUpperCase() + part.slice(1)))
    .join("+");
}

interface Props {
  open: boolean;
  commands: KeyCommand[];
  onClose: () => void;
}

/** The keyboard shortcuts and mouse gestures, in a modal dialog. */
export function HelpDialog({ open, commands, onClose }: Props) {
  const ref = useModal(open);
  return (
    <dialog ref={ref} className="help" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {commands.map((command) => (
            <tr key={command.keys[0]}>
              <th scope="row">
                <kbd>{command.keys.map(keyLabel).join(", ")}</kbd>
              </th>
              <td>{command.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Drop a block just under another to stack it, onto a wire to insert it. Drag from a
        block's round output handle and let go on another block to wire a branch; drag a
        wire's end to another block to move it; click a wire to select it, then × or Delete
        removes it. Add and Concat take several inputs, numbered on their wires in argument
        order; attention's query, key and value (and the decoder's target and memory) are
        labelled handles: the wire on a handle is that argument. Select blocks and press
        Ctrl+G to group them as a reusable block; double-click it to edit its definition
        (every use changes), Esc to come back out; its panel repeats it (× N) or ungroups it. The canvas lays itself out after every
        edit; drag a block beside its sibling to swap their places. The mouse wheel scrolls,
        Ctrl+wheel zooms.
      </p>
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </dialog>
  );
}
