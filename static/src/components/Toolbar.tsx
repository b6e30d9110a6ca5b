import type { ViewPrefs } from "../hooks/useViewPrefs";
import type { Direction } from "../lib/layout";
import type { ArchitectureInfo, ExampleInfo } from "../lib/types";

interface Props {
  name: string;
  examples: ExampleInfo[];
  architectures: ArchitectureInfo[];
  canUndo: boolean;
  canRedo: boolean;
  prefs: ViewPrefs;
  onToggle: (part: "palette" | "side" | "minimap") => void;
  onDirection: (direction: Direction) => void;
  onName: (name: string) => void;
  onNew: () => void;
  onOpen: () => void;
  onSave: () => void;
  onExample: (name: string) => void;
  onArchitecture: (name: string) => void;
  onUndo: () => void;
  onRedo: () => void;
  onLayout: () => void;
  onFit: () => void;
  onDownload: () => void;
  /** The graph as a picture file. */
  onDownloadPicture: (format: "svg" | "png") => void;
  onHelp: () => void;
  /** The document came from a stored model, so it can be forked. */
  canFork: boolean;
  onShare: () => void;
  onFork: () => void;
  onMyModels: () => void;
}

interface StartItem {
  name: string;
  title: string;
  description: string;
}

/** A menu of models to start from: picking one loads it (the menu stays on its title). */
function StartFrom(props: {
  label: string;
  placeholder: string;
  items: StartItem[];
  onPick: (name: string) => void;
}) {
  return (
    <select aria-label={props.label} value="" onChange={(e) => e.target.value && props.onPick(e.target.value)}>
      <option value="">{props.placeholder}</option>
      {props.items.map((x) => (
        <option key={x.name} value={x.name} title={x.description}>
          {x.title}
        </option>
      ))}
    </select>
  );
}

/** The main commands. Every one has a keyboard shortcut too (see the help dialog). */
export function Toolbar(props: Props) {
  return (
    <header className="toolbar">
      <span className="brand">TorchCanvas</span>
      <input
        className="model-name"
        aria-label="Model name"
        value={props.name}
        maxLength={120}
        onChange={(e) => props.onName(e.target.value)}
      />
      <div className="toolbar-group" role="group" aria-label="File">
        <button type="button" onClick={props.onNew}>
          New
        </button>
        <button type="button" onClick={props.onOpen} title="Open a model (.json) or an ONNX file (.onnx); Ctrl+O">
          Open…
        </button>
        <button type="button" onClick={props.onSave} title="Ctrl+S">
          Save JSON
        </button>
        <StartFrom
          label="Start from an example"
          placeholder="Examples…"
          items={props.examples}
          onPick={props.onExample}
        />
        {props.architectures.length > 0 && (
          <StartFrom
            label="Start from an architecture"
            placeholder="Architectures…"
            items={props.architectures.map((x) => ({
              ...x,
              title: `${x.title} (${(x.params / 1e6).toFixed(1)} M parameters)`,
            }))}
            onPick={props.onArchitecture}
          />
        )}
      </div>
      <div className="toolbar-group" role="group" aria-label="Edit">
        <button type="button" onClick={props.onUndo} disabled={!props.canUndo} title="Ctrl+Z">
          Undo
        </button>
        <button type="button" onClick={props.onRedo} disabled={!props.canRedo} title="Ctrl+Shift+Z">
          Redo
        </button>
        <button type="button" onClick={props.onLayout} title="Shift+L">
          Auto-layout
        </button>
        <button type="button" onClick={props.onFit} title="Shift+F">
          Fit view
        </button>
      </div>
      <div className="toolbar-group" role="group" aria-label="View">
        <select
          aria-label="Layout direction"
          title="Shift+D"
          value={props.prefs.direction}
          onChange={(e) => props.onDirection(e.target.value as Direction)}
        >
          <option value="DOWN">Top to bottom</option>
          <option value="RIGHT">Left to right</option>
        </select>
        {(
          [
            ["palette", "Palette"],
            ["side", "Panel"],
            ["minimap", "Minimap"],
          ] as const
        ).map(([part, label]) => (
          <button
            key={part}
            type="button"
            aria-pressed={props.prefs[part]}
            className="toggle"
            onClick={() => props.onToggle(part)}
            title={`Show or hide the ${label.toLowerCase()}`}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="toolbar-group" role="group" aria-label="Sharing">
        <button type="button" onClick={props.onShare} title="Save the model online and get a link to it">
          Share
        </button>
        <button
          type="button"
          onClick={props.onFork}
          disabled={!props.canFork}
          title={props.canFork ? "Make your own copy of this shared model, with its own link" : "Open a shared model to fork it"}
        >
          Fork
        </button>
        <button type="button" onClick={props.onMyModels} title="The models you shared from this browser">
          My models
        </button>
      </div>
      <div className="toolbar-group" role="group" aria-label="Project">
        <button type="button" className="primary" onClick={props.onDownload}>
          Download
        </button>
        {(["svg", "png"] as const).map((format) => (
          <button
            key={format}
            type="button"
            onClick={() => props.onDownloadPicture(format)}
            aria-label={`Download the graph as ${format.toUpperCase()}`}
            title={`The picture of the graph as ${format.toUpperCase()}`}
          >
            {format.toUpperCase()}
          </button>
        ))}
        <button type="button" onClick={props.onHelp} aria-label="Keyboard shortcuts" title="?">
          ?
        </button>
      </div>
      <nav className="site-links" aria-label="Site">
        <a href="/gallery">Gallery</a>
        <a href="/api/docs">API</a>
      </nav>
    </header>
  );
}
